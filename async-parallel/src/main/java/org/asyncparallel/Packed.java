package org.asyncparallel;

/**
 * A message serialized once by {@link Channel#prePack}, to be written many times with
 * {@link Channel#writePacked}. Opaque; it may be used with any channel of the same runtime.
 *
 * @param <A> the type of the message
 */
public interface Packed<A> {}
