package org.asyncparallel.internal.pool;

import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.ParallelException;
import org.asyncparallel.WorkerDiedException;
import org.asyncparallel.WorkerException;

/** Exceptions that are thrown again on another thread. */
final class Failures {
  private Failures() {}

  /**
   * A new exception of the same type and message, with {@code e} (and its stack) as its cause:
   * for a failure made on one thread (a broken pool) that is thrown on many.
   */
  static ParallelException again(ParallelException e) {
    ParallelException copy = switch (e) {
      case WorkerException w -> new WorkerException(w.remoteClassName(), w.getMessage());
      case WorkerDiedException d -> new WorkerDiedException(d.getMessage());
      case ChannelClosedException c -> new ChannelClosedException(c.getMessage());
      default -> new ParallelException(e.getMessage());
    };
    copy.initCause(e);
    return copy;
  }
}
