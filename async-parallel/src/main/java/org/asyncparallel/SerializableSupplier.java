package org.asyncparallel;

import java.io.Serializable;
import java.util.function.Supplier;

/** A {@link Supplier} that can travel to another process, e.g. inside {@link Where#chosenBy}. */
@FunctionalInterface
public interface SerializableSupplier<T> extends Supplier<T>, Serializable {}
