package org.asyncparallel.internal.runtime;

import java.io.Serial;
import java.io.Serializable;
import org.asyncparallel.internal.wire.HubAddress;

/**
 * The serialized form of a hub: its address. Deserialized in the hub's own process it is the hub
 * itself again; anywhere else it is a {@link HubProxy} that can only open channels.
 */
record HubRef(HubAddress address) implements Serializable {
  @Serial
  private Object readResolve() {
    RealHub<?, ?> local = ProcessRuntime.currentOrNull() == null ? null
        : ProcessRuntime.current().localHub(address);
    return local != null ? local : new HubProxy<>(address);
  }
}
