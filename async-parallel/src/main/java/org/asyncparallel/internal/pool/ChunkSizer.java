package org.asyncparallel.internal.pool;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many items the next chunk of a map gets. A fixed size if the pool was configured with one.
 * Otherwise the size aims at {@link #TARGET_NANOS} of a worker's time per chunk, from the time the
 * workers report per chunk, and at most {@link #TARGET_BYTES} serialized (items or results),
 * {@link #MAX_ITEMS}, and each worker's share of an input of known length. Until a first chunk has
 * come back it is one item, unless a map with the same function class ran before in this process:
 * what that one measured is remembered.
 *
 * <p>Python's {@code Pool.map}, which cannot measure, cuts a quarter of each worker's share. Here
 * the time target bounds what a chunk can cost (and so how unevenly the workers finish), so cheap
 * items travel in few large chunks (every chunk costs a few hand-offs between threads and
 * processes), and dear ones in many small chunks.
 *
 * <p>Used by one map's driver thread; the memory of costs is shared (concurrent map).
 */
final class ChunkSizer {
  static final long TARGET_NANOS = 5_000_000;
  static final long TARGET_BYTES = 1 << 20;
  static final int MAX_ITEMS = 1 << 20;
  private static final int MEMORY_LIMIT = 1024;

  /** What one item of a function costs: worker nanoseconds, serialized bytes (the larger way). */
  private record Cost(double nanos, double bytes) {}

  private static final Map<Class<?>, Cost> MEMORY = new ConcurrentHashMap<>();

  private final int fixed;
  private final int cap;
  private final Class<?> function;
  private double nanosPerItem = Double.NaN;
  private double bytesPerItem = Double.NaN;

  /**
   * @param fixed the configured size, or 0 for automatic
   * @param knownItems the input's length, or -1 if unknown
   * @param workers the pool's workers
   * @param function the function's class, to remember its cost by
   */
  ChunkSizer(int fixed, long knownItems, int workers, Class<?> function) {
    this.fixed = fixed;
    this.function = function;
    long share = knownItems < 0 ? MAX_ITEMS : (knownItems + workers - 1) / workers;
    this.cap = (int) Math.max(1, Math.min(MAX_ITEMS, share));
    Cost known = MEMORY.get(function);
    if (known != null) {
      nanosPerItem = known.nanos();
      bytesPerItem = known.bytes();
    }
  }

  /** The size of the next chunk, at least 1. */
  int next() {
    if (fixed > 0) {
      return fixed;
    }
    if (Double.isNaN(nanosPerItem)) {
      return 1;
    }
    double ideal = TARGET_NANOS / Math.max(1, nanosPerItem);
    if (!Double.isNaN(bytesPerItem)) {
      ideal = Math.min(ideal, TARGET_BYTES / Math.max(1, bytesPerItem));
    }
    return (int) Math.max(1, Math.min(cap, ideal));
  }

  /**
   * A chunk of {@code items} took a worker {@code nanos} to compute. A cheaper chunk is believed at
   * once (the first items of a map are the dearest: classes load, code is interpreted until
   * compiled); a dearer one by halves.
   */
  void observeTime(int items, long nanos) {
    double per = (double) Math.max(0, nanos) / Math.max(1, items);
    nanosPerItem = Double.isNaN(nanosPerItem) || per < nanosPerItem ? per : (nanosPerItem + per) / 2;
    remember();
  }

  /** A chunk of {@code items} was {@code bytes} serialized (its items, or its results). */
  void observeBytes(int items, int bytes) {
    double per = (double) bytes / Math.max(1, items);
    bytesPerItem = Double.isNaN(bytesPerItem) ? per : Math.max(per, (bytesPerItem + per) / 2);
  }

  private void remember() {
    if (MEMORY.size() >= MEMORY_LIMIT) {
      MEMORY.clear();
    }
    MEMORY.put(function, new Cost(nanosPerItem, Double.isNaN(bytesPerItem) ? Double.NaN : bytesPerItem));
  }
}
