package org.asyncparallel;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Long-lived worker processes fed with many small tasks (Python's {@code multiprocessing.Pool},
 * Rpc_parallel's {@code Map_reduce}). Made by {@link Parallel#pool(int)} or
 * {@link Parallel#pool(PoolConfig)}; each worker is a {@link Parallel#spawn spawned} worker that
 * runs the pool's initializer once, then serves requests until the pool is closed.
 *
 * <pre>{@code
 * try (Pool pool = Parallel.pool(4)) {
 *   List<Integer> squares = pool.map(List.of(1, 2, 3), x -> x * x);      // [1, 4, 9]
 *   long sum = pool.mapReduce(List.of(1L, 2L, 3L), x -> x * 10, Long::sum); // 60
 * }
 * }</pre>
 *
 * <p><b>Items travel in chunks.</b> The calling process cuts the input into chunks (their size is
 * chosen automatically, aiming at a few milliseconds of work each, unless
 * {@link PoolConfig.Builder#chunkSize} fixes it) and keeps at most
 * {@link PoolConfig.Builder#maxInFlight} chunks of one call out at once, so an endless
 * {@link Iterable} given to {@link #mapUnordered} runs in bounded memory. The function is sent once
 * per map to each worker that takes part, not with every chunk.
 *
 * <p><b>Failures.</b> An item whose function throws fails the call with {@link WorkerException}
 * naming the item's index. A worker that dies (killed, {@code halt}, out of memory, its machine
 * lost) is replaced, on the same machine if it can be, else on another of the pool's machines; its
 * unfinished chunks are sent again to other workers, and a result that arrives twice is kept once,
 * so nothing is lost and nothing appears twice. A chunk that was out on three workers that all died
 * fails the call with {@link WorkerDiedException}. If the initializer throws in a worker, or no
 * worker can be started any more, the pool is <em>broken</em>: every pending and later call fails
 * with that error.
 *
 * <p><b>Progress.</b> While a map runs, {@link #progress()} says how far it is; if standard error
 * is a terminal, a map that runs longer than a second draws a progress bar there
 * ({@link PoolConfig.Builder#progressBar} turns it off).
 *
 * <p>Any thread of the process that made the pool may call any method, also several maps at once
 * (they share the workers). A pool is not serializable: it belongs to the process that made it.
 * Close it when done; {@link Parallel#shutdown()} also ends its workers.
 */
public interface Pool extends AutoCloseable {
  /**
   * Runs one task on some worker of the pool (the least busy one). The task is serialized on the
   * caller's thread. Never blocks. If the worker dies before answering, the task runs again on
   * another worker (at most three workers in all). Cancelling the future does not stop the task:
   * it runs to its end on its worker, and its answer is dropped.
   *
   * <p>The future fails with: {@link WorkerException} if the task threw (or its result cannot be
   * serialized); {@link WorkerDiedException} if three workers died running it, or the pool lost
   * every worker; a {@link ParallelException} caused by {@link java.io.NotSerializableException}
   * if the task cannot be serialized; the pool's error if it is broken; a
   * {@link ParallelException} if the pool is closed before the answer arrives.
   *
   * @throws IllegalStateException if the pool is closed
   */
  <T> CompletableFuture<T> submit(Task<T> task);

  /**
   * Applies {@code f} to every item on the workers and returns the results in input order. Blocks
   * until every result is back. The input is read on the caller's thread, chunk by chunk, as
   * workers become free.
   *
   * @throws WorkerException if {@code f} threw for an item (the message names the item's index and
   *     holds the remote stack trace); no more items are sent then
   * @throws WorkerDiedException if a chunk was out on three workers that died, or the pool lost
   *     every worker
   * @throws ParallelException if {@code f}, an item or a result cannot be serialized (naming the
   *     class), if the input's iterator threw (as the cause), if the pool is broken (its error) or
   *     closed meanwhile, or if the caller is interrupted (the interrupt flag stays set)
   * @throws IllegalStateException if the pool is closed
   */
  <A, B> List<B> map(Iterable<A> items, Fn<A, B> f);

  /**
   * Applies {@code f} to every item on the workers and delivers each result as soon as its chunk
   * is back, with its input index. Returns at once; the input is read on a thread of the pool. The
   * inbox ends (iteration stops, {@code take} throws {@link ChannelClosedException}) once every
   * result has been delivered. Results waiting in the inbox count against
   * {@link PoolConfig.Builder#maxInFlight}: a consumer that stops taking stops the map, so an
   * endless input runs in bounded memory. Closing the inbox cancels the map.
   *
   * <p>If the map fails, the results already received are delivered first, then {@code take}
   * (and iteration) throws the failure, as {@link #map} would.
   *
   * @throws ParallelException if {@code f} cannot be serialized (naming the class), or the pool is
   *     broken
   * @throws IllegalStateException if the pool is closed
   */
  <A, B> Inbox<Indexed<B>> mapUnordered(Iterable<A> items, Fn<A, B> f);

  /**
   * Applies {@code f} to every item on the workers and combines all the results with
   * {@code reducer}, which must be associative and commutative: each worker combines the results of
   * each chunk it computed, and the calling process combines those partial results as they arrive.
   * Blocks until done.
   *
   * @throws IllegalArgumentException if there are no items
   * @throws WorkerException if {@code f} or {@code reducer} threw in a worker (naming an item index)
   * @throws ParallelException if {@code reducer} threw in the calling process (as the cause), or
   *     for any reason {@link #map} gives
   * @throws WorkerDiedException as {@link #map}
   * @throws IllegalStateException if the pool is closed
   */
  <A, B> B mapReduce(Iterable<A> items, Fn<A, B> f, Reducer<B> reducer);

  /**
   * How far the maps running now have come, added together ({@code total} is {@code -1} while one
   * of them has not read its input to the end); when none runs, the last one's final figures; and
   * {@link Progress#NONE} before the first. Never blocks.
   */
  Progress progress();

  /** The number of live workers now (less than configured while dead ones are being replaced). */
  int size();

  /**
   * Ends every worker of the pool: asks each to stop, waits a bounded time (2 s), then kills the
   * rest. Calls still running fail with a {@link ParallelException}. Blocks until the workers are
   * gone. Idempotent.
   */
  @Override
  void close();
}
