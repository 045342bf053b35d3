package org.asyncparallel;

import java.io.Serializable;

/**
 * The body of a worker started by {@link Parallel#spawn(Body)}: it serves the worker's hub and
 * returns the worker's result. The worker process exits when the body returns.
 *
 * @param <A> messages from clients to the hub
 * @param <B> messages from the hub to clients
 * @param <R> the result of the body
 */
@FunctionalInterface
public interface Body<A, B, R> extends Serializable {
  /**
   * Runs in the worker process with the hub that the spawner's channel is connected to.
   *
   * @param hub the worker's hub, already listening for clients
   * @return the result, sent back to the spawner
   * @throws Exception anything; the spawner's result future then fails with {@link WorkerException}
   */
  R apply(Hub<A, B> hub) throws Exception;
}
