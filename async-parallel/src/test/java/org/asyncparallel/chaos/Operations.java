package org.asyncparallel.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncparallel.Channel;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;
import org.asyncparallel.Where;
import org.asyncparallel.WorkerException;

/**
 * The operations of the workload, each run to its end on the calling workload thread, its outcome
 * recorded in the ledger: a checked value (else a violation), or a failure. Every future is
 * awaited at most {@link #FUTURE_BOUND_SECONDS}; a longer wait is a hang.
 *
 * <table>
 *   <caption>The operations (share of the draws)</caption>
 *   <tr><td>run (25%)</td><td>a task that sleeps 0 to 1.5 s, then computes a value; checks the value
 *       and the host it ran on</td></tr>
 *   <tr><td>run-throws (8%)</td><td>a task that throws: expects a WorkerException with its class
 *       and message</td></tr>
 *   <tr><td>nested-run (14%)</td><td>a task that runs a task (that runs a task) on other
 *       machines</td></tr>
 *   <tr><td>spawn-echo (20%)</td><td>an echo server spawned here or on a host; a stream of 300 to
 *       6,000 messages from the test JVM, 1 to 256 in flight, read with read or readAsync</td></tr>
 *   <tr><td>nested-spawn-echo (10%)</td><td>a worker that spawns an echo server and streams to
 *       it</td></tr>
 *   <tr><td>hub-fan-in (12%)</td><td>a hub of the test JVM, 3 to 6 workers each streaming to it
 *       (channels that travel)</td></tr>
 *   <tr><td>spawned-fan-in (11%)</td><td>a spawned server and 2 to 4 workers streaming to it</td></tr>
 * </table>
 */
final class Operations {
  static final long FUTURE_BOUND_SECONDS = 90;
  private static final double REMOTE_SHARE = 0.4;

  /** The body of an operation: returns the number of echo messages it checked. */
  private interface Body {
    long run() throws Exception;
  }

  private final Ledger ledger;
  private final Injector injector;
  private final Places places;
  private final Workload.Watchdog watchdog;
  private final AtomicLong streams = new AtomicLong();

  Operations(Ledger ledger, Injector injector, Places places, Workload.Watchdog watchdog) {
    this.ledger = ledger;
    this.injector = injector;
    this.places = places;
    this.watchdog = watchdog;
  }

  /** Draws one operation and runs it on this thread. */
  void runOne(Random random) {
    int dice = random.nextInt(100);
    if (dice < 25) {
      run(random);
    } else if (dice < 33) {
      runThrows(random);
    } else if (dice < 47) {
      nestedRun(random);
    } else if (dice < 67) {
      spawnEcho(random);
    } else if (dice < 77) {
      nestedSpawnEcho(random);
    } else if (dice < 89) {
      hubFanIn(random);
    } else {
      spawnedFanIn(random);
    }
  }

  private void perform(Op op, Body body) {
    ledger.begin(op);
    watchdog.watch(op);
    try {
      ledger.succeeded(op, body.run());
    } catch (Throwable t) {
      ledger.failed(op, t);
    } finally {
      op.end();
      injector.withdraw(op);
      Thread.interrupted(); // a watchdog's interrupt must not reach the next operation
    }
  }

  private void run(Random random) {
    String machine = places.pick(random, REMOTE_SHARE);
    long n = random.nextInt(1_000_000);
    int sleep = random.nextInt(1500);
    Op op = new Op("run@" + Places.reach(machine));
    op.involve(machine);
    perform(op, () -> {
      expect(await(Parallel.run(Places.where(machine), Tasks.compute(n, sleep))), Tasks.expected(n, 0), machine);
      return 0;
    });
  }

  private void runThrows(Random random) {
    String machine = places.pick(random, REMOTE_SHARE);
    long n = random.nextInt(1_000_000);
    Op op = new Op("run-throws@" + Places.reach(machine));
    op.involve(machine);
    perform(op, () -> {
      try {
        Tasks.Answer a = await(Parallel.run(Places.where(machine), Tasks.throwing(n)));
        throw new IllegalStateException(Msg.VIOLATION + ": a task that throws returned " + a);
      } catch (WorkerException e) {
        if (e.remoteClassName().equals(IllegalArgumentException.class.getName())
            && e.getMessage().contains("expected failure " + n + " ")) {
          return 0;
        }
        throw e;
      }
    });
  }

