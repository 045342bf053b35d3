package org.asyncparallel.internal.pool;

import java.util.HashMap;
import java.util.Map;
import org.asyncparallel.Body;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.ClientId;
import org.asyncparallel.Fn;
import org.asyncparallel.Hub;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Inbox;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Reducer;
import org.asyncparallel.SerializableRunnable;
import org.asyncparallel.Task;
import org.asyncparallel.internal.codec.Codec;

/**
 * The body of a pool worker: a loop over the requests of its one client, the pool's channel
 * (see {@link Request} for the conversation). Runs on the worker's main thread; requests are
 * served one at a time, in arrival order. Returns (and so ends the worker) on {@code Stop}, when
 * the pool's channel goes away, or when the initializer throws.
 */
final class WorkerLoop {
  private static final long PID = ProcessHandle.current().pid();

  /** A map's function and reducer, or why they did not decode. */
  private record Functions(Fn<Object, Object> fn, Reducer<Object> reducer, ParallelException error) {}

  private final Hub<byte[], byte[]> hub;
  private final SerializableRunnable initializer;
  private final Map<Long, Functions> maps = new HashMap<>();
  private ClientId pool;
  private ParallelException undecodable; // the last request that did not decode, if any

  private WorkerLoop(Hub<byte[], byte[]> hub, SerializableRunnable initializer) {
    this.hub = hub;
    this.initializer = initializer;
  }

  /** The body to spawn; it captures the initializer only. */
  static Body<byte[], byte[], String> body(SerializableRunnable initializer) {
    return hub -> new WorkerLoop(hub, initializer).serve();
  }

  private String serve() throws InterruptedException {
    Inbox<HubEvent<byte[]>> inbox = hub.listen();
    boolean started = false;
    while (true) {
      HubEvent<byte[]> event;
      try {
        event = inbox.take();
      } catch (ChannelClosedException e) {
        return "the worker's hub closed";
      } catch (ParallelException e) {
        undecodable = e;
        continue;
      }
      if (event instanceof HubEvent.Disconnect<byte[]> gone && gone.client().equals(pool)) {
        return "the pool's channel went away: " + gone.reason();
      }
      if (!(event instanceof HubEvent.Data<byte[]> data)) {
        continue;
      }
      Request request;
      try {
        request = PoolWire.decodeRequest(data.message());
      } catch (ParallelException e) {
        undecodable = e;
        continue;
      }
      pool = data.client();
      if (!started) {
        started = true;
        if (!initialize()) {
          return "the initializer threw";
        }
      }
      switch (request) {
        case Request.Hello hello -> { }
        case Request.Chunk chunk -> compute(chunk);
        case Request.Call call -> call(call);
        case Request.Stop stop -> {
          return "stopped";
        }
      }
    }
  }

  /** Sends a reply to the pool. */
  private void reply(Reply reply) {
    hub.send(pool, PoolWire.encode(reply));
  }

  private boolean initialize() {
    if (initializer != null) {
      try {
        initializer.run();
      } catch (Throwable t) {
        reply(new Reply.InitFailed(PID, RemoteText.of("the pool's initializer threw", t)));
        return false;
      }
    }
    reply(new Reply.Ready(PID));
    return true;
  }

  @SuppressWarnings("unchecked")
  private static Functions decode(Request.Define define) {
    try {
      var fn = (Fn<Object, Object>) Codec.decode(define.fn(), "the map's function");
      var reducer = define.reducer() == null ? null : (Reducer<Object>) Codec.decode(define.reducer(), "the reducer");
      return new Functions(fn, reducer, null);
    } catch (ParallelException | ClassCastException e) {
      return new Functions(null, null, e instanceof ParallelException p ? p : new ParallelException(e.toString(), e));
    }
  }

