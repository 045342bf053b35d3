package org.asyncparallel;

/**
 * A result of {@link Pool#mapUnordered} with the position of its item in the input.
 *
 * @param index the item's position in the input, from 0
 * @param value the function's result for that item
 * @param <T> the results
 */
public record Indexed<T>(long index, T value) {}
