package org.asyncparallel;

import java.io.Serializable;
import java.util.concurrent.CompletableFuture;

/**
 * A client's end of a {@link Hub}: it writes {@code A}'s to the hub and reads the {@code B}'s the
 * hub sends to it. Messages on one channel arrive in order, none lost or duplicated while both
 * ends live.
 *
 * <p><b>Channels travel.</b> A channel is serializable: captured in a task or sent inside a
 * message, it keeps working in the process where it lands, where it connects to the hub as a
 * <em>new</em> client, lazily, on its first read or write. Beware the race this implies (as in the
 * original): a message the hub sends to everyone just after handing out a channel may reach a
 * copy that has not connected yet; wait for the client to say hello first.
 *
 * <p>Any thread may call any method; writes from several threads are each delivered whole.
 *
 * @param <A> messages to the hub
 * @param <B> messages from the hub
 */
public interface Channel<A, B> extends Serializable, AutoCloseable {
  /**
   * Queues a message for the hub, in order. Never blocks on the network: on an idle channel the
   * calling thread writes the message to the socket at once if the socket has room, else it is
   * queued. It waits only for <em>backpressure</em>: while this channel holds more than its bound
   * of unwritten bytes ({@link Config.Builder#maxBufferedBytes}, 16 MiB by default), because the
   * hub reads more slowly than this side writes; a message larger than the bound goes alone. With
   * {@link Config.Builder#bufferAgeLimit}, data left unwritten for longer breaks the channel
   * (a waiting write then returns). If the channel is closed or broken, the message is dropped
   * (the next {@link #read()} or {@link #flushed()} reports it).
   *
   * @throws ParallelException if the message cannot be serialized (naming the class), or if the
   *     thread is interrupted while it waits for room (its interrupt flag is kept)
   */
  void write(A message);

  /**
   * Waits for the next message from the hub.
   *
   * @throws ChannelClosedException once the hub closed, died or could not be reached, and every
   *     message received before has been read
   * @throws InterruptedException if interrupted while waiting
   */
  B read() throws InterruptedException;

  /**
   * The next message from the hub, without blocking the caller. Successive calls complete in call
   * order. Fails as {@link #read()} does.
   */
  CompletableFuture<B> readAsync();

  /**
   * Completes once every message written so far has been handed to the operating system; fails
   * with {@link ChannelClosedException} if the channel ends first.
   */
  CompletableFuture<Void> flushed();

  /**
   * Serializes a message once, to be written many times with {@link #writePacked}.
   *
   * @throws ParallelException if the message cannot be serialized (naming the class)
   */
  Packed<A> prePack(A message);

  /** Writes a message made by {@link #prePack}; otherwise as {@link #write}. */
  void writePacked(Packed<A> packed);

  /**
   * Writes out what is queued (waiting a bounded time), then disconnects from the hub. A read
   * after close throws {@link ChannelClosedException}. Idempotent.
   */
  @Override
  void close();
}
