package org.asyncparallel.chaos;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Watches the test JVM's heap during the soak: the most used at any sample (garbage included),
 * every 250 ms, and the most used just after a full collection, forced every 20 s: the figure
 * that must stay bounded.
 */
final class HeapWatch {
  private static final long MIB = 1 << 20;
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final Thread thread = Thread.ofPlatform().daemon().name("chaos-heap").unstarted(this::watch);
  private volatile boolean running = true;
  private volatile long maxUsed;
  private volatile long maxAfterGc;

  void start() {
    thread.start();
  }

  private void watch() {
    long nextGc = System.nanoTime() + 20_000_000_000L;
    while (running) {
      maxUsed = Math.max(maxUsed, used());
      if (System.nanoTime() > nextGc) {
        maxAfterGc = Math.max(maxAfterGc, usedAfterGc());
        nextGc = System.nanoTime() + 20_000_000_000L;
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private long used() {
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Heap in use after a full collection, in bytes. */
  long usedAfterGc() {
    System.gc();
    System.gc();
    return used();
  }

  long maxUsedMib() {
    return maxUsed / MIB;
  }

  long maxAfterGcMib() {
    return maxAfterGc / MIB;
  }

  /** The heap's limit (-Xmx), in MiB. */
  long limitMib() {
    return memory.getHeapMemoryUsage().getMax() / MIB;
  }

  void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(10_000);
  }
}
