package org.asyncparallel.internal.pool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncparallel.Body;
import org.asyncparallel.Fn;
import org.asyncparallel.Inbox;
import org.asyncparallel.Indexed;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Pool;
import org.asyncparallel.PoolConfig;
import org.asyncparallel.Progress;
import org.asyncparallel.Reducer;
import org.asyncparallel.Task;
import org.asyncparallel.UnknownMachineException;
import org.asyncparallel.WorkerException;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.codec.Codec;
import org.asyncparallel.internal.runtime.ProcessRuntime;

/**
 * A pool: its {@link Crew} of spawned workers (each running {@link WorkerLoop}), the
 * {@link Calls} of {@code submit}, and one {@link MapRun} per map. This class wires them: it
 * routes each worker's replies to the call or map they answer, and tells them when a worker is
 * lost, when one joins, and when the pool breaks or closes.
 *
 * <p>Threads: the callers' (a map's driver is its caller's thread, except for
 * {@code mapUnordered}, which gets a thread {@code asyncparallel-pool-<n>-map-<id>}); the process's
 * I/O thread, which calls {@link #onReply} as each reply arrives (see {@link PoolWorker}); the
 * callback executor, which calls {@link #onEnd}, completes {@code submit} futures and takes on
 * replacement workers. The maps are
 * found in a concurrent map; everything else is guarded inside {@link Crew} and {@link Calls}.
 */
public final class RealPool implements Pool, PoolWorker.Listener, Crew.Events {
  /** Chunks a worker is given before it answers (calls are not limited). */
  static final int WINDOW = 3;
  private static final AtomicLong IDS = new AtomicLong();
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final PoolConfig config;
  private final String name;
  private final int slots;
  private final WorkerFactory factory;
  private final Crew crew;
  private final Calls calls;
  private final ProgressMeter meter = new ProgressMeter();
  private final Map<Long, MapRun> runs = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  private RealPool(PoolConfig config, Body<byte[], byte[], String> body, String localMachine) {
    this.config = config;
    this.name = "pool-" + POOLS.incrementAndGet();
    List<String> machines = new ArrayList<>(config.machines());
    if (machines.isEmpty()) {
      machines.add(null);
    }
    this.slots = machines.size() * config.workersPerMachine();
    this.factory = new WorkerFactory(name, body, machines, localMachine);
    this.crew = new Crew(factory, this, this, slots);
    this.calls = new Calls(crew);
  }

  /**
   * See {@code Parallel.pool(PoolConfig)}: checks the machines and the initializer, then starts
   * every worker and waits for them.
   */
  public static Pool start(PoolConfig config) {
    Objects.requireNonNull(config, "config");
    var settings = ProcessRuntime.current().settings();
    List<String> known = settings.cluster().machines();
    for (String machine : config.machines()) {
      if (!known.contains(machine)) {
        throw new UnknownMachineException(machine, known);
      }
    }
    Body<byte[], byte[], String> body = WorkerLoop.body(config.initializer());
    Codec.encode(body, "the pool's initializer");
    var pool = new RealPool(config, body, settings.localMachine());
    pool.crew.begin(pool.factory.spawnAll(config.workersPerMachine()));
    return pool;
  }

  // ------------------------------------------------------------------ the calls

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> submit(Task<T> task) {
    Objects.requireNonNull(task, "task");
    crew.checkOpen();
    byte[] bytes;
    try {
      bytes = Codec.encode(task, "the task");
    } catch (ParallelException e) {
      return CompletableFuture.failedFuture(e);
    }
    ParallelException broken = crew.broken();
    if (broken != null) {
      return CompletableFuture.failedFuture(Failures.again(broken));
    }
    return (CompletableFuture<T>) calls.submit(IDS.incrementAndGet(), bytes);
  }

  @Override
  public <A, B> List<B> map(Iterable<A> items, Fn<A, B> f) {
    var sink = new ResultSink.Ordered();
    ParallelException failure = newRun(items, f, null, sink).drive();
    if (failure != null) {
      throw failure;
    }
    return sink.list();
  }

  @Override
  public <A, B> Inbox<Indexed<B>> mapUnordered(Iterable<A> items, Fn<A, B> f) {
    var inbox = new UnorderedInbox<B>();
    MapRun run = newRun(items, f, null, inbox);
    inbox.connect(run::poke, run::cancel);
    Threads.startPlatform(name + "-map-" + run.id, () -> {
      try {
        run.drive();
      } catch (RuntimeException | Error e) {
        inbox.fail(new ParallelException("the map's driver failed: " + e, e));
      }
    });
    return inbox;
  }

  @Override
  public <A, B> B mapReduce(Iterable<A> items, Fn<A, B> f, Reducer<B> reducer) {
    Objects.requireNonNull(reducer, "reducer");
    var sink = new ResultSink.Reduced<B>(reducer);
    ParallelException failure = newRun(items, f, reducer, sink).drive();
    if (failure != null) {
      throw failure;
    }
    if (!sink.any()) {
      throw new IllegalArgumentException("mapReduce needs at least one item; the input was empty");
    }
    return sink.value();
  }

