package org.asyncparallel.internal.pool;

import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.asyncparallel.Channel;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Spawned;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.runtime.RealChannel;
import org.asyncparallel.internal.wire.Message;

/**
 * The pool's side of one pool worker: the channel to its hub and the future of its body.
 *
 * <p>The thread that reads the worker's connection (the process's I/O thread, or a caller waiting
 * for a {@code submit} that reads it itself) hands every reply to the {@link Listener} in arrival
 * order as it arrives (no reader thread per worker) and, last of all, once the channel has ended, the worker's
 * end is reported (on the callback executor): so everything a worker answered is seen before its
 * death. The worker's end is noticed either way: its channel ends (the process died, or its
 * body returned), or its body's future fails first (its machine was lost while the connection
 * stayed open), which closes the channel.
 */
final class PoolWorker {
  /**
   * What the pool hears from a worker: replies on the reading thread (so {@code onReply} must not block
   * or run user code), its end on the callback executor.
   */
  interface Listener {
    void onReply(PoolWorker worker, Reply reply);

    /** The worker has ended; {@code reason} says how (with the exit status or signal when known). */
    void onEnd(PoolWorker worker, String reason);
  }

  /** How long a worker whose connection ended may take to exit before it is killed. */
  private static final long KILL_AFTER_MILLIS = 10_000;

  final String name;
  /** Its machine's name in the cluster, or {@code null} for the pool's own machine. */
  final String machine;
  /** True if it runs on this machine (its pid is one of this machine's). */
  private final boolean local;
  /** Chunks and calls sent to it and not yet answered (counted by whoever sent them). */
  final AtomicInteger load = new AtomicInteger();
  /** The maps whose function it has been sent. */
  final Set<Long> defined = ConcurrentHashMap.newKeySet();
  /** Maps it was sent that have ended since; told with its next {@code Define}. */
  private final Set<Long> ended = ConcurrentHashMap.newKeySet();
  private final Channel<byte[], byte[]> channel;
  private final CompletableFuture<String> result;
  private volatile long pid = -1;
  private volatile boolean ready;

  PoolWorker(String name, String machine, boolean local, Spawned<byte[], byte[], String> spawned) {
    this.name = name;
    this.machine = machine;
    this.local = local;
    this.channel = spawned.channel();
    this.result = spawned.result();
  }

  /**
   * Says hello (the worker then runs its initializer) and has its replies handed to the listener
   * as they arrive, on the reading thread (decoded there: they are the library's records, the user's
   * values inside stay bytes), then its end, on the callback executor.
   */
  void start(Listener listener) {
    RealChannel.deliverTo(channel, new RealChannel.Arrivals() {
      private boolean over; // the reading thread's (one at a time, under the connection's reading lock)

      @Override
      public void onData(Message.Data data) {
        if (over) {
          return;
        }
        Reply reply;
        try {
          if (!data.plain()) {
            throw new ParallelException("a reply of " + describe() + " that is not a pool reply (" + data.payload().length
                + " bytes of a value)");
          }
          reply = PoolWire.decodeReply(data.payload());
        } catch (RuntimeException e) {
          giveUp(listener, "a reply could not be read (" + e.getMessage() + "); it was killed");
          return;
        }
        try {
          listener.onReply(PoolWorker.this, reply);
        } catch (RuntimeException e) { // a bug: the worker's answers can no longer be trusted
          giveUp(listener, "its reply " + reply.getClass().getSimpleName() + " could not be handled (" + e
              + "); it was killed");
        }
      }

      @Override
      public void onEnd(String reason) {
        if (!over) {
          over = true;
          Threads.CALLBACKS.execute(() -> ended(listener, "its connection ended (" + reason + ")"));
        }
      }

      private void giveUp(Listener listener, String why) {
        over = true;
        kill();
        Threads.CALLBACKS.execute(() -> listener.onEnd(PoolWorker.this, why));
      }
    });
    send(new Request.Hello());
    result.whenComplete((value, failure) -> channel.close());
  }

  /**
   * Queues a request; never blocks on the network. A worker that has died drops it silently (its
   * end is reported anyway).
   *
   * @throws org.asyncparallel.ParallelException if the request does not fit in one message
   */
  void send(Request request) {
    channel.write(PoolWire.encode(request));
  }

  /** A map whose function this worker has has ended: it will be told to drop it. */
  void mapEnded(long mapId) {
    if (defined.remove(mapId)) {
      ended.add(mapId);
    }
  }

  /**
   * The {@code Define} of a map for this worker if it has not had it yet, else null. It also names
   * the maps that have ended.
   */
  Request.Define defineOnce(long mapId, byte[] fn, byte[] reducer) {
    if (!defined.add(mapId)) {
      return null;
    }
    long[] gone = ended.stream().mapToLong(Long::longValue).toArray();
    for (long id : gone) {
      ended.remove(id);
    }
    return new Request.Define(fn, reducer, gone);
  }

  /** Asks the worker to end: its body returns. */
  void stop() {
    try {
      send(new Request.Stop());
    } catch (RuntimeException e) {
      kill();
    }
  }

  /** The connection its replies arrive on. */
  Connection connection() {
    return RealChannel.connectionOf(channel);
  }

  /** Kills the worker's process. */
  void kill() {
    result.cancel(true);
  }

  /**
   * Waits at most {@code millis} for the worker's process to be gone, when it runs on this machine
   * and its pid is known (its body's future completes as soon as it is killed, a moment before).
   */
  void awaitExit(long millis) throws InterruptedException {
    long known = pid;
    if (!local || known <= 0) {
      return;
    }
    var handle = ProcessHandle.of(known);
    if (handle.isPresent()) {
      try {
        handle.get().onExit().get(millis, TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // gone some other way, or still there: nothing more to do
      }
    }
  }

  /** The future of the worker's body: it completes when the worker process has ended. */
  CompletableFuture<String> result() {
    return result;
  }

  void markReady(long workerPid) {
    this.pid = workerPid;
    this.ready = true;
  }

  void notePid(long workerPid) {
    this.pid = workerPid;
  }

  /** True once the worker has run its initializer and said so. */
  boolean ready() {
    return ready;
  }

  /** "worker pid 123 on machine host1", or "on this machine". */
  String describe() {
    return "pool worker " + (pid > 0 ? "pid " + pid + " " : "")
        + (machine == null ? "on this machine" : "on machine " + machine);
  }

  /**
   * The channel has ended: reports the end at once (nothing more can come from this worker, so its
   * work may go elsewhere), and kills the process if it has not ended within a while.
   */
  private void ended(Listener listener, String channelEnd) {
    Threads.TIMER.schedule(() -> {
      if (!result.isDone()) {
        kill();
      }
    }, KILL_AFTER_MILLIS, TimeUnit.MILLISECONDS);
    listener.onEnd(this, reasonNow(channelEnd));
  }

  private String reasonNow(String otherwise) {
    if (!result.isDone()) {
      return otherwise;
    }
    try {
      return "its body returned (" + result.getNow(null) + ")";
    } catch (CancellationException e) {
      return "it was killed by the pool";
    } catch (CompletionException e) {
      return e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
    }
  }

  /**
   * Why the worker ended, waiting at most {@code millis} for its process's own account (exit status
   * or signal, the end of its stderr): for the message of a call that fails because of it.
   */
  String awaitDeathReason(long millis, String otherwise) {
    try {
      result.get(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | CancellationException | TimeoutException e) {
      // told below
    }
    return reasonNow(otherwise);
  }

  @Override
  public String toString() {
    return describe();
  }
}
