package org.asyncparallel.internal.pool;

import java.io.Serializable;

/**
 * What the pool (the calling process) sends to a pool worker's hub. User values (functions,
 * items, tasks) travel inside as bytes made by {@code Codec} or {@link ItemCodec}, so that the
 * worker decodes them itself and can answer with an error naming what did not decode.
 *
 * <pre>
 *   Hello                          first, at once: the worker runs its initializer, answers Ready
 *   Define(map, fn, reducer, ended)  once per map and worker, before the map's first chunk there;
 *                                  it also names the maps that ended since: their functions go
 *   Chunk(map, seq, start, items)  items start, start+1, ...; answered by Results, Partial or ItemFailed
 *   Call(call, task)               one task of Pool.submit; answered by CallDone or CallFailed
 *   Stop                           the body returns and the worker exits
 * </pre>
 */
sealed interface Request extends Serializable {
  /** The pool's first message. */
  record Hello() implements Request {}

  /**
   * A map's function, and its reducer ({@code null} for a plain map), each as Codec bytes; and the
   * maps that have ended since the worker last heard of one, whose functions it may drop.
   */
  record Define(long mapId, byte[] fn, byte[] reducer, long[] ended) implements Request {}

  /** Items {@code start ..} of a map, encoded by {@link ItemCodec}. */
  record Chunk(long mapId, long seq, long start, byte[] items) implements Request {}

  /** One task of {@code Pool.submit}, as Codec bytes. */
  record Call(long callId, byte[] task) implements Request {}

  /** End the worker. */
  record Stop() implements Request {}
}
