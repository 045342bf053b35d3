package org.asyncparallel.internal.runtime;

import java.util.concurrent.CompletableFuture;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.Message;

/**
 * Where a process sends its {@code run}/{@code spawn} requests: in the root, the
 * {@link Supervisor} itself; in a worker, the {@link ControlClient} that forwards them to the root.
 */
interface JobGateway {
  /** Receives the replies about one job: HubReady, then one of Result, Failure, Died, Rejected. */
  interface Requester {
    /** Must not block or run user code: it is called on I/O threads. */
    void onReply(Message reply);
  }

  /** Cancels a job: kills its worker. Idempotent. */
  interface JobHandle {
    void cancel();
  }

  /** Starts a job; replies go to {@code requester}. Never blocks on a process start. */
  JobHandle submit(String machine, JobKind kind, byte[] task, Requester requester);

  /** Ends every job this gateway knows of (the root: every worker process). */
  CompletableFuture<Void> shutdown();
}
