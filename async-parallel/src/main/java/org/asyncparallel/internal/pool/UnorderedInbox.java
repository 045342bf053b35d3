package org.asyncparallel.internal.pool;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.Inbox;
import org.asyncparallel.Indexed;
import org.asyncparallel.ParallelException;

/**
 * The inbox of {@code mapUnordered}: the map's driver adds whole chunks of results; consumers take
 * them one by one. A chunk counts as held (in flight, for the map's bound) until its last result
 * has been taken; then the driver is woken to send more.
 *
 * <p>Guarded by {@code lock}: every field but the callbacks. No user code runs under it.
 */
final class UnorderedInbox<B> implements Inbox<Indexed<B>>, ResultSink {
  /** A chunk's results, taken from {@code next}. */
  private static final class Block {
    final long start;
    final Object[] values;
    int next;

    Block(long start, Object[] values) {
      this.start = start;
      this.values = values;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition ready = lock.newCondition();
  private final ArrayDeque<Block> blocks = new ArrayDeque<>();
  private Runnable onConsumed = () -> { };
  private Runnable onClose = () -> { };
  private Block current;
  private boolean finished;
  private boolean closed;
  private ParallelException failure;

  /** Callbacks to the map: a chunk was taken to its end; the consumer closed the inbox. */
  void connect(Runnable consumed, Runnable closedByConsumer) {
    this.onConsumed = consumed;
    this.onClose = closedByConsumer;
  }

  @Override
  public void accept(long seq, long start, Object results) {
    Object[] values = (Object[]) results;
    lock.lock();
    try {
      if (!closed && values.length > 0) {
        blocks.addLast(new Block(start, values));
        ready.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int held() {
    lock.lock();
    try {
      return blocks.size() + (current != null ? 1 : 0);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void finish() {
    lock.lock();
    try {
      finished = true;
      ready.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void fail(ParallelException e) {
    lock.lock();
    try {
      if (failure == null) {
        failure = e;
      }
      ready.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Indexed<B> take() throws InterruptedException {
    return next(-1);
  }

  @Override
  public Optional<Indexed<B>> poll(Duration timeout) throws InterruptedException {
    return Optional.ofNullable(next(Math.max(0, timeout.toNanos())));
  }

  /** The next result, waiting at most {@code nanos} (forever if negative); null on timeout. */
  @SuppressWarnings("unchecked")
  private Indexed<B> next(long nanos) throws InterruptedException {
    Indexed<B> item;
    boolean consumedBlock = false;
    lock.lockInterruptibly();
    try {
      while (true) {
        if (closed) {
          throw new ChannelClosedException("the inbox of the map was closed");
        }
        if (current == null) {
          current = blocks.pollFirst();
        }
        if (current != null) {
          int i = current.next++;
          item = new Indexed<>(current.start + i, (B) current.values[i]);
          current.values[i] = null;
          if (current.next == current.values.length) {
            current = null;
            consumedBlock = true;
          }
          break;
        }
        if (failure != null) {
          throw Failures.again(failure);
        }
        if (finished) {
          throw new ChannelClosedException("every result of the map has been delivered");
        }
        if (nanos < 0) {
          ready.await();
        } else if (nanos == 0) {
          return null;
        } else {
          nanos = ready.awaitNanos(nanos);
        }
      }
    } finally {
      lock.unlock();
    }
    if (consumedBlock) {
      onConsumed.run();
    }
    return item;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      blocks.clear();
      current = null;
      ready.signalAll();
    } finally {
      lock.unlock();
    }
    onClose.run();
  }

  @Override
  public Iterator<Indexed<B>> iterator() {
    return new Iterator<>() {
      private Indexed<B> next;

      @Override
      public boolean hasNext() {
        if (next != null) {
          return true;
        }
        try {
          next = take();
          return true;
        } catch (ChannelClosedException e) {
          return false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ParallelException("interrupted while waiting for the next result", e);
        }
      }

      @Override
      public Indexed<B> next() {
        if (!hasNext()) {
          throw new NoSuchElementException("every result of the map has been delivered");
        }
        Indexed<B> item = next;
        next = null;
        return item;
      }
    };
  }

  @Override
  public Stream<Indexed<B>> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED), false);
  }

  @Override
  public String toString() {
    return "Inbox[mapUnordered, " + held() + " chunks held]";
  }
}
