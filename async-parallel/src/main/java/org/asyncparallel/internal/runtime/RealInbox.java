package org.asyncparallel.internal.runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.Inbox;
import org.asyncparallel.ParallelException;

/**
 * The {@link Inbox} behind hubs and channels. Producers (reader threads) {@link #offer} raw
 * items, which are decoded by {@code decode} on the thread that takes them, so a reader thread
 * never runs user code.
 *
 * <p>Two ways to end: {@link #finish} (the producer's end: items already queued are still
 * delivered, then takes throw {@link ChannelClosedException} with the reason) and {@link #close}
 * (the consumer's: queued items are dropped and takes throw at once).
 *
 * <p>Guarded by {@code lock}: {@code items}, {@code endReason}. No I/O or user code under it.
 *
 * @param <R> raw items
 * @param <T> decoded items
 */
public final class RealInbox<R, T> implements Inbox<T> {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final ArrayDeque<R> items = new ArrayDeque<>();
  private final Function<R, T> decode;
  private String endReason;
  private volatile boolean idle = true; // empty and not ended: a taker would wait; written under lock
  private volatile DirectReader reader; // set when a taker reads the source's socket itself
  private volatile Thread directTaker; // the taker reading the source now, if any

  public RealInbox(Function<R, T> decode) {
    this.decode = decode;
  }

  /** Adds an item; false (and the item dropped) once the inbox has ended. */
  public boolean offer(R item) {
    lock.lock();
    try {
      if (endReason != null) {
        return false;
      }
      items.addLast(item);
      idle = false;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    wakeDirectTaker();
    return true;
  }

  /**
   * Adds items in order, under one lock (the messages of one read); false (and the items dropped)
   * once the inbox has ended.
   */
  public boolean offerAll(java.util.Collection<? extends R> batch) {
    lock.lock();
    try {
      if (endReason != null) {
        return false;
      }
      items.addAll(batch);
      idle = false;
      if (batch.size() == 1) {
        notEmpty.signal();
      } else {
        notEmpty.signalAll();
      }
    } finally {
      lock.unlock();
    }
    wakeDirectTaker();
    return true;
  }

  /** Puts an item back at the head (a read whose future was cancelled after it took the item). */
  void pushBack(R item) {
    lock.lock();
    try {
      items.addFirst(item);
      idle = false;
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
    wakeDirectTaker();
  }

  /** Drops the queued items that match. */
  void removeIf(Predicate<R> filter) {
    lock.lock();
    try {
      items.removeIf(filter);
      idle = items.isEmpty() && endReason == null;
    } finally {
      lock.unlock();
    }
  }

  /** The producer's end: what is queued is still delivered, then takes fail with {@code reason}. */
  public void finish(String reason) {
    lock.lock();
    try {
      if (endReason == null) {
        endReason = reason;
      }
      idle = false;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
    wakeDirectTaker();
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (endReason == null) {
        endReason = "closed";
      }
      items.clear();
      idle = false;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
    wakeDirectTaker();
  }

  /**
   * The items' source, read by a taker itself while it waits (a channel's socket): see
   * {@code Connection.readWhile}.
   */
  interface DirectReader {
    /**
     * Reads the source on the calling thread while {@code waiting} holds, until the deadline
     * ({@code System.nanoTime()}); false if it could not (then the source's own thread delivers).
     */
    boolean readWhile(BooleanSupplier waiting, long deadlineNanos) throws InterruptedException;

    /** Makes a taker waiting in {@link #readWhile} look at its condition again now. */
    void wakeUp();
  }

  /** An item or the end came from elsewhere than the taker reading the source: let it see. */
  private void wakeDirectTaker() {
    Thread taker = directTaker;
    DirectReader source = reader;
    if (taker != null && source != null && taker != Thread.currentThread()) {
      source.wakeUp();
    }
  }

  /** From now on, a taker that finds the inbox empty reads the source itself. */
  void readDirectlyFrom(DirectReader reader) {
    this.reader = reader;
  }

  /** Takes the next raw item, without decoding it. */
  R takeRaw() throws InterruptedException {
    R item = pollRaw(Long.MAX_VALUE);
    return item;
  }

  /** The next raw item within {@code nanos} (at most), or null on timeout. */
  R pollRaw(long nanos) throws InterruptedException {
    long deadline = nanos >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE : System.nanoTime() + nanos;
    while (true) {
      DirectReader source;
      lock.lockInterruptibly();
      try {
        if (!items.isEmpty()) {
          R item = items.pollFirst();
          if (items.isEmpty() && endReason == null) {
            idle = true; // only when it changes: a volatile write per take would be a fence per message
          }
          return item;
        }
        if (endReason != null) {
          throw new ChannelClosedException(endReason);
        }
        long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        source = reader;
        if (source == null) {
          if (left == Long.MAX_VALUE) {
            notEmpty.await();
          } else {
            notEmpty.awaitNanos(left);
          }
          continue;
        }
      } finally {
        lock.unlock();
      }
      // read the source here, without the lock (its frames come back through offer)
      boolean read;
      directTaker = Thread.currentThread();
      try {
        read = source.readWhile(this::isIdle, deadline);
      } finally {
        directTaker = null;
      }
      if (!read) {
        lock.lockInterruptibly();
        try { // the source's own thread delivers for now (not yet registered, or paused, or shared)
          if (items.isEmpty() && endReason == null) {
            notEmpty.awaitNanos(Math.min(TimeUnit.MILLISECONDS.toNanos(50),
                deadline == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, deadline - System.nanoTime())));
          }
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /** True while a taker would wait: nothing queued and not ended (read without the lock). */
  boolean isIdle() {
    return idle;
  }

  @Override
  public T take() throws InterruptedException {
    return decode.apply(takeRaw());
  }

  @Override
  public Optional<T> poll(Duration timeout) throws InterruptedException {
    R raw = pollRaw(timeout.toNanos());
    return raw == null ? Optional.empty() : Optional.of(decode.apply(raw));
  }

  /** Decodes a raw item taken by {@link #takeRaw}. */
  T decode(R raw) {
    return decode.apply(raw);
  }

  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      private T next;
      private boolean ready;

      @Override
      public boolean hasNext() {
        if (ready) {
          return true;
        }
        try {
          next = take();
          ready = true;
          return true;
        } catch (ChannelClosedException e) {
          return false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new ParallelException("interrupted while waiting for the next item", e);
        }
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException("the inbox has ended");
        }
        T item = next;
        next = null;
        ready = false;
        return item;
      }
    };
  }

  @Override
  public Stream<T> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED), false);
  }
}
