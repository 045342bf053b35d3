package org.asyncparallel;

import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A closable, blocking queue of incoming items (OCaml {@code Pipe.Reader.t}). Iteration and
 * {@link #stream()} end normally once the inbox is closed and drained, so
 * {@code for (var m : hub.listenSimple())} loops until the hub closes.
 *
 * <p>Items are decoded on the thread that takes them: a message that cannot be deserialized here
 * (for example, its class is missing) makes that call throw a {@link ParallelException}; the
 * inbox goes on with the next item.
 *
 * <p>Any thread may take; each item goes to exactly one taker. Closing wakes every waiting taker.
 *
 * @param <T> the items
 */
public interface Inbox<T> extends Iterable<T>, AutoCloseable {
  /**
   * Waits for the next item.
   *
   * @throws ChannelClosedException once the inbox is closed and drained
   * @throws InterruptedException if interrupted while waiting
   */
  T take() throws InterruptedException;

  /**
   * Waits at most {@code timeout} for the next item.
   *
   * @return the item, or empty on timeout
   * @throws ChannelClosedException once the inbox is closed and drained
   * @throws InterruptedException if interrupted while waiting
   */
  Optional<T> poll(Duration timeout) throws InterruptedException;

  /**
   * The remaining items as a sequential stream that ends when the inbox is closed and drained.
   * An interrupt while waiting ends the stream with a {@link ParallelException} and keeps the
   * thread's interrupt flag set.
   */
  Stream<T> stream();

  /** Stops the inbox: waiting takers wake up and further items are discarded. Idempotent. */
  @Override
  void close();
}
