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
      30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), callbackThreads());

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

  /**
   * The callback pool's threads. Not {@code Thread.ofPlatform().name(prefix, 0).factory()}: its
   * first thread cost a new JVM 7-8 ms (the factory counts through a VarHandle, linked on first
   * use), and a worker's first callback thread is on the way of its hub's first client.
   */
  private static java.util.concurrent.ThreadFactory callbackThreads() {
    var count = new java.util.concurrent.atomic.AtomicLong();
    return body -> {
      Thread thread = new Thread(null, body, "asyncparallel-callback-".concat(Long.toString(count.getAndIncrement())),
          512 * 1024);
      thread.setDaemon(true);
      return thread;
    };
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
