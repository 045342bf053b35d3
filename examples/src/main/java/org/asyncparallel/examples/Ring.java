package org.asyncparallel.examples;

import static org.asyncparallel.examples.Examples.check;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.asyncparallel.Body;
import org.asyncparallel.Channel;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.Hub;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;

/**
 * The ring of {@code test/parallel_test.ml}: the main process makes a hub and opens a channel to
 * it; three workers are spawned in a chain, each reading from the channel before it, adding 1, 2
 * and 3, and sending the sum to every client of its own hub. The main process sends {@code i} on
 * its hub and reads {@code i + 6} from the last worker's channel, then goes on with that plus 4,
 * while below the limit (default 1000, i.e. 100 rounds).
 *
 * <p>When the main process closes its hub at the end, the first worker's read ends, its body
 * returns, its hub goes away with it, and so on down the ring: the three bodies' results report
 * how many values each one passed on.
 *
 * <p>Usage: {@code Ring [limit]}.
 */
public final class Ring {
  private Ring() {}

  public static void main(String[] args) {
    Examples.runMain("Ring", Ring::run, args);
  }

  /**
   * A future that completes at the first client's {@code Connect} on {@code hub}; a virtual thread
   * listens for it (and drains the hub's later events).
   */
  static CompletableFuture<Void> firstConnect(Hub<?, ?> hub, String who) {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    var events = hub.listen();
    Thread.ofVirtual().name(who + "-hub-events").start(() -> {
      for (HubEvent<?> e : events) {
        if (e instanceof HubEvent.Connect<?>) {
          ready.complete(null);
        }
      }
    });
    return ready;
  }

  /**
   * The body of a ring node: reads from {@code in}, adds {@code k}, sends to every client of its
   * hub once one has connected; returns a report when {@code in} ends. Static: it captures only
   * the channel and the int.
   */
  static Body<Integer, Integer, String> adder(Channel<Integer, Integer> in, int k) {
    return hub -> {
      long pid = ProcessHandle.current().pid();
      System.out.println("  ring node +" + k + " running in worker pid " + pid);
      CompletableFuture<Void> ready = firstConnect(hub, "adder" + k);
      int passed = 0;
      while (true) {
        int a;
        try {
          a = in.read();
        } catch (ChannelClosedException end) {
          break;
        }
        int b = a + k;
        ready.join();
        hub.sendToAll(b);
        hub.flushed().join();
        passed++;
      }
      return "node +" + k + " (pid " + pid + ") passed on " + passed + " values";
    };
  }

  static void run(String[] args) throws Exception {
    int limit = Examples.ints(args, List.of(1000)).get(0);
    Examples.initRuntime();
    try {
      System.out.println("main pid " + Examples.pid() + ": making the ring");
      Hub<Integer, Integer> hub = Parallel.hub();
      CompletableFuture<Void> ready = firstConnect(hub, "main");
      Channel<Integer, Integer> c = hub.openChannel();
      Spawned<Integer, Integer, String> n1 = Parallel.spawn(adder(c, 1)).join();
      Spawned<Integer, Integer, String> n2 = Parallel.spawn(adder(n1.channel(), 2)).join();
      Spawned<Integer, Integer, String> n3 = Parallel.spawn(adder(n2.channel(), 3)).join();
      Channel<Integer, Integer> last = n3.channel();
      System.out.println("main pid " + Examples.pid() + ": ring of 3 workers ready, sending values");

      long start = System.nanoTime();
      int rounds = 0;
      int i = 0;
      while (i < limit) {
        CompletableFuture<Integer> res = last.readAsync();
        ready.join();
        hub.sendToAll(i);
        hub.flushed().join();
        int back = res.join();
        if (rounds < 3 || i + 10 >= limit) {
          System.out.printf("main: sent %d, got back %d%n", i, back);
        } else if (rounds == 3) {
          System.out.println("main: ...");
        }
        check(back == i + 6, "sent " + i + " around the ring, got back " + back);
        rounds++;
        i = back + 4;
      }
      System.out.printf("main: %d rounds through the ring (%d messages) in %.2f s%n",
          rounds, 4 * rounds, Examples.seconds(start));

      hub.close();
      for (Spawned<Integer, Integer, String> node : List.of(n1, n2, n3)) {
        String report;
        try {
          report = node.result().get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          throw new AssertionError("a ring node did not end after the main hub closed", e);
        } catch (ExecutionException e) {
          throw new AssertionError("a ring node failed: " + e.getCause(), e.getCause());
        }
        System.out.println("main: " + report);
        check(report.contains("passed on " + rounds + " values"), "expected " + rounds + " values: " + report);
      }
    } finally {
      Parallel.shutdown().join();
    }
  }
}