  private void nestedRun(Random random) {
    String outer = places.pick(random, REMOTE_SHARE);
    List<String> inner = new ArrayList<>();
    for (int depth = 1 + random.nextInt(2); depth > 0; depth--) {
      inner.add(places.pick(random, REMOTE_SHARE));
    }
    List<String> all = new ArrayList<>(inner);
    all.add(outer);
    Op op = new Op("nested-run@" + Places.reach(all.toArray(String[]::new)));
    all.forEach(op::involve);
    long n = random.nextInt(1_000_000);
    int sleep = random.nextInt(1000);
    List<Where> path = List.copyOf(inner.stream().map(Places::whereFromAnywhere).toList());
    perform(op, () -> {
      expect(await(Parallel.run(Places.where(outer), Tasks.nested(n, path, sleep))),
          Tasks.expected(n, inner.size()), inner.getLast());
      return 0;
    });
  }

  private void spawnEcho(Random random) {
    String machine = places.pick(random, REMOTE_SHARE);
    int count = machine.equals(Places.MASTER) ? 500 + random.nextInt(5500) : 300 + random.nextInt(2700);
    int window = random.nextInt(4) == 0 ? 1 : 1 + random.nextInt(256);
    boolean async = random.nextBoolean();
    long stream = streams.incrementAndGet();
    Op op = new Op("spawn-echo@" + Places.reach(machine) + (async ? "/readAsync" : "/read"));
    op.involve(machine);
    perform(op, () -> {
      Spawned<Msg, Msg, Integer> server = await(Parallel.spawn(Places.where(machine), Tasks.echoServer(false)));
      var client = new EchoClient(server.channel(), stream, count, window, async);
      try {
        op.addContext("server " + client.greet());
        injector.offer(op, server.channel());
        client.run();
      } catch (ChannelClosedException e) {
        injector.withdraw(op);
        ledger.checkedMessages(client.received());
        throw afterChannelEnd(op, e, server.result(), client);
      } finally {
        injector.withdraw(op);
        server.channel().close();
      }
      int echoed = await(server.result());
      if (echoed != count) {
        throw new IllegalStateException(Msg.VIOLATION + ": the server of stream " + stream + " echoed " + echoed
            + " messages, its client read " + count);
      }
      return count;
    });
  }

