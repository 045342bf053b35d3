package org.asyncparallel.internal.runtime;

import org.asyncparallel.Packed;
import org.asyncparallel.internal.wire.Message;

/** A message serialized once by {@code Channel.prePack}. Its array is never modified. */
record PackedMessage<A>(Message.Data data) implements Packed<A> {}
