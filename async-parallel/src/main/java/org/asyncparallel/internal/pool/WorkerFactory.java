package org.asyncparallel.internal.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.asyncparallel.Body;
import org.asyncparallel.Parallel;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Spawned;
import org.asyncparallel.Where;

/**
 * Starts and ends a pool's worker processes: each is {@code Parallel.spawn} of the pool's body,
 * on a machine of the pool. Ending is: ask ({@code Stop}), wait {@value #GRACE_MILLIS} ms, kill,
 * wait again.
 */
final class WorkerFactory {
  private static final long GRACE_MILLIS = 2_000;
  private static final long KILL_WAIT_MILLIS = 10_000;

  private final String poolName;
  private final Body<byte[], byte[], String> body;
  private final List<String> machines;
  private final String localMachine;
  private final AtomicInteger numbers = new AtomicInteger();

  /**
   * @param machines the pool's machines; a {@code null} entry means this machine
   * @param localMachine this machine's name in the cluster
   */
  WorkerFactory(String poolName, Body<byte[], byte[], String> body, List<String> machines, String localMachine) {
    this.poolName = poolName;
    this.body = body;
    this.machines = machines;
    this.localMachine = localMachine;
  }

  /** The pool's machines, {@code first} first, then the others in their order. */
  List<String> machinesFrom(String first) {
    int at = Math.max(0, machines.indexOf(first));
    List<String> order = new ArrayList<>();
    for (int k = 0; k < machines.size(); k++) {
      order.add(machines.get((at + k) % machines.size()));
    }
    return order;
  }

  /**
   * Spawns a worker on {@code machine} ({@code null}: this machine). The future completes once its
   * hub listens; the worker is not started (see {@link PoolWorker#start}). Never throws: a spawn
   * that cannot even be asked for is a failed future. Cancelling the future kills the worker.
   */
  CompletableFuture<PoolWorker> spawn(String machine) {
    CompletableFuture<Spawned<byte[], byte[], String>> spawn;
    try {
      spawn = Parallel.spawn(machine == null ? Where.local() : Where.on(machine), body);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<PoolWorker> worker = spawn.thenApply(spawned -> new PoolWorker(
        poolName + "-worker-" + numbers.incrementAndGet(), machine, machine == null || machine.equals(localMachine),
        spawned));
    worker.whenComplete((w, e) -> {
      if (e instanceof CancellationException && !spawn.cancel(true)) {
        spawn.thenAccept(spawned -> spawned.result().cancel(true)); // started meanwhile: kill it
      }
    });
    return worker;
  }

  /**
   * Spawns {@code perMachine} workers on each machine, all at once, and waits for them. If one
   * fails, ends the others and throws its failure.
   */
  List<PoolWorker> spawnAll(int perMachine) {
    List<CompletableFuture<PoolWorker>> spawns = new ArrayList<>();
    for (String machine : machines) {
      for (int i = 0; i < perMachine; i++) {
        spawns.add(spawn(machine));
      }
    }
    List<PoolWorker> started = new ArrayList<>();
    RuntimeException failure = null;
    for (CompletableFuture<PoolWorker> spawn : spawns) {
      try {
        started.add(spawn.join());
      } catch (CompletionException | CancellationException e) {
        failure = failure != null ? failure : unwrap(e);
      }
    }
    if (failure != null) {
      end(started);
      throw failure;
    }
    return started;
  }

  /** The failure inside a future's exception. */
  static RuntimeException unwrap(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause instanceof RuntimeException r ? r : new ParallelException(cause.toString(), cause);
  }

  /**
   * Ends these workers: asks each to stop, waits a bounded time, kills the rest, and waits for them
   * to be gone. Keeps the interrupt flag.
   */
  static void end(List<PoolWorker> workers) {
    workers.forEach(PoolWorker::stop);
    boolean interrupted = awaitBodies(workers, GRACE_MILLIS);
    for (PoolWorker w : workers) {
      if (!w.result().isDone()) {
        w.kill();
      }
    }
    interrupted |= awaitBodies(workers, KILL_WAIT_MILLIS);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KILL_WAIT_MILLIS);
    for (PoolWorker w : workers) {
      try {
        w.awaitExit(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        interrupted = true;
        break;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until every worker's body has ended, at most {@code millis} in all; true if interrupted. */
  private static boolean awaitBodies(List<PoolWorker> workers, long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (PoolWorker w : workers) {
      try {
        w.result().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        return true;
      } catch (Exception e) {
        // ended badly, or still running at the deadline
      }
    }
    return false;
  }
}