  /**
   * The channel of an echo stream of the test JVM ended before the stream did. If the injector
   * closed it, the server must return what it echoed, between what the client read and what it
   * sent. Else the server must have died (its result says how, which explains the failure): if
   * it returned instead, the channel ended while both ends lived.
   */
  private Exception afterChannelEnd(Op op, ChannelClosedException e, CompletableFuture<Integer> result,
      EchoClient client) {
    int echoed;
    try {
      echoed = result.get(FUTURE_BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException died) {
      op.addContext("the server's end: " + Ledger.describe(died.getCause(), 100_000));
      return e;
    } catch (TimeoutException | InterruptedException stuck) {
      result.cancel(true);
      return new TimeoutException("the server's result did not come within " + FUTURE_BOUND_SECONDS
          + " s after its channel ended (" + e.getMessage() + ")");
    }
    if (!op.closedByInjector()) {
      return new IllegalStateException(Msg.VIOLATION + ": the channel ended while both ends lived: the client read "
          + client.received() + " echoes, then " + e.getMessage() + "; the server then returned " + echoed, e);
    }
    if (echoed < client.received() || echoed > client.sent()) {
      return new IllegalStateException(Msg.VIOLATION + ": after the injector closed its channel, the server echoed "
          + echoed + " messages; its client sent " + client.sent() + " and read " + client.received(), e);
    }
    return e;
  }

  private void nestedSpawnEcho(Random random) {
    String clientMachine = places.pick(random, REMOTE_SHARE);
    String serverMachine = places.pick(random, REMOTE_SHARE);
    int count = 500 + random.nextInt(2500);
    int window = 1 + random.nextInt(64);
    long stream = streams.incrementAndGet();
    Op op = new Op("nested-spawn-echo@" + Places.reach(clientMachine, serverMachine));
    op.involve(clientMachine);
    op.involve(serverMachine);
    perform(op, () -> {
      int read = await(Parallel.run(Places.where(clientMachine),
          Tasks.nestedEcho(Places.whereFromAnywhere(serverMachine), stream, count, window)));
      if (read != count) {
        throw new IllegalStateException(Msg.VIOLATION + ": the nested client read " + read + " of " + count);
      }
      return count;
    });
  }

  private void hubFanIn(Random random) {
    int clients = 3 + random.nextInt(4);
    List<String> machines = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      machines.add(places.pick(random, REMOTE_SHARE));
    }
    Op op = new Op("hub-fan-in@" + Places.reach(machines.toArray(String[]::new)));
    machines.forEach(op::involve);
    perform(op, () -> {
      var echo = new HubEcho("fan-in");
      boolean ended;
      try {
        var fanIn = new FanIn(ledger, streams, random, machines, echo.hub().openChannel(), Places.MASTER, op);
        fanIn.await((stream, count) -> echo.echoed(stream) == count);
      } finally {
        ended = echo.closeAndJoin();
      }
      if (!ended) {
        throw new TimeoutException("the hub's echo thread did not end within 30 s of the hub's close");
      }
      if (echo.failure() != null) {
        throw new IllegalStateException("the hub's echo thread failed: " + Ledger.describe(echo.failure(), 1500),
            echo.failure());
      }
      return 0;
    });
  }

  private void spawnedFanIn(Random random) {
    String serverMachine = places.pick(random, REMOTE_SHARE);
    int clients = 2 + random.nextInt(3);
    List<String> machines = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      machines.add(places.pick(random, REMOTE_SHARE));
    }
    List<String> all = new ArrayList<>(machines);
    all.add(serverMachine);
    Op op = new Op("spawned-fan-in@" + Places.reach(all.toArray(String[]::new)));
    all.forEach(op::involve);
    perform(op, () -> {
      Spawned<Msg, Msg, Integer> server = await(Parallel.spawn(Places.where(serverMachine), Tasks.echoServer(true)));
      Channel<Msg, Msg> own = server.channel();
      FanIn fanIn;
      int echoed;
      try {
        try {
          op.addContext("server " + new EchoClient(own, streams.incrementAndGet(), 0, 1, false).greet());
        } catch (ChannelClosedException e) {
          op.addContext("the server's end: " + Tasks.endOf(server.result()));
          throw e;
        }
        fanIn = new FanIn(ledger, streams, random, machines, own, serverMachine, op);
        fanIn.await((stream, count) -> true);
        own.write(Msg.stop());
        echoed = await(server.result());
      } finally {
        own.close();
      }
      if (echoed < fanIn.succeededMessages() || echoed > fanIn.sentAtMost()) {
        throw new IllegalStateException(Msg.VIOLATION + ": the server echoed " + echoed + " messages; its clients "
            + "that succeeded read " + fanIn.succeededMessages() + ", all sent at most " + fanIn.sentAtMost());
      }
      return 0;
    });
  }

  private void expect(Tasks.Answer answer, long value, String machine) {
    if (answer.value() != value || !answer.host().equals(places.hostnameOf(machine))) {
      throw new IllegalStateException(Msg.VIOLATION + ": WRONG VALUE: expected " + value + " from "
          + places.hostnameOf(machine) + ", got " + answer);
    }
  }

  /** Waits at most {@link #FUTURE_BOUND_SECONDS}; rethrows the failure itself; cancels on timeout. */
  static <T> T await(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(FUTURE_BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      HangDump.print("a future did not complete within " + FUTURE_BOUND_SECONDS + " s");
      future.cancel(true);
      throw new TimeoutException("a future did not complete within " + FUTURE_BOUND_SECONDS + " s");
    }
  }
}
