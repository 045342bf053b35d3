package org.asyncparallel.internal.pool;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.asyncparallel.ParallelException;
import org.asyncparallel.WorkerDiedException;
import org.asyncparallel.WorkerException;
import org.asyncparallel.internal.codec.Codec;

/**
 * One {@code map}, {@code mapUnordered} or {@code mapReduce} call: cuts the input into chunks,
 * sends them to the pool's least busy workers, collects the answers into its {@link ResultSink},
 * and sends again the chunks of workers that died.
 *
 * <p>All of its state is confined to one <em>driver</em> thread (the caller's, or for
 * {@code mapUnordered} a thread of the pool), which also reads the input. Other threads only
 * {@link #post} events: the I/O thread posts answers, the callback executor deaths, the pool its
 * breakage, the inbox consumption and closing. A worker's answers are always posted before its
 * death (its end is handed on only after its last reply was), so a chunk is resent only if it was
 * not answered;
 * an answer for a chunk no longer outstanding is dropped all the same.
 *
 * <pre>
 *   cut ──▶ outstanding (sent to a worker) ──answer──▶ sink
 *                  │ worker died          ▲
 *                  ▼                      │
 *               retry ────── resent ──────┘   (at most MAX_ATTEMPTS workers per chunk)
 * </pre>
 */
final class MapRun {
  /** Workers a chunk may be sent to before the map gives up on it. */
  static final int MAX_ATTEMPTS = 3;
  private static final long TICK_MILLIS = 200;
  /** How long a failing map waits for a dead worker's exit status, for its message. */
  static final long DEATH_REASON_MILLIS = 10_000;

  /** A worker's answer about a chunk of this map. */
  record Answer(PoolWorker worker, long seq, Reply reply) {}

  /** A worker ended; its chunks come back. */
  record Lost(PoolWorker worker, String reason) {}

  /** The pool is broken or closed. */
  record Broken(ParallelException error) {}

  private enum Signal { POKE, CANCEL }

  /** A chunk of the input: items {@code start .. start+count-1}. */
  private static final class Chunk {
    final long seq;
    final long start;
    final int count;
    final byte[] items;
    PoolWorker worker;
    int attempts;

    Chunk(long seq, long start, int count, byte[] items) {
      this.seq = seq;
      this.start = start;
      this.count = count;
      this.items = items;
    }

    String range() {
      return count == 1 ? "item " + start : "items " + start + ".." + (start + count - 1);
    }
  }

  final long id;
  private final RealPool pool;
  private final Iterator<?> items;
  private final byte[] fn;
  private final byte[] reducer;
  private final ResultSink sink;
  private final ChunkSizer sizer;
  private final int maxInFlight;
  private final ProgressMeter.Entry progress;
  private final ProgressBar bar;
  private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final AtomicBoolean poked = new AtomicBoolean();

  // driver-confined
  private final Map<Long, Chunk> outstanding = new LinkedHashMap<>();
  private final ArrayDeque<Chunk> retry = new ArrayDeque<>();
  private long nextIndex;
  private long nextSeq;
  private boolean exhausted;
  private ParallelException failure;

  /**
   * @param fn the function, as Codec bytes
   * @param reducer the reducer, as Codec bytes, or null for a plain map
   */
  MapRun(long id, RealPool pool, Iterator<?> items, byte[] fn, byte[] reducer, ResultSink sink, ChunkSizer sizer,
      int maxInFlight, ProgressMeter.Entry progress, ProgressBar bar) {
    this.id = id;
    this.pool = pool;
    this.items = items;
    this.fn = fn;
    this.reducer = reducer;
    this.sink = sink;
    this.sizer = sizer;
    this.maxInFlight = maxInFlight;
    this.progress = progress;
    this.bar = bar;
  }

  /** Queues an event for the driver. Any thread. */
  void post(Object event) {
    events.add(event);
  }

  /** Wakes the driver to look for free workers again (coalesced). Any thread. */
  void poke() {
    if (poked.compareAndSet(false, true)) {
      events.add(Signal.POKE);
    }
  }

  /** Stops the map: the consumer closed its inbox. Any thread. */
  void cancel() {
    events.add(Signal.CANCEL);
  }

  /**
   * Runs the map to its end on the calling thread (the driver). Returns null once every result is
   * in the sink (which is then finished), or the failure (the sink is then failed).
   */
  ParallelException drive() {
    try {
      loop();
    } finally {
      cleanUp();
    }
    if (failure != null) {
      sink.fail(failure);
      return failure;
    }
    sink.finish();
    return null;
  }

