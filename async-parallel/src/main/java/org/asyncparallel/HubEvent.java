package org.asyncparallel;

/**
 * What {@link Hub#listen()} reports. For each client the order is: one {@link Connect}, then its
 * {@link Data} in the order the client wrote them, then one {@link Disconnect}.
 *
 * @param <A> messages from clients to the hub
 */
public sealed interface HubEvent<A> {
  /** The client that the event is about. */
  ClientId client();

  /** A client connected: a channel made its first read or write. */
  record Connect<A>(ClientId client) implements HubEvent<A> {}

  /** A client went away: its channel was closed, its process ended, or the connection broke. */
  record Disconnect<A>(ClientId client, String reason) implements HubEvent<A> {}

  /** A client sent a message. */
  record Data<A>(ClientId client, A message) implements HubEvent<A> {}
}
