package org.asyncparallel;

/**
 * The task or body threw in the worker. The remote exception object itself does not travel (its
 * class may not even exist here); {@link #getMessage()} holds its class, message and full remote
 * stack trace, causes included.
 */
public class WorkerException extends ParallelException {
  private static final long serialVersionUID = 1L;
  private final String remoteClassName;

  /**
   * @param remoteClassName the class of the exception thrown in the worker
   * @param message the text: class, message and remote stack trace
   */
  public WorkerException(String remoteClassName, String message) {
    super(message);
    this.remoteClassName = remoteClassName;
  }

  /** The fully qualified class name of the exception thrown in the worker. */
  public String remoteClassName() {
    return remoteClassName;
  }
}