  private void compute(Request.Chunk chunk) {
    if (chunk.define() != null) {
      for (long ended : chunk.define().ended()) {
        maps.remove(ended);
      }
      maps.put(chunk.mapId(), decode(chunk.define()));
    }
    Functions fns = maps.get(chunk.mapId());
    if (fns == null || fns.error() != null) {
      ParallelException why = fns != null ? fns.error() : undecodable != null ? undecodable
          : new ParallelException("no function was defined for map " + chunk.mapId());
      fail(chunk, chunk.start(), RemoteText.of("the map's function could not be read in the worker:", why));
      return;
    }
    Object[] items;
    try {
      items = ItemCodec.decode(chunk.items(), "the items");
    } catch (ParallelException e) {
      fail(chunk, chunk.start(), RemoteText.of("the chunk's items could not be read in the worker:", e));
      return;
    }
    if (fns.reducer() == null) {
      mapChunk(chunk, fns.fn(), items);
    } else {
      reduceChunk(chunk, fns.fn(), fns.reducer(), items);
    }
  }

  private void mapChunk(Request.Chunk chunk, Fn<Object, Object> fn, Object[] items) {
    long t0 = System.nanoTime();
    Object[] results = new Object[items.length];
    for (int i = 0; i < items.length; i++) {
      try {
        results[i] = fn.apply(items[i]);
      } catch (Throwable t) {
        fail(chunk, chunk.start() + i, RemoteText.of("the function threw", t));
        return;
      }
    }
    long nanos = System.nanoTime() - t0;
    byte[] bytes;
    try {
      bytes = ItemCodec.encode(results, "the results");
    } catch (ParallelException e) {
      int bad = Math.max(0, ItemCodec.firstUnserializable(results));
      fail(chunk, chunk.start() + bad, RemoteText.of("its result cannot be serialized:", e));
      return;
    }
    send(chunk, new Reply.Results(chunk.mapId(), chunk.seq(), bytes, nanos), items.length);
  }

  private void reduceChunk(Request.Chunk chunk, Fn<Object, Object> fn, Reducer<Object> reducer, Object[] items) {
    long t0 = System.nanoTime();
    Object combined = null;
    for (int i = 0; i < items.length; i++) {
      Object result;
      try {
        result = fn.apply(items[i]);
      } catch (Throwable t) {
        fail(chunk, chunk.start() + i, RemoteText.of("the function threw", t));
        return;
      }
      try {
        combined = i == 0 ? result : reducer.combine(combined, result);
      } catch (Throwable t) {
        fail(chunk, chunk.start() + i, RemoteText.of("the reducer threw", t));
        return;
      }
    }
    long nanos = System.nanoTime() - t0;
    byte[] bytes;
    try {
      bytes = Codec.encode(combined, "the combined result");
    } catch (ParallelException e) {
      fail(chunk, chunk.start(), RemoteText.of("the combined result of its chunk cannot be serialized:", e));
      return;
    }
    send(chunk, new Reply.Partial(chunk.mapId(), chunk.seq(), bytes, nanos), items.length);
  }

  /** Sends a chunk's answer; one that does not fit in a message becomes that chunk's failure. */
  private void send(Request.Chunk chunk, Reply reply, int items) {
    try {
      reply(reply);
    } catch (ParallelException e) {
      fail(chunk, chunk.start(), RemoteText.of("the results of items " + chunk.start() + ".."
          + (chunk.start() + items - 1) + " do not fit in one message (a smaller PoolConfig.chunkSize helps):", e));
    }
  }

  private void fail(Request.Chunk chunk, long index, RemoteText error) {
    reply(new Reply.ItemFailed(chunk.mapId(), chunk.seq(), index, error));
  }

  private void call(Request.Call call) {
    Task<?> task;
    try {
      task = (Task<?>) Codec.decode(call.task(), "the task");
    } catch (ParallelException | ClassCastException e) {
      reply(new Reply.CallFailed(call.callId(),
          RemoteText.of("the task could not be read in the worker:", e)));
      return;
    }
    Object value;
    try {
      value = task.call();
    } catch (Throwable t) {
      reply(new Reply.CallFailed(call.callId(), RemoteText.of("the task threw", t)));
      return;
    }
    try {
      reply(new Reply.CallDone(call.callId(), Codec.encode(value, "the task's result")));
    } catch (ParallelException e) {
      reply(new Reply.CallFailed(call.callId(), RemoteText.of("the task's result cannot be sent:", e)));
    }
  }
}
