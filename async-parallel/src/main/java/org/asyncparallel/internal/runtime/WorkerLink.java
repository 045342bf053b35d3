package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.launch.WorkerHandle;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.ProtocolException;

/**
 * The root's end of one worker's control link: its own job's replies and its nested requests. A
 * local worker may connect before it has a job (a spare); {@link #job} is set when one is bound.
 */
final class WorkerLink implements Connection.Handler {
  private static final Duration EXIT_AFTER_DISCONNECT = Duration.ofSeconds(5);

  final Connection connection;
  private final Supervisor supervisor;
  private final Runnable onIdleEnd;
  private final Map<Long, JobGateway.JobHandle> requests = new ConcurrentHashMap<>();
  volatile Job job;

  /**
   * @param onIdleEnd called if the link ends while no job is bound (a spare died)
   */
  WorkerLink(Connection connection, Supervisor supervisor, Runnable onIdleEnd) {
    this.connection = connection;
    this.supervisor = supervisor;
    this.onIdleEnd = onIdleEnd;
  }

  @Override
  public void onMessage(Message message) throws IOException {
    Job current = job;
    switch (message) {
      case Message.HubReady m when current != null -> current.requester.onReply(m);
      case Message.Result m when current != null -> current.finish(m);
      case Message.Failure m when current != null -> current.finish(m);
      case Message.Request m -> {
        long requestId = m.requestId();
        requests.put(requestId, supervisor.submit(m.machine(), m.kind(), m.task(), reply -> relay(requestId, reply)));
      }
      case Message.Cancel m -> {
        JobGateway.JobHandle handle = requests.remove(m.requestId());
        if (handle != null) {
          handle.cancel();
        }
      }
      default -> throw new ProtocolException("a worker may not send " + message.getClass().getSimpleName()
          + (current == null ? " before it has a job" : ""));
    }
  }

  private void relay(long requestId, Message reply) {
    if (!(reply instanceof Message.HubReady)) {
      requests.remove(requestId);
    }
    connection.send(Replies.withId(reply, requestId));
  }

  @Override
  public void onClosed(String reason) {
    Job current = job;
    if (current == null) {
      onIdleEnd.run();
      return;
    }
    if (current.isFinished()) {
      return;
    }
    WorkerHandle worker = current.worker;
    worker.onExit()
        .orTimeout(EXIT_AFTER_DISCONNECT.toMillis(), TimeUnit.MILLISECONDS)
        .whenCompleteAsync((p, e) -> {
          if (e instanceof TimeoutException) {
            worker.kill();
            current.finish(new Message.Died(current.id, "worker pid " + worker.pid() + " on machine "
                + current.machine + " lost its connection to the main process (" + reason + ") and was killed"));
          } else {
            current.finish(new Message.Died(current.id, worker.describeExit()));
          }
        }, Threads.CALLBACKS);
  }
}
