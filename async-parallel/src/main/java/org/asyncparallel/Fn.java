package org.asyncparallel;

import java.io.Serializable;

/**
 * The function a {@link Pool} applies to each item of a map, in a pool worker. Serialized once per
 * map in the calling process (and sent once to each worker that takes part), so everything it
 * captures must be {@link Serializable}; see the caveat about lambdas in {@link Task}.
 *
 * @param <A> the items
 * @param <B> the results, which must be serializable too
 */
@FunctionalInterface
public interface Fn<A, B> extends Serializable {
  /**
   * Computes the result for one item, in a pool worker.
   *
   * @param item one item of the map's input
   * @return its result, sent back to the caller
   * @throws Exception anything; the map then fails with {@link WorkerException} naming the item's
   *     index and carrying the remote stack trace
   */
  B apply(A item) throws Exception;
}
