package org.asyncparallel.internal.pool;

/**
 * What the pool (the calling process) sends to a pool worker's hub. User values (functions,
 * items, tasks) travel inside as bytes made by {@code Codec} or {@link ItemCodec}, so that the
 * worker decodes them itself and can answer with an error naming what did not decode. Travels as
 * a {@code byte[]} message in {@link PoolWire}'s layout.
 *
 * <pre>
 *   Hello                          first, at once: the worker runs its initializer, answers Ready
 *   Chunk(map, seq, start, items, define)
 *                                  items start, start+1, ...; answered by Results, Partial or
 *                                  ItemFailed. The first chunk of a map a worker gets carries the
 *                                  map's Define(fn, reducer, ended): its function, once per map and
 *                                  worker, and the maps that ended since, whose functions go
 *   Call(call, task)               one task of Pool.submit; answered by CallDone or CallFailed
 *   Stop                           the body returns and the worker exits
 * </pre>
 */
sealed interface Request {
  /** The pool's first message. */
  record Hello() implements Request {}

  /**
   * A map's function, and its reducer ({@code null} for a plain map), each as Codec bytes; and the
   * maps that have ended since the worker last heard of one, whose functions it may drop.
   */
  record Define(byte[] fn, byte[] reducer, long[] ended) {}

  /**
   * Items {@code start ..} of a map, encoded by {@link ItemCodec}; with the map's {@link Define}
   * if it is the first chunk of the map this worker gets, else {@code null}. (One message, not
   * two: the transport hands a second message sent right after a first to its I/O thread.)
   */
  record Chunk(long mapId, long seq, long start, byte[] items, Define define) implements Request {}

  /** One task of {@code Pool.submit}, as Codec bytes. */
  record Call(long callId, byte[] task) implements Request {}

  /** End the worker. */
  record Stop() implements Request {}
}
