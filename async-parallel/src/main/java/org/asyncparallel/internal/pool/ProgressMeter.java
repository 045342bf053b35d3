package org.asyncparallel.internal.pool;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncparallel.Progress;

/**
 * The progress of a pool's maps: one {@link Entry} per running map, counted by its driver; read by
 * any thread ({@code Pool.progress()}).
 */
final class ProgressMeter {
  /** One map's counts. Written by its driver thread only. */
  static final class Entry {
    private final long startNanos = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private volatile long total = -1;

    void add(long items) {
      done.addAndGet(items);
    }

    void total(long items) {
      total = items;
    }

    long startNanos() {
      return startNanos;
    }

    Progress now() {
      long d = done.get();
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      return new Progress(d, total, seconds > 0 ? d / seconds : 0);
    }
  }

  private final Set<Entry> running = ConcurrentHashMap.newKeySet();
  private volatile Progress last = Progress.NONE;

  Entry begin() {
    var entry = new Entry();
    running.add(entry);
    return entry;
  }

  void end(Entry entry) {
    last = entry.now();
    running.remove(entry);
  }

  /** The running maps added together, or the last map's final figures when none runs. */
  Progress now() {
    if (running.isEmpty()) {
      return last;
    }
    long done = 0;
    long total = 0;
    long earliest = Long.MAX_VALUE;
    for (Entry e : running) {
      Progress p = e.now();
      done += p.done();
      total = total < 0 || p.total() < 0 ? -1 : total + p.total();
      earliest = Math.min(earliest, e.startNanos);
    }
    if (earliest == Long.MAX_VALUE) {
      return last; // they all ended meanwhile
    }
    double seconds = (System.nanoTime() - earliest) / 1e9;
    return new Progress(done, total, seconds > 0 ? done / seconds : 0);
  }
}
