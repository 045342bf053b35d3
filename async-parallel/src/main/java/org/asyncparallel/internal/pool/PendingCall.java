package org.asyncparallel.internal.pool;

/**
 * One {@code Pool.submit}: its task as bytes (kept to send it again if its worker dies) and its
 * future. Fields other than the final ones are guarded by the lock of {@link Calls}.
 */
final class PendingCall {
  final long id;
  final byte[] task;
  final CallFuture future = new CallFuture();
  PoolWorker worker;
  int attempts;

  PendingCall(long id, byte[] task) {
    this.id = id;
    this.task = task;
  }
}
