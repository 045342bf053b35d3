package org.asyncparallel.internal.runtime;

import org.asyncparallel.internal.wire.Message;

/** Re-addresses a reply about a job to the request it answers. */
final class Replies {
  private Replies() {}

  static Message withId(Message reply, long id) {
    return switch (reply) {
      case Message.HubReady m -> new Message.HubReady(id, m.address());
      case Message.Result m -> new Message.Result(id, m.value());
      case Message.Failure m -> new Message.Failure(id, m.error());
      case Message.Died m -> new Message.Died(id, m.reason());
      case Message.Rejected m -> new Message.Rejected(id, m.reason());
      default -> throw new IllegalArgumentException("not a reply: " + reply);
    };
  }
}
