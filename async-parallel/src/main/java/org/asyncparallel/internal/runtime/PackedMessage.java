package org.asyncparallel.internal.runtime;

import org.asyncparallel.Packed;

/** A message serialized once by {@code Channel.prePack}. The array is never modified. */
record PackedMessage<A>(byte[] bytes) implements Packed<A> {}
