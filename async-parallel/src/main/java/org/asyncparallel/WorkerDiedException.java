package org.asyncparallel;

/**
 * The worker process ended, or was lost, before it produced a result: it exited (also by
 * {@code System.exit} or {@code halt}), was killed, ran out of memory, lost its connection, or the
 * runtime shut down. The message says which, with the exit status or signal and the last lines of
 * the worker's standard error when they are known.
 */
public class WorkerDiedException extends ParallelException {
  private static final long serialVersionUID = 1L;

  /** @param message what happened to the worker, with the evidence */
  public WorkerDiedException(String message) {
    super(message);
  }
}
