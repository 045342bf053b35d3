package org.asyncparallel.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.asyncparallel.Body;
import org.asyncparallel.Channel;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Inbox;
import org.asyncparallel.Packed;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;
import org.asyncparallel.Task;

/**
 * The library's figures, through the public API only. Every task and body is made by a static
 * method, so it captures nothing but the values it needs.
 */
final class Lib {
  private Lib() {}

  static final long TIMEOUT_S = 120;

  /** The trivial task. */
  static Task<Integer> trivial() {
    return () -> 1;
  }

  /** A task returning i. */
  static Task<Integer> identity(int i) {
    return () -> i;
  }

  /**
   * The benchmark server: a byte[] whose first byte is 'E' is echoed; other byte[]s are counted;
   * "count" answers the count (a Long) and resets it; "pid" answers the worker's pid; "quit" ends
   * the body (and so the worker).
   */
  static Body<Object, Object, Integer> server() {
    return hub -> {
      long count = 0;
      for (HubEvent.Data<Object> m : hub.listenSimple()) {
        Object x = m.message();
        if (x instanceof byte[] b) {
          if (b.length > 0 && b[0] == 'E') {
            hub.send(m.client(), b);
          } else {
            count++;
          }
        } else if ("count".equals(x)) {
          hub.send(m.client(), count);
          count = 0;
        } else if ("pid".equals(x)) {
          hub.send(m.client(), ProcessHandle.current().pid());
        } else if ("quit".equals(x)) {
          hub.flushed().get(TIMEOUT_S, TimeUnit.SECONDS);
          return 0;
        }
      }
      return 0;
    };
  }

  /** Answers one message with itself, then returns. */
  static Body<Object, Object, Integer> oneShot() {
    return hub -> {
      Inbox<HubEvent.Data<Object>> in = hub.listenSimple();
      HubEvent.Data<Object> m = in.take();
      hub.send(m.client(), m.message());
      hub.flushed().get(TIMEOUT_S, TimeUnit.SECONDS);
      return 0;
    };
  }

  /** Parallel.run of the trivial task, until its result is here: seconds. */
  static double run() throws Exception {
    long t0 = System.nanoTime();
    int r = Parallel.run(trivial()).get(TIMEOUT_S, TimeUnit.SECONDS);
    long t1 = System.nanoTime();
    Bare.check(r == 1, "trivial task returned " + r);
    return (t1 - t0) / 1e9;
  }

  /** {spawn alone, spawn + one 64-byte write/read round trip}: seconds. */
  static double[] spawn() throws Exception {
    byte[] msg = new byte[64];
    msg[0] = 'E';
    long t0 = System.nanoTime();
    Spawned<Object, Object, Integer> s = Parallel.spawn(oneShot()).get(TIMEOUT_S, TimeUnit.SECONDS);
    long t1 = System.nanoTime();
    s.channel().write(msg);
    Object back = s.channel().read();
    long t2 = System.nanoTime();
    Bare.check(back instanceof byte[] b && b.length == 64, "oneShot answered " + back);
    s.result().get(TIMEOUT_S, TimeUnit.SECONDS);
    s.channel().close();
    return new double[] {(t1 - t0) / 1e9, (t2 - t0) / 1e9};
  }

  /** Something to do between two steps of a measurement (e.g. wait for the machine to settle). */
  @FunctionalInterface
  interface Pause {
    void run() throws Exception;
  }

  /**
   * Spawns a one-shot worker, waits for {@code pause}, then times the first 64-byte write/read
   * round trip on its new channel (which connects, authenticates and attaches): seconds.
   */
  static double firstRoundTripAfter(Pause pause) throws Exception {
    byte[] msg = new byte[64];
    Spawned<Object, Object, Integer> s = Parallel.spawn(oneShot()).get(TIMEOUT_S, TimeUnit.SECONDS);
    pause.run();
    long t0 = System.nanoTime();
    s.channel().write(msg);
    Object back = s.channel().read();
    long t1 = System.nanoTime();
    Bare.check(back instanceof byte[] b && b.length == 64, "oneShot answered " + back);
    s.result().get(TIMEOUT_S, TimeUnit.SECONDS);
    s.channel().close();
    return (t1 - t0) / 1e9;
  }

  /** A spawned benchmark server and its channel. */
  static final class Server implements AutoCloseable {
    final Spawned<Object, Object, Integer> spawned;
    final Channel<Object, Object> ch;
    final long pid;

