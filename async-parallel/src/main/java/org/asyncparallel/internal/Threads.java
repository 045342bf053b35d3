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
      namedThreads("asyncparallel-callback-"));

  /**
   * At most this many sockets are connected and authenticated at once on each side (client
   * opens, server handshakes); more wait their turn in order. A burst of a thousand new channels
   * then costs a few dozen threads, not one each.
   */
  static final int HANDSHAKE_THREADS = 32;

  /**
   * Opens lazily connected channels (connect, authenticate, attach): bounded, queued in order.
   * Separate from {@link #ACCEPTS}: a process that opens channels to its own hub must never wait
   * for a server handshake queued behind its own client opens.
   */
  private static final ExecutorService OPENS = bounded("asyncparallel-open-", HANDSHAKE_THREADS);

  /** Authenticates accepted sockets: bounded, queued in order (each has its own deadline). */
  private static final ExecutorService ACCEPTS = bounded("asyncparallel-handshake-", HANDSHAKE_THREADS);

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

  /** Connects, authenticates and attaches a client socket, on a bounded pool of its own. */
  public static void open(Runnable body) {
    OPENS.execute(body);
  }

  /** Authenticates an accepted socket, on a bounded pool of its own. */
  public static void authenticate(Runnable body) {
    ACCEPTS.execute(body);
  }

  private static ExecutorService bounded(String prefix, int threads) {
    var pool = new java.util.concurrent.ThreadPoolExecutor(threads, threads, 30, java.util.concurrent.TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(), namedThreads(prefix));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Daemon threads named {@code prefix} and a count, for the pools. Not
   * {@code Thread.ofPlatform().name(prefix, 0).factory()}: its first thread cost a new JVM 7-8 ms
   * (the factory counts through a VarHandle, linked on first use), and a worker's first callback
   * thread is on the way of its hub's first client.
   */
  private static java.util.concurrent.ThreadFactory namedThreads(String prefix) {
    var count = new java.util.concurrent.atomic.AtomicLong();
    return body -> {
      Thread thread = new Thread(null, body, prefix.concat(Long.toString(count.getAndIncrement())),
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
