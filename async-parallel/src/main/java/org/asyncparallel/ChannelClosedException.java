package org.asyncparallel;

/**
 * The channel, hub or inbox has ended: it was closed, the other end closed or died, or the
 * connection could not be made or broke. Everything received before the end has been delivered.
 */
public class ChannelClosedException extends ParallelException {
  private static final long serialVersionUID = 1L;

  /** @param message why it ended */
  public ChannelClosedException(String message) {
    super(message);
  }

  /**
   * @param message why it ended
   * @param cause the underlying failure
   */
  public ChannelClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
