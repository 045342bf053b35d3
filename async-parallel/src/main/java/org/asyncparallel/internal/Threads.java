package org.asyncparallel.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The one place that makes threads. Every thread of the library is a daemon named
 * {@code asyncparallel-<role>} (see {@code docs/CONCURRENCY.md}).
 */
public final class Threads {
  /**
   * Completes futures and runs their callbacks: a cached pool of daemon platform threads (idle
   * ones end after 30 s). Platform, not virtual, threads: a worker JVM then never starts the
   * virtual-thread scheduler and its pollers, and a completion wakes its thread directly.
   */
  public static final ExecutorService CALLBACKS = new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE,
      30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
      Thread.ofPlatform().daemon().name("asyncparallel-callback-", 0).stackSize(512 * 1024).factory());

  /** Timeouts (handshakes, grace periods). Its tasks only close sockets or kill processes. */
  public static final ScheduledExecutorService TIMER = timer();

  private Threads() {}

  /** Starts a daemon platform thread for blocking I/O, with a small stack. */
  public static Thread startPlatform(String role, Runnable body) {
    Thread thread = Thread.ofPlatform().daemon().name("asyncparallel-" + role)
        .stackSize(256 * 1024).unstarted(body);
    thread.start();
    return thread;
  }

  /** Runs a short task off the caller's thread (handshakes of accepted sockets), on the pool. */
  public static void runSoon(Runnable body) {
    CALLBACKS.execute(body);
  }

  private static ScheduledExecutorService timer() {
    var timer = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "asyncparallel-timer");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }
}
