package org.asyncparallel;

import java.io.Serializable;

/**
 * Combines two results of {@link Pool#mapReduce}. It must be associative and commutative: results
 * are combined in whatever order they are ready, first inside each worker (the results of one
 * chunk of items) and then in the calling process (the workers' partial results).
 *
 * @param <B> the results, which must be serializable
 */
@FunctionalInterface
public interface Reducer<B> extends Serializable {
  /**
   * Combines two results into one. Runs in pool workers and in the calling process.
   *
   * @throws Exception anything; the map then fails: with {@link WorkerException} (naming an item
   *     index of the chunk) when it threw in a worker, with a {@link ParallelException} caused by it
   *     when it threw in the calling process
   */
  B combine(B left, B right) throws Exception;
}
