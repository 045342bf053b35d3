package org.asyncparallel.internal.runtime;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.Message;

/**
 * A worker's job service: it forwards {@code run}/{@code spawn} requests to the root over the
 * worker's control connection and routes the root's replies back to their {@link Submission}s.
 */
final class ControlClient implements JobGateway {
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Requester> pending = new ConcurrentHashMap<>();
  private volatile Connection connection;

  void connectTo(Connection control) {
    this.connection = control;
  }

  @Override
  public JobHandle submit(String machine, JobKind kind, byte[] task, Requester requester) {
    long id = ids.incrementAndGet();
    pending.put(id, requester);
    if (!connection.send(new Message.Request(id, machine, kind, task))) {
      reply(new Message.Rejected(id, "the connection to the main process has ended"));
    }
    return () -> {
      if (pending.remove(id) != null) {
        connection.send(new Message.Cancel(id));
      }
    };
  }

  /** A reply from the root, on the control connection's reader thread. */
  void reply(Message reply) {
    long id; // instanceof, not a pattern switch: see MessageCodec.encode
    if (reply instanceof Message.HubReady m) {
      id = m.id();
    } else if (reply instanceof Message.Result m) {
      id = m.id();
    } else if (reply instanceof Message.Failure m) {
      id = m.id();
    } else if (reply instanceof Message.Died m) {
      id = m.id();
    } else if (reply instanceof Message.Rejected m) {
      id = m.id();
    } else {
      throw new IllegalArgumentException("not a reply: " + reply);
    }
    Requester requester = reply instanceof Message.HubReady ? pending.get(id) : pending.remove(id);
    if (requester != null) {
      requester.onReply(reply);
    }
  }

  /** The root is gone: every pending request fails. */
  void lost(String reason) {
    for (Long id : List.copyOf(pending.keySet())) {
      reply(new Message.Died(id, "lost the connection to the main process: " + reason));
    }
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    for (Long id : List.copyOf(pending.keySet())) {
      Requester requester = pending.remove(id);
      if (requester != null) {
        connection.send(new Message.Cancel(id));
        requester.onReply(new Message.Died(id, "this process's runtime was shut down"));
      }
    }
    return CompletableFuture.completedFuture(null);
  }
}
