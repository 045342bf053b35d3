package org.asyncparallel.internal.runtime;

import java.util.concurrent.atomic.AtomicBoolean;
import org.asyncparallel.internal.launch.WorkerHandle;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.Message;

/**
 * One job in the root: one worker process, from launch to its one final reply. The first final
 * reply wins ({@link #finish}); later ones (a death after a result, a cancel) are dropped.
 */
final class Job implements JobGateway.JobHandle {
  final long id;
  final JobKind kind;
  final String machine;
  final JobGateway.Requester requester;
  private final Supervisor supervisor;
  private final AtomicBoolean finished = new AtomicBoolean();
  private final java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();
  private volatile byte[] task;
  volatile WorkerHandle worker;
  volatile Connection connection;
  volatile boolean cancelled;
  /** Workers started for it that died before they connected (its machine's pool's, under its lock). */
  int startFailures;

  Job(long id, JobKind kind, String machine, byte[] task, JobGateway.Requester requester, Supervisor supervisor) {
    this.id = id;
    this.kind = kind;
    this.machine = machine;
    this.task = task;
    this.requester = requester;
    this.supervisor = supervisor;
  }

  /** The task's bytes, handed out once (to the ASSIGN message), then dropped. */
  byte[] takeTask() {
    byte[] t = task;
    task = null;
    return t;
  }

  boolean isFinished() {
    return finished.get();
  }

  /** Delivers the final reply, once. True if this call was the one. */
  boolean finish(Message reply) {
    if (!finished.compareAndSet(false, true)) {
      return false;
    }
    supervisor.forget(this);
    requester.onReply(reply);
    ended.complete(null);
    return true;
  }

  /** Runs {@code action} once the job has its final reply or is cancelled (at once if it has). */
  void whenEnded(Runnable action) {
    ended.thenRun(action);
  }

  @Override
  public void cancel() {
    cancelled = true;
    if (finished.compareAndSet(false, true)) {
      supervisor.forget(this);
      ended.complete(null);
    }
    WorkerHandle w = worker;
    if (w != null) {
      w.kill();
    }
  }

  @Override
  public String toString() {
    WorkerHandle w = worker;
    return "job " + id + " (" + kind + (w == null ? "" : ", pid " + w.pid()) + ")";
  }
}
