package org.asyncparallel;

import java.io.Serializable;

/**
 * A computation that {@link Parallel#run(Task)} runs in a brand-new worker process.
 *
 * <p>A task is serialized in the calling process and deserialized in the worker, so everything
 * it captures must be {@link Serializable} too. Beware of lambdas written inside instance
 * methods: if they use a field or method of {@code this}, they capture {@code this}. A task that
 * cannot be serialized fails {@code run} with a {@link ParallelException} naming the class that
 * is not serializable, before any process starts.
 *
 * @param <T> the type of the result, which must be serializable as well
 */
@FunctionalInterface
public interface Task<T> extends Serializable {
  /**
   * Computes the result, in the worker process.
   *
   * @return the result, sent back to the caller
   * @throws Exception anything; the caller's future then fails with {@link WorkerException}
   */
  T call() throws Exception;
}
