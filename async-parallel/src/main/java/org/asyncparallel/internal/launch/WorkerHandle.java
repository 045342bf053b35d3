package org.asyncparallel.internal.launch;

import java.util.concurrent.CompletableFuture;

/**
 * A worker process as the root's supervisor sees it: started here ({@link WorkerProcess}) or by
 * the agent of another machine.
 */
public interface WorkerHandle {
  /** Its pid on its machine, or 0 while not yet known. */
  long pid();

  /** Completes when the process has ended (or its machine was lost). */
  CompletableFuture<?> onExit();

  /** The polite request to end: its lifeline closes. */
  void closeStdin();

  /** SIGKILL. */
  void kill();

  /** How it ended, with the last lines of its output: for {@code WorkerDiedException}. */
  String describeExit();

  /**
   * Whether it records the workers' class archive as it exits: it should get the next job, so
   * that the archive holds a real task's classes (the user's lambda and its linkage).
   */
  default boolean recordsArchive() {
    return false;
  }
}
