package org.asyncparallel.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.asyncparallel.internal.net.Connection;

/**
 * A future whose answer arrives on a thread that must not run user code (the I/O thread, a pool's
 * reader): that thread only <em>hands</em> the raw answer over ({@link #hand}); the future is
 * <em>settled</em> ({@link #settle}: the answer decoded, the future completed, its callbacks run)
 * by a thread waiting in {@code get} or {@code join}, which the handing thread wakes directly, or,
 * with none waiting, on the callback executor. A caller that waits for its answer is thus woken
 * by the thread that received it, one hand-off sooner, and decodes it on its own thread.
 *
 * <p>Once the connection its answer will come on is known ({@link #arrivesOn}), a waiting caller
 * reads that connection itself while it waits ({@link Connection#borrowRead}): the answer then
 * reaches it with no thread in between, as a blocking socket read would.
 *
 * <p>Guarded by {@code monitor}: {@code answer}, {@code waiting}. A waiter that leaves early
 * (timeout, interrupt) with the answer already here hands the settling to the callback executor;
 * every completion wakes the waiters.
 *
 * @param <T> the value type
 */
public abstract class HandedFuture<T> extends CompletableFuture<T> {
  private final Object monitor = new Object();
  private final AtomicBoolean settling = new AtomicBoolean();
  private volatile Object answer; // written under monitor; read without it by a borrowing reader
  private int waiting;
  private volatile Connection source; // where the answer will come from, once known
  private volatile Thread reader; // a waiting caller reading the source itself

  /**
   * Turns the raw answer into this future's outcome: calls {@link #complete} or
   * {@link #completeExceptionally}. Runs once, on a waiting caller's thread or the callback
   * executor; may run user code (deserialization).
   */
  protected abstract void settle(Object rawAnswer);

  /**
   * The answer will arrive on this connection (null: not known, or no longer): a caller waiting
   * for it reads the connection itself. A caller already waiting is told at once.
   */
  public final void arrivesOn(Connection connection) {
    source = connection;
    wake();
  }

  /** The raw answer has arrived. Any thread; never runs user code. */
  public final void hand(Object rawAnswer) {
    boolean waited;
    synchronized (monitor) {
      answer = rawAnswer;
      waited = waiting > 0;
      monitor.notifyAll();
    }
    wakeReader();
    if (!waited) {
      Threads.CALLBACKS.execute(this::settleOnce);
    }
  }

  /** A caller reading the source for this answer looks again (unless this is that caller). */
  private void wakeReader() {
    Thread r = reader;
    Connection c = source;
    if (r != null && r != Thread.currentThread() && c != null) {
      c.wakeDirect();
    }
  }

  private void settleOnce() {
    Object raw;
    synchronized (monitor) {
      raw = answer;
    }
    if (raw == null || !settling.compareAndSet(false, true)) {
      return;
    }
    settle(raw);
  }

  /**
   * Waits until the answer is here or the future is done, at most {@code nanos} (forever if
   * negative), then settles it. While the source is known, it reads the source itself (once per
   * source: if that is not possible now, it waits to be handed the answer).
   */
  private void await(long nanos, boolean interruptible) throws InterruptedException, TimeoutException {
    long deadline = nanos < 0 ? Long.MAX_VALUE : System.nanoTime() + nanos;
    boolean interrupted = false;
    boolean arrived = false;
    Connection tried = null;
    synchronized (monitor) {
      waiting++;
    }
    try {
      while (true) {
        Connection c = source;
        if (answer != null || isDone()) {
          arrived = true;
          break;
        }
        if (c != null && c != tried) {
          tried = c;
          reader = Thread.currentThread();
          try {
            c.borrowRead(() -> answer == null && !isDone(), deadline);
          } catch (InterruptedException e) {
            if (interruptible) {
              throw e;
            }
            interrupted = true;
          } finally {
            reader = null;
          }
          continue;
        }
        synchronized (monitor) {
          if (answer != null || isDone() || source != c) {
            continue;
          }
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
      }
    } finally {
      synchronized (monitor) {
        waiting--;
        if (!arrived && answer != null) {
          Threads.CALLBACKS.execute(this::settleOnce); // leaving early: the answer must not be left unsettled
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    settleOnce();
  }

  @Override
  public T get() throws InterruptedException, ExecutionException {
    try {
      await(-1, true);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no deadline, no timeout", e);
    }
    return super.get();
  }

  @Override
  public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    await(Math.max(0, unit.toNanos(timeout)), true);
    return super.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  @Override
  public T join() {
    try {
      await(-1, false);
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("join waits uninterruptibly, without a deadline", e);
    }
    return super.join();
  }

  @Override
  public boolean complete(T value) {
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
    wakeReader();
  }
}
