package org.asyncparallel.examples;

import static org.asyncparallel.examples.Examples.check;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Body;
import org.asyncparallel.Channel;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;
import org.asyncparallel.Task;

/**
 * The echo server of {@code test/parallel_test.ml}: a spawned server echoes every {@code Echo}
 * back to its sender and returns on {@code Die}. The main process checks one echo itself, then,
 * one after the other, runs client workers that use the very channel the main process holds
 * (captured in the task, each copy connects as a new client): each client checks an echo of its
 * own id, then runs four sub-workers at once that do the same with {@code "sub" + id}. Finally the
 * main process sends {@code Die} and waits for the server's result.
 *
 * <p>Usage: {@code EchoServer [clients]} (default 100; 5 processes per client).
 */
public final class EchoServer {
  private EchoServer() {}

  /** The messages, in both directions. */
  sealed interface Msg extends Serializable {}

  record Echo(String text) implements Msg {}

  record Die() implements Msg {}

  static final int SUB_WORKERS = 4;

  public static void main(String[] args) {
    Examples.runMain("EchoServer", EchoServer::run, args);
  }

  /** The server: echoes until told to die; returns what it did. */
  static Body<Msg, Msg, String> server() {
    return hub -> {
      long pid = ProcessHandle.current().pid();
      System.out.println("  echo server running in worker pid " + pid);
      int connects = 0;
      int echoes = 0;
      for (HubEvent<Msg> event : hub.listen()) {
        switch (event) {
          case HubEvent.Connect<Msg> c -> connects++;
          case HubEvent.Disconnect<Msg> d -> { }
          case HubEvent.Data<Msg> d -> {
            switch (d.message()) {
              case Echo echo -> {
                hub.send(d.client(), echo);
                echoes++;
              }
              case Die die -> {
                hub.flushed().join();
                return "server pid " + pid + " echoed " + echoes + " messages to " + connects
                    + " clients";
              }
            }
          }
        }
      }
      throw new IllegalStateException("the hub closed before Die");
    };
  }

  /** Writes an echo of {@code text} on {@code c} and checks that it comes back. */
  static void echo(Channel<Msg, Msg> c, String text) throws InterruptedException {
    c.write(new Echo(text));
    Msg back = c.read();
    check(back.equals(new Echo(text)), "sent Echo(" + text + "), got " + back);
  }

  /** A sub-worker of client {@code id}: one echo on its own copy of the channel. */
  static Task<Long> subWorker(Channel<Msg, Msg> c, String id) {
    return () -> {
      echo(c, "sub" + id);
      return ProcessHandle.current().pid();
    };
  }

  /** Client {@code i}: one echo, then four sub-workers at once; returns the pids involved. */
  static Task<List<Long>> client(Channel<Msg, Msg> c, int i) {
    return () -> {
      String id = Integer.toString(i);
      echo(c, id);
      List<CompletableFuture<Long>> subs = new ArrayList<>();
      for (int k = 0; k < SUB_WORKERS; k++) {
        subs.add(Parallel.run(subWorker(c, id)));
      }
      List<Long> pids = new ArrayList<>();
      pids.add(ProcessHandle.current().pid());
      for (CompletableFuture<Long> sub : subs) {
        pids.add(sub.join());
      }
      return pids;
    };
  }

  static void run(String[] args) throws Exception {
    int clients = Examples.ints(args, List.of(100)).get(0);
    Examples.initRuntime();
    try {
      System.out.println("main pid " + Examples.pid() + ": spawning the echo server");
      Spawned<Msg, Msg, String> server = Parallel.spawn(server()).join();
      Channel<Msg, Msg> c = server.channel();
      echo(c, "foo");
      System.out.println("main: echo of foo ok; running " + clients + " clients one after the other,"
          + " each with " + SUB_WORKERS + " sub-workers");
      long start = System.nanoTime();
      java.util.Set<Long> pids = new java.util.HashSet<>();
      for (int i = 0; i < clients; i++) {
        List<Long> used = Parallel.run(client(c, i)).join();
        pids.addAll(used);
        if (i < 3 || i == clients - 1) {
          System.out.println("main: client " + i + " ok, echoes checked in worker pids " + used);
        } else if (i == 3) {
          System.out.println("main: ...");
        }
      }
      System.out.printf("main: %d clients and %d sub-workers ok, %d distinct worker pids, %.2f s%n",
          clients, clients * SUB_WORKERS, pids.size(), Examples.seconds(start));
      c.write(new Die());
      String report = server.result().get(60, TimeUnit.SECONDS);
      System.out.println("main: " + report);
      int expected = 1 + clients * (1 + SUB_WORKERS);
      check(report.contains("echoed " + expected + " messages"), "expected " + expected + " echoes: " + report);
    } finally {
      Parallel.shutdown().join();
    }
  }
}
