package org.asyncparallel.internal.pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.ParallelException;
import org.asyncparallel.WorkerDiedException;
import org.asyncparallel.internal.Threads;

/**
 * The pool's {@code submit} calls: each waits until a worker is live, goes to the least busy one,
 * and is sent again if that worker ends before answering (at most {@link MapRun#MAX_ATTEMPTS}
 * workers). The first answer settles the future; a later one is dropped. A future is settled by
 * the thread waiting for it or on the callback executor, never on the I/O thread (see
 * {@link CallFuture}).
 *
 * <p>Guarded by {@code lock}: every mutable field, and the mutable fields of each
 * {@link PendingCall}. The crew's lock may be taken inside it (to pick a worker), never the
 * reverse: the crew calls in only without its lock.
 */
final class Calls {
  private final Crew crew;
  private final Object lock = new Object();
  private final Map<Long, PendingCall> pending = new HashMap<>();
  private final ArrayDeque<PendingCall> waiting = new ArrayDeque<>();
  private ParallelException ended;

  Calls(Crew crew) {
    this.crew = crew;
  }

  /** A new call of this task (Codec bytes); it is sent at once if a worker is live. */
  CompletableFuture<Object> submit(long id, byte[] task) {
    var call = new PendingCall(id, task);
    synchronized (lock) {
      if (ended != null) {
        return CompletableFuture.failedFuture(Failures.again(ended));
      }
      pending.put(id, call);
      waiting.addLast(call);
    }
    dispatch();
    return call.future;
  }

  /** Sends the waiting calls to the least busy live workers. */
  void dispatch() {
    List<PendingCall> send = new ArrayList<>();
    List<PoolWorker> to = new ArrayList<>();
    synchronized (lock) {
      while (!waiting.isEmpty()) {
        PoolWorker worker = crew.reserve(Integer.MAX_VALUE);
        if (worker == null) {
          break;
        }
        PendingCall call = waiting.pollFirst();
        call.worker = worker;
        call.attempts++;
        send.add(call);
        to.add(worker);
      }
    }
    for (int i = 0; i < send.size(); i++) {
      PendingCall call = send.get(i);
      call.future.arrivesOn(to.get(i).connection()); // a caller waiting for it reads the worker's replies itself
      try {
        to.get(i).send(new Request.Call(call.id, call.task));
      } catch (ParallelException e) { // too large for one message
        synchronized (lock) {
          if (pending.remove(call.id) == null) {
            continue;
          }
          call.worker = null;
        }
        to.get(i).load.decrementAndGet();
        call.future.completeExceptionally(e);
      }
    }
  }

  /**
   * A worker answered call {@code id}. Returns the worker whose load it frees, or null if the call
   * was answered already (or failed meanwhile).
   */
  PoolWorker answered(long id, Reply reply) {
    PendingCall call;
    PoolWorker worker;
    synchronized (lock) {
      call = pending.remove(id);
      if (call == null) {
        return null;
      }
      worker = call.worker;
      call.worker = null;
    }
    if (worker != null) {
      worker.load.decrementAndGet();
    }
    call.future.answered(reply);
    return worker;
  }

  /** The worker ended: its calls wait for another worker, or fail after too many attempts. */
  void lost(PoolWorker worker, String reason) {
    List<PendingCall> failed = new ArrayList<>();
    synchronized (lock) {
      List<PendingCall> again = new ArrayList<>();
      for (PendingCall call : pending.values()) {
        if (call.worker == worker) {
          call.worker = null;
          (call.attempts >= MapRun.MAX_ATTEMPTS ? failed : again).add(call);
        }
      }
      failed.forEach(call -> pending.remove(call.id));
      again.sort((a, b) -> Long.compare(b.id, a.id));
      again.forEach(waiting::addFirst);
    }
    dispatch();
    if (!failed.isEmpty()) {
      Threads.CALLBACKS.execute(() -> {
        String why = worker.awaitDeathReason(MapRun.DEATH_REASON_MILLIS, reason); // its exit status, if it comes
        for (PendingCall call : failed) {
          call.future.completeExceptionally(new WorkerDiedException("the task was lost: " + call.attempts
              + " pool workers died running it; the last, " + worker.describe() + ": " + why));
        }
      });
    }
  }

  /** Fails every pending call, and every later one, with {@code error}. */
  void end(ParallelException error) {
    List<PendingCall> failed;
    synchronized (lock) {
      if (ended != null) {
        return;
      }
      ended = error;
      failed = new ArrayList<>(pending.values());
      pending.clear();
      waiting.clear();
    }
    for (PendingCall call : failed) {
      Threads.CALLBACKS.execute(() -> call.future.completeExceptionally(Failures.again(error)));
    }
  }
}
