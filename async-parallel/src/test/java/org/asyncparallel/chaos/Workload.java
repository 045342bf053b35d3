package org.asyncparallel.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The workload: {@code threads} threads that each draw and run one operation after another
 * ({@link Operations}) until {@link #close()}, which lets each finish the operation it is in.
 */
final class Workload {
  /**
   * Interrupts an operation still running {@value #OP_BOUND_SECONDS} s after it started, noting
   * its thread's stack: it catches a blocking read that never returns (futures have their own,
   * shorter, bound).
   */
  static final class Watchdog implements AutoCloseable {
    static final long OP_BOUND_SECONDS = 240;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().daemon().name("chaos-watchdog").unstarted(r));

    void watch(Op op) {
      timer.schedule(() -> {
        if (!op.isDone()) {
          op.hung(Arrays.stream(op.thread().getStackTrace()).map(e -> "    at " + e)
              .collect(Collectors.joining("\n")));
          op.thread().interrupt();
        }
      }, OP_BOUND_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }

  private final Ledger ledger;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  Workload(Ledger ledger, Operations operations, int threadCount, long seed) {
    this.ledger = ledger;
    for (int i = 0; i < threadCount; i++) {
      Random random = new Random(seed + i);
      threads.add(Thread.ofPlatform().daemon().name("chaos-workload-" + i).unstarted(() -> {
        while (running) {
          operations.runOne(random);
        }
      }));
    }
  }

  void start() {
    threads.forEach(Thread::start);
  }

  /** Stops drawing operations; waits for those under way to end (each is bounded). */
  void close() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(Watchdog.OP_BOUND_SECONDS + 30));
      if (thread.isAlive()) {
        ledger.violation("HANG: workload thread " + thread.getName() + " did not end: "
            + Arrays.toString(thread.getStackTrace()));
      }
    }
  }
}
