package org.asyncparallel.internal.pool;

import org.asyncparallel.ParallelException;
import org.asyncparallel.WorkerException;
import org.asyncparallel.internal.HandedFuture;
import org.asyncparallel.internal.codec.Codec;

/**
 * The future of a {@code Pool.submit}. The worker's answer reaches it on the thread that reads the
 * worker's connection (the I/O thread, or the waiting caller itself), which must not run user code
 * there: it is handed over and settled (decoded, completed) by the waiting caller or on the
 * callback executor (see {@link HandedFuture}).
 */
final class CallFuture extends HandedFuture<Object> {
  /** The worker answered. Any thread; never runs user code. */
  void answered(Reply reply) {
    hand(reply);
  }

  @Override
  protected void settle(Object rawAnswer) {
    if (rawAnswer instanceof Reply.CallDone done) {
      Object value;
      try {
        value = Codec.decode(done.value(), "the task's result");
      } catch (ParallelException e) {
        completeExceptionally(e);
        return;
      }
      complete(value);
    } else if (rawAnswer instanceof Reply.CallFailed failed) {
      completeExceptionally(new WorkerException(failed.error().className(), failed.error().describe()));
    }
  }
}
