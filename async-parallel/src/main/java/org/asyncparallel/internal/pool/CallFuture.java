package org.asyncparallel.internal.pool;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.asyncparallel.ParallelException;
import org.asyncparallel.WorkerException;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.codec.Codec;

/**
 * The future of a {@code Pool.submit}. The worker's answer reaches it on a worker's reader thread,
 * which must not run user code (callbacks, deserialization). So the reader only hands the answer
 * over ({@link #answered}); the future is <em>settled</em> (the answer decoded, the future
 * completed, its callbacks run) by a thread waiting in {@code get} or {@code join}, which the
 * reader wakes directly, or, with none waiting, on the callback executor. A caller that waits for
 * its answer is thus woken by the reader itself, one hand-off sooner, and decodes it on its own
 * thread.
 *
 * <p>Guarded by {@code monitor}: {@code answer}, {@code waiting}. A waiter that leaves early
 * (timeout, interrupt) with the answer already here hands the settling to the callback executor;
 * every completion wakes the waiters.
 */
final class CallFuture extends CompletableFuture<Object> {
  private final Object monitor = new Object();
  private final AtomicBoolean settling = new AtomicBoolean();
  private Reply answer;
  private int waiting;

  /** The worker answered. Any thread; never runs user code. */
  void answered(Reply reply) {
    boolean waited;
    synchronized (monitor) {
      answer = reply;
      waited = waiting > 0;
      monitor.notifyAll();
    }
    if (!waited) {
      Threads.CALLBACKS.execute(this::settle);
    }
  }

  /** Decodes the answer and completes this future, once: the first caller does. */
  private void settle() {
    Reply reply;
    synchronized (monitor) {
      reply = answer;
    }
    if (reply == null || !settling.compareAndSet(false, true)) {
      return;
    }
    if (reply instanceof Reply.CallDone done) {
      Object value;
      try {
        value = Codec.decode(done.value(), "the task's result");
      } catch (ParallelException e) {
        completeExceptionally(e);
        return;
      }
      complete(value);
    } else if (reply instanceof Reply.CallFailed failed) {
      completeExceptionally(new WorkerException(failed.error().className(), failed.error().describe()));
    }
  }

  /**
   * Waits until the answer is here or the future is done, at most {@code nanos} (forever if
   * negative), then settles it.
   */
  private void await(long nanos, boolean interruptible) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + nanos;
    boolean interrupted = false;
    boolean arrived = false;
    synchronized (monitor) {
      waiting++;
      try {
        while (answer == null && !isDone()) {
          if (nanos < 0) {
            try {
              monitor.wait();
            } catch (InterruptedException e) {
              if (interruptible) {
                throw e;
              }
              interrupted = true;
            }
          } else {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
              throw new TimeoutException();
            }
            TimeUnit.NANOSECONDS.timedWait(monitor, left);
          }
        }
        arrived = true;
      } finally {
        waiting--;
        if (!arrived && answer != null) {
          Threads.CALLBACKS.execute(this::settle); // leaving early: the answer must not be left unsettled
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    settle();
  }

  @Override
  public Object get() throws InterruptedException, ExecutionException {
    try {
      await(-1, true);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no deadline, no timeout", e);
    }
    return super.get();
  }

  @Override
  public Object get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    await(Math.max(0, unit.toNanos(timeout)), true);
    return super.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  @Override
  public Object join() {
    try {
      await(-1, false);
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("join waits uninterruptibly, without a deadline", e);
    }
    return super.join();
  }

  @Override
  public boolean complete(Object value) {
    boolean done = super.complete(value);
    wake();
    return done;
  }

  @Override
  public boolean completeExceptionally(Throwable failure) {
    boolean done = super.completeExceptionally(failure);
    wake();
    return done;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean done = super.cancel(mayInterruptIfRunning);
    wake();
    return done;
  }

  private void wake() {
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }
}
