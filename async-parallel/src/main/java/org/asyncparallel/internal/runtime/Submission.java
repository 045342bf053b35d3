package org.asyncparallel.internal.runtime;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Spawned;
import org.asyncparallel.WorkerDiedException;
import org.asyncparallel.WorkerException;
import org.asyncparallel.internal.HandedFuture;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.codec.Codec;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.Message;

/**
 * The caller's side of one {@code run} or {@code spawn}: its futures, completed from the replies.
 * The result is a {@link HandedFuture}: its bytes are deserialized, and the future completed, by
 * the caller waiting in {@code get}/{@code join} (woken by the I/O thread directly), or else on
 * the callback executor; failures complete on the callback executor. Cancelling a future cancels
 * the job, which kills its worker.
 *
 * <p>Replies may arrive on different threads, so the decisions are taken under this object's
 * monitor, in arrival order; only the completions are handed to the callback executor.
 */
final class Submission implements JobGateway.Requester {
  private final HandedFuture<Object> result = new HandedFuture<>() {
    @Override
    protected void settle(Object rawAnswer) {
      try {
        complete(Codec.decode((byte[]) rawAnswer, "the worker's result"));
      } catch (ParallelException e) {
        completeExceptionally(e);
      }
    }
  };
  private final CompletableFuture<Spawned<Object, Object, Object>> spawned;
  private JobGateway.JobHandle handle; // guarded by this
  private boolean cancelled;           // guarded by this
  private boolean hubReady;            // guarded by this

  Submission(JobKind kind) {
    this.spawned = kind == JobKind.SPAWN ? new CompletableFuture<>() : null;
    result.whenComplete((v, e) -> {
      if (e instanceof CancellationException) {
        cancelJob();
      }
    });
    if (spawned != null) {
      spawned.whenComplete((v, e) -> {
        if (e instanceof CancellationException) {
          cancelJob();
        }
      });
    }
  }

  CompletableFuture<Object> result() {
    return result;
  }

  CompletableFuture<Spawned<Object, Object, Object>> spawned() {
    return spawned;
  }

  synchronized void attach(JobGateway.JobHandle jobHandle) {
    this.handle = jobHandle;
    if (cancelled) {
      jobHandle.cancel();
    }
  }

  private void cancelJob() {
    JobGateway.JobHandle h;
    synchronized (this) {
      cancelled = true;
      h = handle;
    }
    if (h != null) {
      h.cancel();
    }
  }

  @Override
  public synchronized void onReply(Message reply) {
    // instanceof, not a pattern switch: see MessageCodec.encode (runs in every worker that runs)
    if (reply instanceof Message.HubReady ready) {
      hubReady = true;
      var channel = new RealChannel<Object, Object>(ready.address());
      Threads.CALLBACKS.execute(() -> spawned.complete(new Spawned<>(channel, result)));
    } else if (reply instanceof Message.Result r) {
      result.hand(r.value());
    } else if (reply instanceof Message.Failure f) {
      fail(new WorkerException(f.error().className(),
          "the worker's " + (spawned == null ? "task" : "body") + " threw " + f.error().stackTrace().stripTrailing()));
    } else if (reply instanceof Message.Died d) {
      fail(new WorkerDiedException(d.reason()));
    } else if (reply instanceof Message.Rejected r) {
      fail(new ParallelException(r.reason()));
    } else {
      fail(new ParallelException("unexpected reply " + reply.getClass().getSimpleName()));
    }
  }

  private void fail(ParallelException failure) {
    boolean failSpawn = spawned != null && !hubReady;
    Threads.CALLBACKS.execute(() -> {
      if (failSpawn) {
        spawned.completeExceptionally(failure);
      }
      result.completeExceptionally(failure);
    });
  }
}
