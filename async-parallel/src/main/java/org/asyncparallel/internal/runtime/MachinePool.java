package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.launch.WorkerHandle;
import org.asyncparallel.internal.net.Connected;
import org.asyncparallel.internal.wire.Message;

/**
 * The worker processes of one machine (the master's own, or a worker machine through its agent).
 * Workers are started ahead of demand and bound to jobs in the order they become ready, so a
 * {@code run} finds a JVM already started and connected (a spare) instead of waiting for one.
 * Each worker still runs exactly one job, then exits.
 *
 * <ul>
 *   <li>{@code starting}: launched, not yet connected; {@code ready}: connected, no job (spares);
 *       {@code waiting}: jobs with no worker yet.
 *   <li>After each change the pool starts enough workers for every waiting job plus
 *       {@code spares}, and retires spares beyond that. The one exception: a spare taken by a job
 *       is replaced only once that job has ended or {@value #REPLACE_AFTER_MILLIS} ms have passed,
 *       whichever comes first, so that the start of its replacement (a JVM booting takes a core
 *       for a tenth of a second) does not compete with the job for the CPU. Jobs that wait for a
 *       worker still start one at once.
 *   <li>A worker that dies before it connects counts against the first waiting job, for which
 *       another is started; the job fails, with the exit status and stderr of the last, once
 *       {@value #START_ATTEMPTS} have died while it waited (a spare that died of a passing
 *       trouble does not fail it alone). A worker that cannot be started at all (the operating
 *       system refuses the process, its pipes or its threads) fails the first waiting job at once
 *       with what was refused. After three such deaths in a row no spares are started until a job
 *       asks.
 *   <li>A spare that ends (its process died, its machine was lost) leaves the pool at once.
 *   <li>Nothing is started on a machine that is down ({@code downReason}): waiting jobs fail.
 * </ul>
 *
 * Guarded by {@code this}: the three collections, {@code queued}, {@code deathsInARow},
 * {@code closed}. Process starts run on the supervisor's launcher thread, outside the lock.
 */
final class MachinePool {
  /** How a worker process of this machine is started, in two steps. */
  interface Starter {
    /**
     * Creates the worker's process, or its handle, without letting it connect yet (so that its
     * HELLO cannot arrive before the pool knows it).
     *
     * @throws IOException if the process cannot be created (the message says why)
     */
    WorkerHandle create(long workerId) throws IOException;

    /** Lets the created worker start and connect. */
    void release(long workerId, WorkerHandle worker);
  }

  private static final int GIVE_UP_AFTER = 3;
  static final int START_ATTEMPTS = 3;
  static final long REPLACE_AFTER_MILLIS = 50;

  private record Idle(WorkerHandle worker, WorkerLink link) {}

  private final String machine;
  private final Supervisor supervisor;
  private final Starter starter;
  private final Supplier<String> downReason;
  private final AtomicLong ids;
  private final ExecutorService launches;
  private final int spares;
  private final Map<Long, WorkerHandle> starting = new HashMap<>();
  private final ArrayDeque<Idle> ready = new ArrayDeque<>();
  private final ArrayDeque<Job> waiting = new ArrayDeque<>();
  private int queued;
  private int deathsInARow;
  private boolean closed;

  /**
   * @param downReason why the machine can take no more workers (lost, shut down), or null while
   *     it can
   */
  MachinePool(String machine, Supervisor supervisor, Starter starter, Supplier<String> downReason,
      AtomicLong ids, ExecutorService launches, int spares) {
    this.machine = machine;
    this.supervisor = supervisor;
    this.starter = starter;
    this.downReason = downReason;
    this.ids = ids;
    this.launches = launches;
    this.spares = spares;
  }

  /** Why the machine can take no more workers (lost, shut down), or null while it can. */
  String downReason() {
    return downReason.get();
  }

  /** Starts the spares, if none are there yet. */
  void startSpares() {
    replenish();
  }

