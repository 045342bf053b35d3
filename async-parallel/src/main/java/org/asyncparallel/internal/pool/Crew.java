package org.asyncparallel.internal.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.ParallelException;
import org.asyncparallel.WorkerDiedException;

/**
 * The live workers of a pool and what happens when one ends: it is replaced, on its own machine
 * if a worker can be started there, else on the pool's next machine, and so on. The pool gives up
 * replacing once workers keep dying before they are ready (more than twice the pool's size plus
 * two, in a row); it is <em>broken</em> once it has no worker left and none can be started, or
 * when told (an initializer threw). Closing stops all of this.
 *
 * <pre>
 *   open ──break──▶ broken ──close──▶ closed
 *     └──────────────close──────────────┘
 * </pre>
 *
 * <p>Guarded by {@code lock}: every mutable field. {@link Events} are called without the lock, on
 * the thread that noticed (a worker's reader, or the callback executor for replacements).
 */
final class Crew {
  /** What the pool hears from its crew. */
  interface Events {
    /** A worker ended; what it had in hand must go elsewhere. */
    void lost(PoolWorker worker, String reason);

    /** A replacement worker joined. */
    void joined(PoolWorker worker);

    /** The pool is broken: every pending and later call fails with {@code error}. */
    void broken(ParallelException error);
  }

  private final WorkerFactory factory;
  private final PoolWorker.Listener listener;
  private final Events events;
  private final int slots;
  private final Object lock = new Object();
  private final List<PoolWorker> live = new ArrayList<>();
  private final List<CompletableFuture<PoolWorker>> starting = new ArrayList<>();
  private int deathsBeforeReady;
  private ParallelException broken;
  private boolean closed;

  Crew(WorkerFactory factory, PoolWorker.Listener listener, Events events, int slots) {
    this.factory = factory;
    this.listener = listener;
    this.events = events;
    this.slots = slots;
  }

  /** Takes on the first workers and starts them. */
  void begin(List<PoolWorker> first) {
    synchronized (lock) {
      live.addAll(first);
    }
    first.forEach(w -> w.start(listener));
  }

  /**
   * The least busy live worker whose load is under {@code window}, its load already counted (the
   * caller releases it when the work comes back); null if none, or if the pool is broken or closed.
   * Among equally busy workers, the first in a fixed order: work one item at a time keeps going to
   * the same worker, whose process is awake and warm, while work in parallel spreads by load.
   */
  PoolWorker reserve(int window) {
    synchronized (lock) {
      if (closed || broken != null || live.isEmpty()) {
        return null;
      }
      PoolWorker best = null;
      int bestLoad = window;
      for (int k = 0; k < live.size() && bestLoad > 0; k++) {
        PoolWorker w = live.get(k);
        int load = w.load.get();
        if (load < bestLoad) {
          best = w;
          bestLoad = load;
        }
      }
      if (best != null) {
        best.load.incrementAndGet();
      }
      return best;
    }
  }

  /** The live workers now. */
  List<PoolWorker> live() {
    synchronized (lock) {
      return List.copyOf(live);
    }
  }

  int size() {
    synchronized (lock) {
      return live.size();
    }
  }

  /** The error that broke the pool, or null. */
  ParallelException broken() {
    synchronized (lock) {
      return broken;
    }
  }

  /** Why the pool takes no more work: the error that broke it, that it was closed; or null. */
  ParallelException ending() {
    synchronized (lock) {
      return broken != null ? broken : closed ? new ParallelException("the pool was closed") : null;
    }
  }

  /** @throws IllegalStateException if the pool is closed */
  void checkOpen() {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the pool is closed");
      }
    }
  }

  /** The worker has run its initializer: deaths before that are no longer in a row. */
  void ready() {
    synchronized (lock) {
      deathsBeforeReady = 0;
    }
  }

  /** The pool is broken. */
  void breakWith(ParallelException error) {
    synchronized (lock) {
      if (closed || broken != null) {
        return;
      }
      broken = error;
    }
    events.broken(error);
  }

  /** The worker has ended: tell the pool, and replace it unless the pool is ending. */
  void ended(PoolWorker worker, String reason) {
    boolean replace = false;
    ParallelException breakWith = null;
    synchronized (lock) {
      live.remove(worker);
      if (closed || broken != null) {
        return;
      }
      if (!worker.ready()) {
        deathsBeforeReady++;
      }
      if (deathsBeforeReady <= 2 * slots + 2) {
        replace = true;
      } else if (live.isEmpty() && starting.isEmpty()) {
        breakWith = new WorkerDiedException("the pool's workers keep dying before they are ready (" + deathsBeforeReady
            + " in a row); the last, " + worker.describe() + ": " + reason);
      }
    }
    events.lost(worker, reason);
    if (replace) {
      replace(factory.machinesFrom(worker.machine), 0, new ArrayList<>());
    }
    if (breakWith != null) {
      breakWith(breakWith);
    }
  }

  /** Starts a replacement on {@code machines.get(i)}; if that fails, on the next one. */
  private void replace(List<String> machines, int i, List<String> failures) {
    CompletableFuture<PoolWorker> spawn = factory.spawn(machines.get(i));
    synchronized (lock) {
      if (closed || broken != null) {
        spawn.cancel(true);
        return;
      }
      starting.add(spawn);
    }
    spawn.whenComplete((worker, e) -> replaced(spawn, machines, i, worker, e, failures));
  }

  private void replaced(CompletableFuture<PoolWorker> spawn, List<String> machines, int i, PoolWorker worker,
      Throwable e, List<String> failures) {
    boolean wanted = false;
    boolean next = false;
    ParallelException breakWith = null;
    synchronized (lock) {
      starting.remove(spawn);
      if (e == null) {
        wanted = !closed && broken == null;
        if (wanted) {
          live.add(worker);
        }
      } else if (!closed && broken == null) {
        String machine = machines.get(i);
        failures.add((machine == null ? "this machine" : machine) + ": " + WorkerFactory.unwrap(e).getMessage());
        if (i + 1 < machines.size()) {
          next = true;
        } else if (live.isEmpty() && starting.isEmpty()) {
          breakWith = new WorkerDiedException("the pool has no worker left, and none could be started: "
              + String.join("; ", failures));
        }
      }
    }
    if (worker != null && !wanted) {
      worker.kill();
    } else if (worker != null) {
      worker.start(listener);
      events.joined(worker);
    }
    if (next) {
      replace(machines, i + 1, failures);
    }
    if (breakWith != null) {
      breakWith(breakWith);
    }
  }

  /**
   * Closes the crew: no more replacements (those starting are cancelled, which kills them).
   * Returns the workers to end, or null if it was closed already.
   */
  List<PoolWorker> close() {
    List<PoolWorker> workers;
    List<CompletableFuture<PoolWorker>> spawning;
    synchronized (lock) {
      if (closed) {
        return null;
      }
      closed = true;
      workers = new ArrayList<>(live);
      live.clear();
      spawning = new ArrayList<>(starting);
      starting.clear();
    }
    spawning.forEach(spawn -> spawn.cancel(true));
    return workers;
  }
}