  private void loop() {
    while (true) {
      if (failure == null) {
        fill();
      }
      if (failure != null || (exhausted && outstanding.isEmpty())) {
        return;
      }
      try {
        Object event = events.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
        while (event != null && failure == null) {
          handle(event);
          event = events.poll();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure = new ParallelException("interrupted while waiting for the map's results", e);
        return;
      }
      if (bar != null) {
        bar.update(progress.now(), progress.startNanos());
      }
    }
  }

  /** Sends chunks while there are free workers, chunks to resend, and room under the bound. */
  private void fill() {
    while (failure == null) {
      boolean mayCut = !exhausted && outstanding.size() + sink.held() < maxInFlight;
      if (retry.isEmpty() && !mayCut) {
        return;
      }
      PoolWorker worker = pool.reserve();
      if (worker == null) {
        return;
      }
      Chunk chunk = !retry.isEmpty() ? retry.pollFirst() : cut();
      if (chunk == null) {
        pool.release(worker, this);
        return;
      }
      send(worker, chunk);
    }
  }

  /** The next chunk of the input, or null at its end (or if reading it failed). */
  private Chunk cut() {
    int size = sizer.next();
    Object[] buffer = new Object[Math.min(size, 4096)];
    int n = 0;
    try {
      while (n < size && items.hasNext()) {
        if (n == buffer.length) {
          buffer = Arrays.copyOf(buffer, (int) Math.min(size, 2L * buffer.length));
        }
        buffer[n++] = items.next();
      }
      if (!items.hasNext()) {
        exhausted = true;
        progress.total(nextIndex + n);
      }
    } catch (RuntimeException e) {
      failure = new ParallelException("the input's iterator threw " + e, e);
      return null;
    }
    if (n == 0) {
      return null;
    }
    Object[] values = n == buffer.length ? buffer : Arrays.copyOf(buffer, n);
    byte[] bytes;
    try {
      bytes = ItemCodec.encode(values, "the items");
    } catch (ParallelException e) {
      long bad = nextIndex + Math.max(0, ItemCodec.firstUnserializable(values));
      failure = new ParallelException("item " + bad + " of the map cannot be sent: " + e.getMessage(), e.getCause());
      return null;
    }
    sizer.observeBytes(n, bytes.length);
    var chunk = new Chunk(nextSeq++, nextIndex, n, bytes);
    nextIndex += n;
    outstanding.put(chunk.seq, chunk);
    return chunk;
  }

  private void send(PoolWorker worker, Chunk chunk) {
    chunk.worker = worker;
    chunk.attempts++;
    try {
      Request.Define define = worker.defineOnce(id, fn, reducer);
      worker.send(new Request.Chunk(id, chunk.seq, chunk.start, chunk.items, define));
    } catch (ParallelException e) {
      chunk.worker = null;
      pool.release(worker, this);
      failure = new ParallelException(chunk.range() + " of the map do not fit in one message (a smaller "
          + "PoolConfig.chunkSize helps): " + e.getMessage(), e);
    }
  }

  private void handle(Object event) {
    switch (event) {
      case Answer a -> answer(a);
      case Lost l -> lost(l.worker(), l.reason());
      case Broken b -> failure = Failures.again(b.error());
      case Signal s -> {
        if (s == Signal.CANCEL) {
          failure = new ParallelException("the map was cancelled: its inbox was closed");
        } else {
          poked.set(false);
        }
      }
      default -> throw new IllegalStateException("unexpected event " + event);
    }
  }

  private void answer(Answer a) {
    Chunk chunk = outstanding.remove(a.seq());
    if (chunk == null) {
      return; // answered already
    }
    if (chunk.worker != null) {
      pool.release(chunk.worker, this);
      chunk.worker = null;
    }
    try {
      switch (a.reply()) {
        case Reply.Results r -> {
          sizer.observeTime(chunk.count, r.nanos());
          sizer.observeBytes(chunk.count, r.values().length);
          sink.accept(chunk.seq, chunk.start, ItemCodec.decode(r.values(), "the results of " + chunk.range()));
        }
        case Reply.Partial p -> {
          sizer.observeTime(chunk.count, p.nanos());
          sink.accept(chunk.seq, chunk.start, Codec.decode(p.value(), "the combined result of " + chunk.range()));
        }
        case Reply.ItemFailed f -> {
          failure = new WorkerException(f.error().className(), "item " + f.index() + " of the map failed on "
              + a.worker().describe() + ": " + f.error().describe());
          return;
        }
        default -> throw new IllegalStateException("not an answer about a chunk: " + a.reply());
      }
    } catch (ParallelException e) {
      failure = e;
      return;
    } catch (Exception e) {
      failure = new ParallelException("the reducer threw in the calling process: " + e, e);
      return;
    }
    progress.add(chunk.count);
  }

  private void lost(PoolWorker worker, String reason) {
    for (Chunk chunk : outstanding.values()) {
      if (chunk.worker != worker) {
        continue;
      }
      chunk.worker = null;
      if (chunk.attempts >= MAX_ATTEMPTS) {
        failure = new WorkerDiedException(chunk.range() + " of the map were lost: " + chunk.attempts
            + " workers died with them; the last, " + worker.describe() + ": "
            + worker.awaitDeathReason(DEATH_REASON_MILLIS, reason));
        return;
      }
      retry.addLast(chunk);
    }
  }

  private void cleanUp() {
    pool.ended(this);
    for (Chunk chunk : outstanding.values()) {
      if (chunk.worker != null) {
        pool.release(chunk.worker, this);
      }
    }
    pool.progressEnded(progress);
    if (bar != null) {
      bar.finish(progress.now());
    }
  }
}
