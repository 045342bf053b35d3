package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.asyncparallel.ParallelException;
import org.asyncparallel.internal.net.Connected;
import org.asyncparallel.internal.net.Listener;
import org.asyncparallel.internal.net.SocketTrouble;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.Frame;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.MessageCodec;

/**
 * This process's listener and the hubs it serves. The listener starts with the first hub (in the
 * root: at {@code init}, for the workers' control links). It hands {@code ATTACH} to the named
 * hub and {@code HELLO} to the supervisor (root only; elsewhere the socket is dropped).
 */
final class HubHost {
  /**
   * How long a new connection may take to authenticate and say what it wants. Generous: on a
   * machine starting a hundred JVMs at once, a legitimate worker can be starved for seconds.
   */
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

  private final RuntimeSettings settings;
  private final BiConsumer<Connected, Message.Hello> onHello;
  private final Map<Long, RealHub<?, ?>> hubs = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private Listener unix;      // guarded by this
  private Listener tcp;       // guarded by this; only in a runtime that spans machines
  private Endpoint endpoint;  // guarded by this

  HubHost(RuntimeSettings settings, BiConsumer<Connected, Message.Hello> onHello) {
    this.settings = settings;
    this.onHello = onHello;
  }

  RuntimeSettings settings() {
    return settings;
  }

  /**
   * The listeners' endpoint, starting them if needed (again, after a failure).
   *
   * @throws ParallelException naming the machine, the socket and the system's reason, if the system
   *     refuses a listener (nothing is left listening then)
   */
  synchronized Endpoint endpoint() {
    if (endpoint == null) {
      var path = settings.socketOf(ProcessHandle.current().pid());
      String machine = "machine '" + settings.localMachine() + "'";
      try {
        unix = Listener.openUnix(path, settings.secret(), settings.maxFrameBytes(), HANDSHAKE_TIMEOUT, this::accept);
      } catch (IOException e) {
        close();
        throw new ParallelException(machine + " cannot listen on the Unix socket " + path + ": " + e, e);
      }
      if (settings.spansMachines()) {
        try {
          tcp = Listener.openTcp(settings.secret(), settings.maxFrameBytes(), HANDSHAKE_TIMEOUT, this::accept);
        } catch (IOException e) {
          close();
          throw new ParallelException(machine + " cannot listen on TCP (any free port, every interface) for the"
              + " processes of other machines: " + SocketTrouble.describe(e), e);
        }
      }
      endpoint = new Endpoint(settings.localMachine(), path.toString(), settings.advertisedHost(),
          tcp == null ? 0 : tcp.port());
    }
    return endpoint;
  }

  <A, B> RealHub<A, B> newHub() {
    long id = ids.incrementAndGet();
    var hub = new RealHub<A, B>(this, new org.asyncparallel.internal.wire.HubAddress(endpoint(), id));
    hubs.put(id, hub);
    return hub;
  }

  RealHub<?, ?> find(long hubId) {
    return hubs.get(hubId);
  }

  void unregister(long hubId) {
    hubs.remove(hubId);
  }

  /** Closes every hub (writing out what they sent) and stops listening. */
  void close() {
    List.copyOf(hubs.values()).forEach(RealHub::close);
    synchronized (this) {
      if (unix != null) {
        unix.close();
      }
      if (tcp != null) {
        tcp.close();
      }
    }
  }

  /** For each hub, a future of its sends so far being written out. */
  List<java.util.concurrent.CompletableFuture<Void>> flushes() {
    return hubs.values().stream().map(RealHub::flushed).toList();
  }

  private void accept(Connected connected, Message first) {
    // if/else, not a pattern switch: a switch's first run spins a class (about 1 ms of a new JVM),
    // and this one runs on the way of a spawned worker's first message
    if (first instanceof Message.Attach attach) {
      RealHub<?, ?> hub = hubs.get(attach.hubId());
      if (hub == null) {
        refuse(connected, "no hub " + attach.hubId() + " in process " + ProcessHandle.current().pid()
            + " (it was closed, or its process has ended)");
      } else {
        hub.attach(connected);
      }
    } else if (first instanceof Message.Hello hello && onHello != null) {
      onHello.accept(connected, hello);
    } else {
      connected.closeQuietly();
    }
  }

  private static void refuse(Connected connected, String reason) {
    try {
      Frame frame = MessageCodec.encode(new Message.Refused(reason));
      connected.writer().write(frame.type(), frame.body());
      connected.writer().flush();
    } catch (IOException ignored) {
      // the client learns it from the closed socket
    }
    connected.closeQuietly();
  }
}
