package org.asyncparallel.internal.pool;

/**
 * What a pool worker sends back to the pool. User values travel inside as bytes, decoded by the
 * pool where it can tell which map or call they belong to. Travels as a {@code byte[]} message in
 * {@link PoolWire}'s layout.
 */
sealed interface Reply {
  /** The initializer has run (or there is none): the worker serves from now on. */
  record Ready(long pid) implements Reply {}

  /** The initializer threw; the worker ends. */
  record InitFailed(long pid, RemoteText error) implements Reply {}

  /** The results of a chunk, encoded by {@link ItemCodec}, and the nanoseconds it took to compute them. */
  record Results(long mapId, long seq, byte[] values, long nanos) implements Reply {}

  /** The combined result of a chunk of a mapReduce, as Codec bytes. */
  record Partial(long mapId, long seq, byte[] value, long nanos) implements Reply {}

  /** The item at {@code index} failed: the function or reducer threw, or something did not (de)serialize. */
  record ItemFailed(long mapId, long seq, long index, RemoteText error) implements Reply {}

  /** The result of a {@code submit}, as Codec bytes. */
  record CallDone(long callId, byte[] value) implements Reply {}

  /** A {@code submit}'s task threw, or did not (de)serialize. */
  record CallFailed(long callId, RemoteText error) implements Reply {}
}
