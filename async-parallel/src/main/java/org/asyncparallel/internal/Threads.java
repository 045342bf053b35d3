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
  /** Completes futures and runs their callbacks: one virtual thread per completion. */
  public static final ExecutorService CALLBACKS = Executors.newThreadPerTaskExecutor(
      Thread.ofVirtual().name("asyncparallel-callback-", 0).factory());

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

  /** Starts a virtual thread for work off the latency path (handshakes of accepted sockets). */
  public static Thread startVirtual(String role, Runnable body) {
    return Thread.ofVirtual().name("asyncparallel-" + role).start(body);
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
