package org.asyncparallel.internal.runtime;

import java.io.Serial;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.Channel;
import org.asyncparallel.ClientId;
import org.asyncparallel.Hub;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Inbox;
import org.asyncparallel.internal.wire.HubAddress;

/** A hub seen from another process: it opens channels; everything else belongs to its owner. */
final class HubProxy<A, B> implements Hub<A, B> {
  @Serial
  private static final long serialVersionUID = 1L;
  private final HubAddress address;

  HubProxy(HubAddress address) {
    this.address = address;
  }

  @Override
  public Channel<A, B> openChannel() {
    return new RealChannel<>(address);
  }

  @Override
  public Inbox<HubEvent<A>> listen() {
    throw notOwner("listen");
  }

  @Override
  public Inbox<HubEvent.Data<A>> listenSimple() {
    throw notOwner("listenSimple");
  }

  @Override
  public void send(ClientId client, B message) {
    throw notOwner("send");
  }

  @Override
  public void sendToAll(B message) {
    throw notOwner("sendToAll");
  }

  @Override
  public CompletableFuture<Void> flushed() {
    throw notOwner("flushed");
  }

  @Override
  public Set<ClientId> clients() {
    throw notOwner("clients");
  }

  @Override
  public void close() {
    throw notOwner("close");
  }

  private IllegalStateException notOwner(String method) {
    return new IllegalStateException("Hub." + method + " may only be called in the process that created the hub ("
        + address + "); this is process " + ProcessHandle.current().pid() + ". Use openChannel() here.");
  }

  @Serial
  private Object writeReplace() {
    return new HubRef(address);
  }

  @Override
  public String toString() {
    return "Hub[" + address + ", remote]";
  }
}
