package org.asyncparallel.internal.pool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Reducer;

/**
 * Where a map's results go, chunk by chunk, on the map's driver thread: a list in input order
 * ({@code map}), a running combination ({@code mapReduce}), or an inbox ({@code mapUnordered}).
 */
interface ResultSink {
  /**
   * The results of chunk {@code seq}, which holds the items from {@code start}: an
   * {@code Object[]} of them, or for a reduce the chunk's combined result.
   *
   * @throws Exception if the reducer throws
   */
  void accept(long seq, long start, Object results) throws Exception;

  /** Chunks delivered but not yet taken by the consumer; they count as in flight. */
  default int held() {
    return 0;
  }

  /** Every result has been accepted. */
  default void finish() {}

  /** The map failed (or was cancelled). */
  default void fail(ParallelException failure) {}

  /** {@code map}: the results in input order. */
  final class Ordered implements ResultSink {
    private final List<Object[]> chunks = new ArrayList<>();
    private long count;

    @Override
    public void accept(long seq, long start, Object results) {
      while (chunks.size() <= seq) {
        chunks.add(null);
      }
      Object[] values = (Object[]) results;
      chunks.set((int) seq, values);
      count += values.length;
    }

    @SuppressWarnings("unchecked")
    <B> List<B> list() {
      if (count > Integer.MAX_VALUE - 16) {
        throw new ParallelException(count + " results do not fit in one List");
      }
      List<Object> all = new ArrayList<>((int) count);
      for (Object[] chunk : chunks) {
        all.addAll(Arrays.asList(chunk));
      }
      return (List<B>) all;
    }
  }

  /** {@code mapReduce}: the combination of every chunk's combined result. */
  final class Reduced<B> implements ResultSink {
    private final Reducer<B> reducer;
    private B value;
    private boolean any;

    Reduced(Reducer<B> reducer) {
      this.reducer = reducer;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void accept(long seq, long start, Object results) throws Exception {
      B partial = (B) results;
      value = any ? reducer.combine(value, partial) : partial;
      any = true;
    }

    boolean any() {
      return any;
    }

    B value() {
      return value;
    }
  }
}
