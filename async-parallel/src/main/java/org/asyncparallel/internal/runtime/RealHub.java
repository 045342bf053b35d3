package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.io.ObjectStreamException;
import java.io.Serial;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.asyncparallel.Channel;
import org.asyncparallel.ClientId;
import org.asyncparallel.Hub;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Inbox;
import org.asyncparallel.internal.net.Connected;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.wire.HubAddress;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.ProtocolException;

/**
 * A hub in the process that created it. Each client is one {@link Connection}; its reader thread
 * queues raw events, which the listener's thread decodes when it takes them.
 *
 * <p>Guarded by {@code this}: {@code mode}, and the enqueueing of Connect/Disconnect events (so
 * that {@link #listenSimple()} can drop them atomically). {@code clients} is a concurrent map.
 */
final class RealHub<A, B> implements Hub<A, B> {
  @Serial
  private static final long serialVersionUID = 1L;
  private static final int NOT_LISTENING = 0;
  private static final int LISTEN = 1;
  private static final int LISTEN_SIMPLE = 2;

  /** A client's message, not yet deserialized; {@code from} is told when it is consumed (backpressure). */
  private record RawData(ClientId client, Message.Data data, Connection from) {}

  private final transient HubHost host;
  private final HubAddress address;
  private final transient Map<ClientId, Connection> clients = new ConcurrentHashMap<>();
  private final transient AtomicLong nextClient = new AtomicLong();
  private final transient RealInbox<Object, HubEvent<A>> events = new RealInbox<>(this::decode);
  private transient int mode = NOT_LISTENING;
  private transient volatile boolean closed;

  RealHub(HubHost host, HubAddress address) {
    this.host = host;
    this.address = address;
    events.readDirectlyFrom(new SoleClientReader());
  }

  /**
   * While the hub has exactly one client (a spawned worker talking to its parent, a pool worker),
   * a taker waiting for its next event reads that client's socket itself; with more, the I/O
   * thread reads them all.
   */
  private final class SoleClientReader implements RealInbox.DirectReader {
    private volatile Connection reading;

    @Override
    public boolean readWhile(BooleanSupplier waiting, long deadlineNanos) throws InterruptedException {
      Connection only = soleClient();
      if (only == null) {
        return false;
      }
      reading = only;
      try {
        boolean read = only.readWhile(waiting, deadlineNanos);
        if (soleClient() != only) {
          only.undirect(); // a client came or went meanwhile
        }
        return read;
      } finally {
        reading = null;
      }
    }

    @Override
    public void wakeUp() {
      Connection c = reading;
      if (c != null) {
        c.wakeDirect();
      }
    }
  }

  private Connection soleClient() {
    if (clients.size() != 1) {
      return null;
    }
    var all = clients.values().iterator();
    return all.hasNext() ? all.next() : null;
  }

  HubAddress address() {
    return address;
  }

  @Override
  public synchronized Inbox<HubEvent<A>> listen() {
    startListening(LISTEN);
    return events;
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized Inbox<HubEvent.Data<A>> listenSimple() {
    startListening(LISTEN_SIMPLE);
    events.removeIf(e -> !(e instanceof RawData));
    return (Inbox<HubEvent.Data<A>>) (Inbox<?>) events;
  }

  private void startListening(int newMode) {
    if (mode != NOT_LISTENING) {
      throw new IllegalStateException("listen or listenSimple may be called only once per hub ("
          + address + ")");
    }
    mode = newMode;
  }

  @Override
  public void send(ClientId client, B message) {
    Message.Data data = Payloads.encode(message, "the message to " + client, host.settings().maxFrameBytes());
    Connection connection = clients.get(client);
    if (connection != null) {
      connection.write(data);
    }
  }

  @Override
  public void sendToAll(B message) {
    var data = Payloads.encode(message, "the message to all clients", host.settings().maxFrameBytes());
    for (Connection connection : clients.values()) {
      connection.write(data);
    }
  }

  @Override
  public CompletableFuture<Void> flushed() {
    return CompletableFuture.allOf(clients.values().stream()
        .map(c -> c.flushed().exceptionally(e -> null))
        .toArray(CompletableFuture[]::new));
  }

  @Override
  public Set<ClientId> clients() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(clients.keySet()));
  }

  @Override
  public Channel<A, B> openChannel() {
    return new RealChannel<>(address);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    host.unregister(address.hubId());
    for (ClientId client : List.copyOf(clients.keySet())) {
      Connection connection = clients.remove(client);
      if (connection != null) {
        enqueueMembership(new HubEvent.Disconnect<>(client, "the hub was closed"));
        connection.closeGracefully();
      }
    }
    events.finish("the hub was closed");
  }

  /** A channel asked to attach: it becomes a client, unless the hub is closed. */
  void attach(Connected connected) {
    var client = new ClientId(nextClient.incrementAndGet());
    var connection = Connection.over("hub" + address.hubId() + "-" + client, connected,
        host.settings().dataBuffering());
    connection.send(new Message.Attached(client.value()));
    clients.put(client, connection);
    if (clients.size() > 1) {
      clients.values().forEach(Connection::undirect); // one taker cannot wait on two sockets
    }
    enqueueMembership(new HubEvent.Connect<>(client));
    connection.start(new Connection.Handler() {
      /** The messages of the current read: queued together at its end (one lock, not one each). */
      private final ArrayList<Object> read = new ArrayList<>();

      @Override
      public void onMessage(Message message) throws IOException {
        if (!(message instanceof Message.Data data)) {
          throw new ProtocolException("a client may only send DATA, not " + message.getClass().getSimpleName());
        }
        read.add(new RawData(client, data, connection));
      }

      @Override
      public void onReadEnd(boolean keep) {
        if (!read.isEmpty()) {
          if (keep) {
            events.offerAll(read);
          }
          read.clear();
        }
      }

      @Override
      public void onClosed(String reason) {
        if (clients.remove(client) != null) {
          enqueueMembership(new HubEvent.Disconnect<>(client, reason));
        }
      }
    });
    if (closed && clients.remove(client) != null) {
      connection.closeGracefully();
    }
  }

  private synchronized void enqueueMembership(HubEvent<A> event) {
    if (mode != LISTEN_SIMPLE) {
      events.offer(event);
    }
  }

  @SuppressWarnings("unchecked")
  private HubEvent<A> decode(Object raw) {
    if (raw instanceof RawData data) {
      data.from().consumed(data.data().payload().length); // it may read on (backpressure)
      return new HubEvent.Data<>(data.client(),
          (A) Payloads.decodeFrom(data.data(), data.client()));
    }
    return (HubEvent<A>) raw;
  }

  @Serial
  private Object writeReplace() throws ObjectStreamException {
    return new HubRef(address);
  }

  @Override
  public String toString() {
    return "Hub[" + address + "]";
  }
}
