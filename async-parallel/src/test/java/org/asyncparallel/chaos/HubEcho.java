package org.asyncparallel.chaos;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.asyncparallel.ClientId;
import org.asyncparallel.Hub;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Parallel;

/**
 * An echo server on a hub of the test JVM, served by a thread of its own: it greets each client,
 * checks each client's stream ({@link Msg#check}) and echoes it, and counts what it echoed per
 * stream. {@link #close()} closes the hub and waits for the thread.
 */
final class HubEcho implements AutoCloseable {
  private final Hub<Msg, Msg> hub = Parallel.hub();
  private final Map<Long, Integer> echoed = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile Throwable failure;

  HubEcho(String name) {
    thread = Thread.ofPlatform().daemon().name("chaos-hub-" + name).start(this::serve);
  }

  Hub<Msg, Msg> hub() {
    return hub;
  }

  /** How many messages of {@code stream} it has echoed. */
  int echoed(long stream) {
    return echoed.getOrDefault(stream, 0);
  }

  /** What ended the serving thread other than the hub's close (a broken invariant, say), or null. */
  Throwable failure() {
    return failure;
  }

  private void serve() {
    String me = "the hub of " + Tasks.me();
    Map<ClientId, Long> streams = new HashMap<>();
    try {
      for (HubEvent<Msg> event : hub.listen()) {
        switch (event) {
          case HubEvent.Connect<Msg> c -> hub.send(c.client(), new Msg(0, Msg.HELLO, me));
          case HubEvent.Data<Msg> d -> {
            Msg m = d.message();
            if (m.seq() == Msg.HELLO) {
              streams.put(d.client(), m.stream());
              continue;
            }
            long stream = streams.getOrDefault(d.client(), -1L);
            m.check(stream, echoed(stream), me + " (client " + d.client().value() + ")");
            echoed.merge(stream, 1, Integer::sum);
            hub.send(d.client(), m);
          }
          case HubEvent.Disconnect<Msg> gone -> streams.remove(gone.client());
        }
      }
    } catch (Throwable t) {
      failure = t;
    }
  }

  /** Closes the hub; waits for the thread to end. False if it did not end within 30 s. */
  boolean closeAndJoin() throws InterruptedException {
    hub.close();
    thread.join(30_000);
    return !thread.isAlive();
  }

  @Override
  public void close() {
    hub.close();
  }
}
