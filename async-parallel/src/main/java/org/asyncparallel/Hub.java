package org.asyncparallel;

import java.io.Serializable;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A place that any number of clients (channels) connect to, in any process (OCaml
 * {@code Hub.t}). Clients send it {@code A}'s; it sends {@code B}'s to one client or to all.
 *
 * <p>Only the process that created the hub may call its methods, except {@link #openChannel()}:
 * elsewhere they throw {@link IllegalStateException}. A hub is serializable so that a copy can
 * open channels to it from any process.
 *
 * <p>Events that arrive before {@link #listen()} or {@link #listenSimple()} is called are kept
 * for it. Exactly one of the two may be called, once.
 *
 * @param <A> messages from clients
 * @param <B> messages to clients
 */
public interface Hub<A, B> extends AutoCloseable, Serializable {
  /**
   * All events: for each client one {@code Connect}, its {@code Data}, one {@code Disconnect}.
   * The inbox ends when the hub is closed.
   *
   * @throws IllegalStateException if called twice (or after {@link #listenSimple()}), or outside
   *     the hub's process
   */
  Inbox<HubEvent<A>> listen();

  /**
   * Only the {@code Data} events. The inbox ends when the hub is closed.
   *
   * @throws IllegalStateException if called twice (or after {@link #listen()}), or outside the
   *     hub's process
   */
  Inbox<HubEvent.Data<A>> listenSimple();

  /**
   * Queues a message for one client. Never blocks on the network; like {@link Channel#write}, it
   * waits only while this client's connection holds more than its bound of unwritten bytes (the
   * client reads more slowly than the hub sends). Set {@link Config.Builder#bufferAgeLimit} so
   * that a client that stops reading is disconnected rather than holding up the hub. A client
   * that is unknown or gone is ignored (no exception): it may disconnect at any moment anyway.
   *
   * @throws ParallelException if the message cannot be serialized (naming the class), or if the
   *     thread is interrupted while it waits for room (its interrupt flag is kept)
   * @throws IllegalStateException outside the hub's process
   */
  void send(ClientId client, B message);

  /**
   * Queues a message for every client connected now. Serialized once. Waits, client by client,
   * as {@link #send} does.
   *
   * @throws ParallelException if the message cannot be serialized (naming the class)
   * @throws IllegalStateException outside the hub's process
   */
  void sendToAll(B message);

  /**
   * Completes once everything sent so far to still-connected clients has been handed to the
   * operating system. A client that disconnects meanwhile counts as flushed.
   *
   * @throws IllegalStateException outside the hub's process
   */
  CompletableFuture<Void> flushed();

  /**
   * The clients connected now.
   *
   * @throws IllegalStateException outside the hub's process
   */
  Set<ClientId> clients();

  /**
   * A new channel to this hub. May be called in any process of the runtime, also on a copy of the
   * hub that was serialized to another process. The channel connects on first use.
   *
   * @throws IllegalStateException if the runtime is not initialized in this process
   */
  Channel<A, B> openChannel();

  /**
   * Stops accepting clients, writes out what was sent (waiting a bounded time), and disconnects
   * every client, whose reads then end with {@link ChannelClosedException}. Each client gets a
   * {@code Disconnect} event, then the listen inbox ends. Idempotent.
   *
   * @throws IllegalStateException outside the hub's process
   */
  @Override
  void close();
}
