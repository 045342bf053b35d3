package org.asyncparallel.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;
import org.asyncparallel.Channel;
import org.asyncparallel.Parallel;

/**
 * Echo streams from workers on several machines to one hub, each client its own operation (kind
 * {@code fan-in-client@...}): all started at once by the constructor, then awaited and recorded in
 * turn by {@link #await}. Each worker's copy of the channel connects as a new client of the hub.
 */
final class FanIn {
  private final Ledger ledger;
  private final Op parent;
  private final List<Op> clients = new ArrayList<>();
  private final List<Long> streamIds = new ArrayList<>();
  private final List<Integer> counts = new ArrayList<>();
  private final List<CompletableFuture<Integer>> results = new ArrayList<>();
  private long succeeded;

  /**
   * @param machines where the clients run, one each
   * @param channel a channel to the hub, which each client's task captures
   * @param hubMachine where the hub lives (each client involves it)
   * @param parent the operation that owns the hub; its context explains the clients' failures too
   */
  FanIn(Ledger ledger, AtomicLong streams, Random random, List<String> machines, Channel<Msg, Msg> channel,
      String hubMachine, Op parent) {
    this.ledger = ledger;
    this.parent = parent;
    for (String machine : machines) {
      Op client = new Op("fan-in-client@" + Places.reach(machine, hubMachine));
      client.involve(machine);
      client.involve(hubMachine);
      long stream = streams.incrementAndGet();
      int count = 200 + random.nextInt(1800);
      ledger.begin(client);
      clients.add(client);
      streamIds.add(stream);
      counts.add(count);
      results.add(Parallel.run(Places.where(machine),
          Tasks.echoClient(channel, stream, count, 1 + random.nextInt(32), random.nextBoolean())));
    }
  }

  /**
   * Awaits every client (each at most {@link Operations#FUTURE_BOUND_SECONDS}) and records its
   * outcome; {@code hubAgrees} checks a successful client's count against the hub's.
   */
  void await(BiPredicate<Long, Integer> hubAgrees) {
    for (int i = 0; i < clients.size(); i++) {
      Op client = clients.get(i);
      try {
        int read = Operations.await(results.get(i));
        if (read != counts.get(i) || !hubAgrees.test(streamIds.get(i), read)) {
          throw new IllegalStateException(Msg.VIOLATION + ": the client of stream " + streamIds.get(i) + " read "
              + read + " of " + counts.get(i) + " echoes; the hub does not agree");
        }
        succeeded += read;
        ledger.succeeded(client, read);
      } catch (Throwable t) {
        client.addContext(parent.context());
        ledger.failed(client, t);
      } finally {
        client.end();
      }
    }
  }

  /** Messages echoed to the clients that succeeded. */
  long succeededMessages() {
    return succeeded;
  }

  /** Messages all the clients were to send. */
  long sentAtMost() {
    return counts.stream().mapToLong(Integer::longValue).sum();
  }
}