    Server() throws Exception {
      spawned = Parallel.spawn(server()).get(TIMEOUT_S, TimeUnit.SECONDS);
      ch = spawned.channel();
      ch.write("pid");
      pid = (Long) ch.read();
    }

    /** {@code count} round trips of a 64-byte message: each one's nanoseconds. */
    long[] echo(int count, int size) throws Exception {
      byte[] msg = new byte[size];
      msg[0] = 'E';
      long[] rt = new long[count];
      for (int i = 0; i < count; i++) {
        long t0 = System.nanoTime();
        ch.write(msg);
        Object back = ch.read();
        rt[i] = System.nanoTime() - t0;
        if (!(back instanceof byte[] b) || b.length != size) {
          throw new IllegalStateException("echo answered " + back);
        }
      }
      return rt;
    }

    /**
     * Writes {@code count} messages of {@code size} bytes (each write serializes it, unless
     * packed: then it is serialized once with prePack and written with writePacked), then
     * "count"; seconds until the worker's count is back.
     */
    double sink(int count, int size, boolean packed) throws Exception {
      byte[] msg = new byte[size];
      long t0 = System.nanoTime();
      if (packed) {
        Packed<Object> p = ch.prePack(msg);
        for (int i = 0; i < count; i++) {
          ch.writePacked(p);
        }
      } else {
        for (int i = 0; i < count; i++) {
          ch.write(msg);
        }
      }
      ch.write("count");
      Object n = ch.read();
      long t1 = System.nanoTime();
      Bare.check(Long.valueOf(count).equals(n), "the sink counted " + n + " of " + count);
      return (t1 - t0) / 1e9;
    }

    @Override
    public void close() throws java.io.IOException {
      ch.write("quit");
      try {
        spawned.result().get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("closing the server");
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new java.io.IOException("the server did not end cleanly: " + e, e);
      } finally {
        ch.close();
      }
    }
  }

  /** n runs at once (all started before any is awaited): seconds until every result is here. */
  static double wide(int n) throws Exception {
    long t0 = System.nanoTime();
    List<CompletableFuture<Integer>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fs.add(Parallel.run(identity(i)));
    }
    for (int i = 0; i < n; i++) {
      int r = fs.get(i).get(TIMEOUT_S, TimeUnit.SECONDS);
      Bare.check(r == i, "wide child " + i + " returned " + r);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The seed's deep cascade: loop(i) runs loop(i - 1) in a new process. */
  static CompletableFuture<Integer> loop(int i) {
    if (i == 0) {
      return CompletableFuture.completedFuture(0);
    }
    return Parallel.run(() -> loop(i - 1).join()).thenApply(j -> j + 1);
  }

  static double deep(int depth) throws Exception {
    long t0 = System.nanoTime();
    int d = loop(depth).get(TIMEOUT_S, TimeUnit.SECONDS);
    Bare.check(d == depth, "loop(" + depth + ") returned " + d);
    return (System.nanoTime() - t0) / 1e9;
  }

  /** fib by nested processes, one per call, fib(n-1) awaited before fib(n-2) starts. */
  static CompletableFuture<Integer> fib(int n) {
    return Parallel.run(() -> n < 2 ? n : fib(n - 1).join() + fib(n - 2).join());
  }

  static double fibTime(int n, int expected) throws Exception {
    long t0 = System.nanoTime();
    int r = fib(n).get(TIMEOUT_S, TimeUnit.SECONDS);
    Bare.check(r == expected, "fib(" + n + ") = " + r);
    return (System.nanoTime() - t0) / 1e9;
  }

  /** {@code total} trivial runs, at most {@code inFlight} at once: seconds for all. */
  static double sustained(int total, int inFlight) throws Exception {
    var slots = new Semaphore(inFlight);
    var done = new CountDownLatch(total);
    var failure = new AtomicReference<Throwable>();
    long t0 = System.nanoTime();
    for (int i = 0; i < total; i++) {
      slots.acquire();
      Parallel.run(trivial()).whenComplete((v, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
        slots.release();
        done.countDown();
      });
    }
    Bare.check(done.await(TIMEOUT_S, TimeUnit.SECONDS), "sustained runs did not finish");
    long t1 = System.nanoTime();
    if (failure.get() != null) {
      throw new IllegalStateException("a sustained run failed", failure.get());
    }
    return (t1 - t0) / 1e9;
  }
}
