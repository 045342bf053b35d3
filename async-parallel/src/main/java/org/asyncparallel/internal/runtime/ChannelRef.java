package org.asyncparallel.internal.runtime;

import java.io.Serial;
import java.io.Serializable;
import org.asyncparallel.internal.wire.HubAddress;

/** The serialized form of a channel: where its hub is. It becomes a fresh, unconnected channel. */
record ChannelRef(HubAddress address) implements Serializable {
  @Serial
  private Object readResolve() {
    return new RealChannel<>(address);
  }
}
