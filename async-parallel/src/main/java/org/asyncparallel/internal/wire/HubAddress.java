package org.asyncparallel.internal.wire;

import java.io.Serializable;

/**
 * Names a hub anywhere in the runtime: the listener of its process and its number there.
 *
 * @param endpoint the listener of the hub's process
 * @param hubId the hub's number in that process
 */
public record HubAddress(Endpoint endpoint, long hubId) implements Serializable {
  @Override
  public String toString() {
    return "hub " + hubId + " at " + endpoint;
  }
}
