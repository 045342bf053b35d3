package org.asyncparallel.chaos;

import java.io.Serializable;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.asyncparallel.Body;
import org.asyncparallel.Channel;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.ClientId;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Inbox;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;
import org.asyncparallel.Task;
import org.asyncparallel.Where;

/**
 * The closures the soak sends to workers. All are made in static methods and capture only
 * serializable values. A task that finds an invariant broken throws an exception marked
 * {@link Msg#VIOLATION}; a task that loses a peer rethrows the library's exception with the
 * peer's name ("pid N on HOST") added, so that the test can tell which injected fault caused it.
 */
final class Tasks {
  /** How long a worker waits for a future of its own (a nested run or spawn). */
  static final long INNER_BOUND_SECONDS = 60;
  /** A server with no event for this long gives up (its clients were killed before connecting). */
  static final Duration SERVER_IDLE = Duration.ofSeconds(75);

  private Tasks() {}

  /** What a computing task returns: a value derived from its input, and where it ran. */
  record Answer(long value, String host, long pid) implements Serializable {}

  /** "pid N on HOST": this process. */
  static String me() {
    return "pid " + ProcessHandle.current().pid() + " on " + hostname();
  }

  static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown-host";
    }
  }

  /** The value {@link #compute} returns for {@code n}, wrapped {@code depth} times. */
  static long expected(long n, int depth) {
    return n * 31 + 7 + depth;
  }

  /** Sleeps a while (so that faults can hit it), then returns {@code expected(n, 0)}. */
  static Task<Answer> compute(long n, int sleepMillis) {
    return () -> {
      Thread.sleep(sleepMillis);
      return new Answer(expected(n, 0), hostname(), ProcessHandle.current().pid());
    };
  }

  /** Throws, on purpose: the caller expects a {@code WorkerException} naming this class and n. */
  static Task<Answer> throwing(long n) {
    return () -> {
      throw new IllegalArgumentException("expected failure " + n + " from " + me());
    };
  }

  /**
   * Runs {@code compute(n)} {@code places.size()} levels down, each level in a worker started by
   * the one above it on the next machine of {@code places}; each level adds 1 to the value.
   */
  static Task<Answer> nested(long n, List<Where> places, int sleepMillis) {
    return () -> {
      if (places.isEmpty()) {
        return compute(n, sleepMillis).call();
      }
      Task<Answer> inner = nested(n, List.copyOf(places.subList(1, places.size())), sleepMillis);
      Answer below = await(Parallel.run(places.get(0), inner), "the nested run on " + places.get(0));
      return new Answer(below.value() + 1, below.host(), below.pid());
    };
  }

  /**
   * An echo server. It greets each client on connect, checks each client's messages
   * ({@link Msg#check}) and echoes them. It returns the number of messages echoed: when its
   * first client disconnects ({@code untilStop} false), or at a {@link Msg#STOP}; or -1 if no
   * event came for {@link #SERVER_IDLE} (its clients died before connecting).
   */
  static Body<Msg, Msg, Integer> echoServer(boolean untilStop) {
    return hub -> {
      String me = me();
      Map<ClientId, Long> streams = new HashMap<>();
      Map<ClientId, Integer> expected = new HashMap<>();
      Inbox<HubEvent<Msg>> events = hub.listen();
      int total = 0;
      while (true) {
        Optional<HubEvent<Msg>> next = events.poll(SERVER_IDLE);
        if (next.isEmpty()) {
          return -1;
        }
        switch (next.get()) {
          case HubEvent.Connect<Msg> c -> hub.send(c.client(), new Msg(0, Msg.HELLO, me));
          case HubEvent.Data<Msg> d -> {
            Msg m = d.message();
            if (m.seq() == Msg.STOP) {
              return total;
            }
            if (m.seq() == Msg.HELLO) {
              streams.put(d.client(), m.stream());
              continue;
            }
            int want = expected.getOrDefault(d.client(), 0);
            m.check(streams.getOrDefault(d.client(), m.stream()), want, "the echo server " + me);
            expected.put(d.client(), want + 1);
            total++;
            hub.send(d.client(), m);
          }
          case HubEvent.Disconnect<Msg> gone -> {
            if (!untilStop) {
              return total;
            }
          }
        }
      }
    };
  }

  /** A client of a hub elsewhere: one echo stream over {@code channel}; returns its count. */
  static Task<Integer> echoClient(Channel<Msg, Msg> channel, long stream, int count, int window, boolean async) {
    return () -> {
      var client = new EchoClient(channel, stream, count, window, async);
      try {
        client.greet();
        client.run();
      } catch (ChannelClosedException e) {
        throw new ChannelClosedException("stream " + stream + " of client " + me() + " with " + client.server()
            + " ended after " + client.received() + " of " + count + " echoes: " + e.getMessage(), e);
      }
      channel.close();
      return count;
    };
  }

  /**
   * Spawns an echo server on {@code where} and runs one stream with it from this worker: a
   * nested spawn whose client is a worker. Returns the count, checked against the server's.
   */
  static Task<Integer> nestedEcho(Where where, long stream, int count, int window) {
    return () -> {
      Spawned<Msg, Msg, Integer> server = await(Parallel.spawn(where, echoServer(false)),
          "the nested spawn on " + where);
      try {
        echoClient(server.channel(), stream, count, window, false).call();
      } catch (ChannelClosedException e) {
        throw new ChannelClosedException(e.getMessage() + "; the server's end: " + endOf(server.result()), e);
      }
      int echoed = await(server.result(), "the nested server's result");
      if (echoed != count) {
        throw new IllegalStateException(Msg.VIOLATION + ": the nested echo server echoed " + echoed
            + " messages of stream " + stream + ", its client read " + count);
      }
      return count;
    };
  }

  /** How a future ended, in words ("returned X" or the failure), waiting for it (bounded). */
  static String endOf(Future<?> future) {
    try {
      return "returned " + await(future, "the future");
    } catch (Exception e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  /**
   * Waits for a future of this worker, bounded; rethrows its failure as it is (a library
   * exception keeps its type and message), a timeout as {@code TimeoutException} naming it.
   */
  static <T> T await(Future<T> future, String what) throws Exception {
    try {
      return future.get(INNER_BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new TimeoutException(what + " did not complete in " + INNER_BOUND_SECONDS
          + " s, in " + me());
    }
  }
}
