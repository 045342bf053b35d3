package org.asyncparallel.internal.wire;

/** What a worker is asked to do: run a task, or serve a hub with a body. */
public enum JobKind {
  RUN,
  SPAWN
}
