package org.asyncparallel.chaos;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One operation of the workload, as the ledger and the injector see it: its kind, the machines
 * its workers run on, and whether the injector closed its channel. Made and ended by one workload
 * thread; the injector and the watchdog read it from theirs.
 */
final class Op {
  private static final AtomicLong IDS = new AtomicLong();

  private final long id = IDS.incrementAndGet();
  private final String kind;
  private final Thread thread = Thread.currentThread();
  private final long startNanos = System.nanoTime();
  private final Set<String> machines = ConcurrentHashMap.newKeySet();
  private final StringBuffer context = new StringBuffer();
  private volatile boolean closedByInjector;
  private volatile boolean done;
  private volatile String hangStack;

  Op(String kind) {
    this.kind = kind;
  }

  String kind() {
    return kind;
  }

  /** Notes that a worker of this operation runs on {@code machine}. */
  void involve(String machine) {
    machines.add(machine);
  }

  Set<String> machines() {
    return machines;
  }

  /**
   * Notes what is known of the operation's peers ("pid N on HOST", the end of a server it talked
   * to): a failure is explained if this names a worker the injector killed.
   */
  void addContext(String text) {
    context.append(text).append('\n');
  }

  String context() {
    return context.toString();
  }

  /** The watchdog found the operation past its bound: here is its thread's stack. */
  void hung(String stack) {
    hangStack = stack;
  }

  /** The stack of its thread when the watchdog found it hung, or null. */
  String hangStack() {
    return hangStack;
  }

  void markClosedByInjector() {
    closedByInjector = true;
  }

  boolean closedByInjector() {
    return closedByInjector;
  }

  /** The workload thread running it (the watchdog interrupts it when it hangs). */
  Thread thread() {
    return thread;
  }

  long startNanos() {
    return startNanos;
  }

  double ageSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  void end() {
    done = true;
  }

  boolean isDone() {
    return done;
  }

  @Override
  public String toString() {
    return kind + "#" + id + " " + machines + (closedByInjector ? " (channel closed by the injector)" : "")
        + String.format(" after %.1f s", ageSeconds());
  }
}