  /** Binds the job to a ready worker, or queues it for the next one. */
  void submit(Job job) {
    Idle idle;
    synchronized (this) {
      idle = ready.pollFirst();
      if (idle == null) {
        waiting.addLast(job);
      }
    }
    if (idle == null) {
      replenish();
      return;
    }
    supervisor.assign(job, idle.worker(), idle.link());
    var once = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable replace = () -> {
      if (once.compareAndSet(false, true)) {
        replenish();
      }
    };
    job.whenEnded(replace);
    Threads.TIMER.schedule(replace, REPLACE_AFTER_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** True if the HELLO was from one of this pool's workers (then it has been handled). */
  boolean onHello(Connected connected, Message.Hello hello) {
    WorkerHandle worker;
    synchronized (this) {
      worker = starting.remove(hello.workerId());
      if (worker == null) {
        return false;
      }
      deathsInARow = 0;
    }
    long pid = worker.pid(); // 0 while the agent of a worker machine has not reported it
    if (pid != 0 && pid != hello.pid()) {
      connected.closeQuietly();
      worker.kill();
      return true;
    }
    Idle[] self = new Idle[1];
    WorkerLink link = supervisor.connect(connected, hello.pid(), () -> idleEnded(self[0]));
    self[0] = new Idle(worker, link);
    worker.onExit().whenComplete((p, e) -> idleEnded(self[0])); // a lost machine closes no socket
    Job job;
    synchronized (this) {
      job = nextWaiting();
      if (job == null && worker.recordsArchive()) {
        ready.addFirst(self[0]); // the next job's: its exit makes the archive, with that job's classes
      } else if (job == null) {
        ready.addLast(self[0]);
      }
    }
    if (job != null) {
      supervisor.assign(job, worker, link);
    }
    retireExtraSpares();
    return true;
  }

  /** Takes the first waiting job that is not finished (finished ones are dropped); or null. */
  private Job nextWaiting() {
    Job job = firstWaiting();
    if (job != null) {
      waiting.pollFirst();
    }
    return job;
  }

  private void idleEnded(Idle idle) {
    boolean wasIdle;
    synchronized (this) {
      wasIdle = ready.remove(idle);
    }
    if (wasIdle) {
      replenish();
    }
  }

  private synchronized void replenish() {
    if (closed) {
      return;
    }
    int wanted = waiting.size() + (deathsInARow >= GIVE_UP_AFTER ? 0 : spares);
    int toStart = wanted - ready.size() - starting.size() - queued;
    queued += Math.max(0, toStart);
    // queued under the monitor: the runtime closes every pool before it shuts the launcher
    // down, so a start decided here is never rejected by a shut executor
    for (int i = 0; i < toStart; i++) {
      launches.execute(this::startOne);
    }
  }

  private void startOne() {
    long id = ids.incrementAndGet();
    synchronized (this) {
      queued--;
      if (closed) {
        return;
      }
    }
    String down = downReason.get();
    if (down != null) {
      failAllWaiting("cannot start a worker: " + down);
      return;
    }
    WorkerHandle worker;
    try {
      worker = starter.create(id);
    } catch (IOException | RuntimeException e) {
      // refused, not died: nothing was started (or what was, is already gone)
      failFirstWaiting((machine == null ? "the main process" : "machine " + machine)
          + " cannot start a worker process: " + e.getMessage());
      return;
    }
    synchronized (this) {
      starting.put(id, worker);
    }
    supervisor.track(id, worker);
    worker.onExit().whenComplete((p, e) -> diedBeforeHello(id, worker));
    starter.release(id, worker);
  }

  private void failAllWaiting(String reason) {
    Job job;
    while (true) {
      synchronized (this) {
        job = nextWaiting();
      }
      if (job == null) {
        return;
      }
      job.finish(new Message.Rejected(job.id, reason));
    }
  }

  private void diedBeforeHello(long id, WorkerHandle worker) {
    synchronized (this) {
      if (starting.remove(id) == null) {
        return; // it connected: its link reports its end
      }
      deathsInARow++;
    }
    Threads.CALLBACKS.execute(() -> {
      Job failed;
      synchronized (this) {
        failed = firstWaiting();
        if (failed != null && ++failed.startFailures < START_ATTEMPTS) {
          failed = null; // it gets another worker (replenish)
        } else if (failed != null) {
          waiting.remove(failed);
        }
      }
      if (failed != null) {
        failed.finish(new Message.Died(failed.id, worker.describeExit() + " (before it connected to the main process; "
            + START_ATTEMPTS + " workers started for this job died so)"));
      }
      replenish();
    });
  }

  /** The first waiting job that is not finished (finished ones are dropped), left in place; or null. */
  private Job firstWaiting() {
    Job job;
    while ((job = waiting.peekFirst()) != null && job.isFinished()) {
      waiting.pollFirst();
    }
    return job;
  }

  /** A worker could not be started at all: the first waiting job is rejected, saying why. */
  private void failFirstWaiting(String reason) {
    Job job;
    synchronized (this) {
      deathsInARow = Math.max(deathsInARow, 1);
      job = nextWaiting();
    }
    if (job != null) {
      job.finish(new Message.Rejected(job.id, reason));
    }
  }

  private void retireExtraSpares() {
    while (true) {
      Idle extra;
      synchronized (this) {
        if (ready.size() <= spares || !waiting.isEmpty()) {
          return;
        }
        extra = ready.pollLast();
      }
      extra.worker().closeStdin(); // it ends; its link's end finds it no longer ready
    }
  }

  /** Stops starting workers; the supervisor ends the processes. */
  synchronized void close() {
    closed = true;
    waiting.clear();
  }

  /** Pids of workers with no job (starting or spare). */
  synchronized Set<Long> idlePids() {
    Set<Long> pids = new HashSet<>();
    starting.values().forEach(w -> pids.add(w.pid()));
    ready.forEach(i -> pids.add(i.worker().pid()));
    return pids;
  }
}
