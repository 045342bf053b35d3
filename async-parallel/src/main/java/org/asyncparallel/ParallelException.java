package org.asyncparallel;

/**
 * The root of every exception of this library. Unchecked. A plain {@code ParallelException} means
 * the request could not be carried out at all (for example: the task is not serializable, a
 * worker process could not be started); its subclasses name the other failures.
 */
public class ParallelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message what went wrong, with the evidence */
  public ParallelException(String message) {
    super(message);
  }

  /**
   * @param message what went wrong, with the evidence
   * @param cause the underlying failure
   */
  public ParallelException(String message, Throwable cause) {
    super(message, cause);
  }
}
