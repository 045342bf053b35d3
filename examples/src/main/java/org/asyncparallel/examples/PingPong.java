package org.asyncparallel.examples;

import static org.asyncparallel.examples.Examples.check;
import static org.asyncparallel.examples.Examples.pid;

import java.util.List;
import org.asyncparallel.Body;
import org.asyncparallel.Channel;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;
import org.asyncparallel.Where;

/**
 * The seed's ping-pong (OCaml {@code example/pingpong.ml}): a worker, spawned on a random machine
 * of the cluster (here the only one, this machine), answers every {@code "ping"} with a
 * {@code "pong"}; the main process sends a few pings, a pause apart, and reads each pong.
 *
 * <p>Usage: {@code PingPong [count]} (default 5).
 */
public final class PingPong {
  private PingPong() {}

  static final long PAUSE_MILLIS = 200;

  public static void main(String[] args) {
    Examples.runMain("PingPong", PingPong::run, args);
  }

  /** The worker: answers each ping on its hub with a pong to the client that sent it. */
  static Body<String, String, String> ponger() {
    return hub -> {
      long me = ProcessHandle.current().pid();
      String host = java.net.InetAddress.getLocalHost().getHostName();
      System.out.println("  worker pid " + me + " on " + host + ": listening");
      int answered = 0;
      for (HubEvent.Data<String> m : hub.listenSimple()) {
        System.out.println("  worker pid " + me + ": read " + m.message() + " from " + m.client()
            + ", sending pong");
        hub.send(m.client(), m.message().equals("ping") ? "pong" : "what?");
        answered++;
      }
      return "done after " + answered + " pongs";
    };
  }

  static void run(String[] args) throws Exception {
    int count = Examples.ints(args, List.of(5)).get(0);
    Examples.initRuntime();
    try {
      System.out.println("main pid " + pid() + ": spawning the ponger with Where.random()");
      Spawned<String, String, String> spawned = Parallel.spawn(Where.random(), ponger()).join();
      Channel<String, String> channel = spawned.channel();
      for (int i = 1; i <= count; i++) {
        long start = System.nanoTime();
        channel.write("ping");
        String answer = channel.read();
        System.out.printf("main pid %d: ping %d -> %s (%.2f ms)%n",
            pid(), i, answer, (System.nanoTime() - start) / 1e6);
        check(answer.equals("pong"), "expected pong, got " + answer);
        Thread.sleep(PAUSE_MILLIS);
      }
      channel.close();
      System.out.println("main pid " + pid() + ": " + count + " pongs received; channel closed,"
          + " shutting down (the ponger is stopped by shutdown, as in the original)");
      check(!spawned.result().isDone(), "the ponger ended early: " + spawned.result());
    } finally {
      Parallel.shutdown().join();
    }
  }
}
