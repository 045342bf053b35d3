package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.launch.Bootstrap;
import org.asyncparallel.internal.launch.LocalLauncher;
import org.asyncparallel.internal.launch.WorkerProcess;
import org.asyncparallel.internal.net.Connected;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.Message;

/**
 * The worker processes of the master machine. Workers are started ahead of demand and bound to
 * jobs in the order they become ready, so a {@code run} finds a JVM already started and connected
 * (a spare) instead of waiting for one. Each worker still runs exactly one job, then exits.
 *
 * <ul>
 *   <li>{@code starting}: launched, not yet connected; {@code ready}: connected, no job (spares);
 *       {@code waiting}: jobs with no worker yet.
 *   <li>After each change the pool starts enough workers for every waiting job plus
 *       {@code spares}, and retires spares beyond that.
 *   <li>A worker that dies before it connects fails the first waiting job with its exit status
 *       and stderr ({@code Died}); a worker that cannot be started at all (the operating system
 *       refuses the process, its pipes or its threads) fails it with what was refused
 *       ({@code Rejected}). After three deaths in a row no spares are started until a job asks.
 * </ul>
 *
 * Guarded by {@code this}: the three collections, {@code queued}, {@code deathsInARow},
 * {@code closed}. Process starts run on the supervisor's launcher thread, outside the lock.
 */
final class LocalPool {
  private static final int GIVE_UP_AFTER = 3;

  private record Idle(WorkerProcess worker, WorkerLink link) {}

  private final Supervisor supervisor;
  private final LocalLauncher launcher;
  private final RuntimeSettings settings;
  private final Endpoint root;
  private final AtomicLong ids;
  private final ExecutorService launches;
  private final int spares;
  private final Map<Long, WorkerProcess> starting = new HashMap<>();
  private final ArrayDeque<Idle> ready = new ArrayDeque<>();
  private final ArrayDeque<Job> waiting = new ArrayDeque<>();
  private int queued;
  private int deathsInARow;
  private boolean closed;

  LocalPool(Supervisor supervisor, LocalLauncher launcher, RuntimeSettings settings, Endpoint root,
      AtomicLong ids, ExecutorService launches, int spares) {
    this.supervisor = supervisor;
    this.launcher = launcher;
    this.settings = settings;
    this.root = root;
    this.ids = ids;
    this.launches = launches;
    this.spares = spares;
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
    if (idle != null) {
      supervisor.assign(job, idle.worker(), idle.link());
    }
    replenish();
  }

  /** True if the HELLO was from one of this pool's workers (then it has been handled). */
  boolean onHello(Connected connected, Message.Hello hello) {
    WorkerProcess worker;
    synchronized (this) {
      worker = starting.remove(hello.workerId());
      if (worker == null) {
        return false;
      }
      deathsInARow = 0;
    }
    if (worker.pid() != hello.pid()) {
      connected.closeQuietly();
      worker.kill();
      return true;
    }
    Idle[] self = new Idle[1];
    WorkerLink link = supervisor.connect(connected, worker.pid(), () -> idleEnded(self[0]));
    self[0] = new Idle(worker, link);
    Job job;
    synchronized (this) {
      job = nextWaiting();
      if (job == null) {
        ready.addLast(self[0]);
      }
    }
    if (job != null) {
      supervisor.assign(job, worker, link);
    }
    retireExtraSpares();
    return true;
  }

  private Job nextWaiting() {
    Job job;
    while ((job = waiting.pollFirst()) != null) {
      if (!job.isFinished()) {
        return job;
      }
    }
    return null;
  }

  private void idleEnded(Idle idle) {
    synchronized (this) {
      ready.remove(idle);
    }
    replenish();
  }

  private void replenish() {
    int toStart;
    synchronized (this) {
      if (closed) {
        return;
      }
      int wanted = waiting.size() + (deathsInARow >= GIVE_UP_AFTER ? 0 : spares);
      toStart = wanted - ready.size() - starting.size() - queued;
      if (toStart <= 0) {
        return;
      }
      queued += toStart;
    }
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
    WorkerProcess worker;
    try {
      worker = launcher.start(id);
    } catch (IOException | RuntimeException e) {
      // refused, not died: nothing was started (or what was, is already gone)
      failFirstWaiting(jobId -> new Message.Rejected(jobId, "the main process cannot start a worker process: "
          + e.getMessage()));
      return;
    }
    synchronized (this) {
      starting.put(id, worker);
    }
    supervisor.track(id, worker);
    worker.onExit().whenComplete((p, e) -> diedBeforeHello(id, worker));
    worker.sendBootstrap(new Bootstrap(settings, id, root));
  }

  private void diedBeforeHello(long id, WorkerProcess worker) {
    synchronized (this) {
      if (starting.remove(id) == null) {
        return; // it connected: its link reports its end
      }
      deathsInARow++;
    }
    Threads.CALLBACKS.execute(() -> {
      String reason = worker.describeExit() + " (before it connected to the main process)";
      failFirstWaiting(jobId -> new Message.Died(jobId, reason));
      replenish();
    });
  }

  /** A worker could not be had: the first waiting job gets {@code reply} (made for its id). */
  private void failFirstWaiting(LongFunction<Message> reply) {
    Job job;
    synchronized (this) {
      deathsInARow = Math.max(deathsInARow, 1);
      job = nextWaiting();
    }
    if (job != null) {
      job.finish(reply.apply(job.id));
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