  /**
   * Serializes the function (on the caller's thread) and registers a new map. A pool that breaks
   * or closes just after is noticed: either the map is registered in time to be told, or it sees
   * the breakage itself.
   */
  private MapRun newRun(Iterable<?> items, Fn<?, ?> f, Reducer<?> reducer, ResultSink sink) {
    Objects.requireNonNull(items, "items");
    Objects.requireNonNull(f, "f");
    crew.checkOpen();
    ParallelException broken = crew.broken();
    if (broken != null) {
      throw Failures.again(broken);
    }
    byte[] fn = Codec.encode(f, "the function");
    byte[] combine = reducer == null ? null : Codec.encode(reducer, "the reducer");
    long known = items instanceof Collection<?> c ? c.size() : -1;
    long id = IDS.incrementAndGet();
    ProgressMeter.Entry entry = meter.begin();
    if (known >= 0) {
      entry.total(known);
    }
    var run = new MapRun(id, this, items.iterator(), fn, combine, sink,
        new ChunkSizer(config.chunkSize(), known, slots, f.getClass()),
        config.maxInFlight() > 0 ? config.maxInFlight() : WINDOW * slots, entry,
        config.progressBar() ? ProgressBar.onTerminal() : null);
    runs.put(id, run);
    ParallelException ending = crew.ending();
    if (ending != null) {
      run.post(new MapRun.Broken(ending));
    }
    return run;
  }

  @Override
  public Progress progress() {
    return meter.now();
  }

  @Override
  public int size() {
    return crew.size();
  }

  // ------------------------------------------------------------------ for the maps

  /** A live worker with room for a chunk, its load counted; or null. */
  PoolWorker reserve() {
    return crew.reserve(WINDOW);
  }

  /** A chunk of {@code from} no longer weighs on {@code worker}: the other maps may use the room. */
  void release(PoolWorker worker, MapRun from) {
    worker.load.decrementAndGet();
    pokeMaps(from);
  }

  private void pokeMaps(MapRun except) {
    for (MapRun run : runs.values()) {
      if (run != except) {
        run.poke();
      }
    }
  }

  /** The map has ended: its workers may forget its function (they are told with their next map). */
  void ended(MapRun run) {
    runs.remove(run.id);
    for (PoolWorker w : crew.live()) {
      w.mapEnded(run.id);
    }
  }

  void progressEnded(ProgressMeter.Entry entry) {
    meter.end(entry);
  }

  // ------------------------------------------------------------------ from the workers and the crew

  @Override
  public void onReply(PoolWorker worker, Reply reply) {
    switch (reply) {
      case Reply.Ready r -> {
        worker.markReady(r.pid());
        crew.ready();
      }
      case Reply.InitFailed f -> {
        worker.notePid(f.pid());
        crew.breakWith(new WorkerException(f.error().className(), f.error().what() + " in " + worker.describe()
            + ": " + f.error().trace()));
      }
      case Reply.Results r -> route(r.mapId(), worker, r.seq(), r);
      case Reply.Partial p -> route(p.mapId(), worker, p.seq(), p);
      case Reply.ItemFailed f -> route(f.mapId(), worker, f.seq(), f);
      case Reply.CallDone d -> callAnswered(d.callId(), d);
      case Reply.CallFailed f -> callAnswered(f.callId(), f);
    }
  }

  private void route(long mapId, PoolWorker worker, long seq, Reply reply) {
    MapRun run = runs.get(mapId);
    if (run != null) {
      run.post(new MapRun.Answer(worker, seq, reply));
    }
  }

  private void callAnswered(long callId, Reply reply) {
    if (calls.answered(callId, reply) != null) {
      pokeMaps(null);
    }
  }

  @Override
  public void onEnd(PoolWorker worker, String reason) {
    crew.ended(worker, reason);
  }

  @Override
  public void lost(PoolWorker worker, String reason) {
    for (MapRun run : runs.values()) {
      run.post(new MapRun.Lost(worker, reason));
    }
    calls.lost(worker, reason);
  }

  @Override
  public void joined(PoolWorker worker) {
    pokeMaps(null);
    calls.dispatch();
  }

  @Override
  public void broken(ParallelException error) {
    calls.end(error);
    for (MapRun run : runs.values()) {
      run.post(new MapRun.Broken(error));
    }
  }

  // ------------------------------------------------------------------ the end

  @Override
  public void close() {
    List<PoolWorker> workers = crew.close();
    if (workers == null) {
      closed.join();
      return;
    }
    try {
      var error = new ParallelException("the pool was closed");
      calls.end(error);
      for (MapRun run : runs.values()) {
        run.post(new MapRun.Broken(error));
      }
      WorkerFactory.end(workers);
    } finally {
      closed.complete(null);
    }
  }

  @Override
  public String toString() {
    return "Pool[" + name + ", " + size() + " of " + slots + " workers on "
        + (config.machines().isEmpty() ? "this machine" : config.machines()) + "]";
  }
}
