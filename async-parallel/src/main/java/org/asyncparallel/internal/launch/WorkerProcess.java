package org.asyncparallel.internal.launch;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A worker JVM started by this process: its pid, its stdin pipe (the lifeline: closing it asks
 * the worker to end, and the kernel closes it if this process dies), its output pumps and its
 * exit. Owned by the root's supervisor.
 */
public final class WorkerProcess implements WorkerHandle {
  private final long workerId;
  private final Process process;
  private final OutputPump stdout;
  private final OutputPump stderr;
  private final boolean recordsArchive;

  WorkerProcess(long workerId, Process process, OutputPump stdout, OutputPump stderr, boolean recordsArchive) {
    this.workerId = workerId;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
    this.recordsArchive = recordsArchive;
  }

  @Override
  public boolean recordsArchive() {
    return recordsArchive;
  }

  public long workerId() {
    return workerId;
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public CompletableFuture<?> onExit() {
    return process.onExit();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Writes the bootstrap record on the worker's stdin, which stays open as its lifeline. If the
   * worker is already dead (a bad JVM option, say), it is killed: its exit and stderr tell why.
   */
  public void sendBootstrap(Bootstrap bootstrap) {
    try {
      var stdin = process.getOutputStream();
      bootstrap.writeTo(stdin);
      stdin.flush();
    } catch (IOException e) {
      kill();
    }
  }

  @Override
  public void closeStdin() {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already closed or the worker is gone
    }
  }

  @Override
  public void kill() {
    // through the handle: Process.destroyForcibly would also close the pipes, and the pumps would
    // lose what the worker wrote before it died (its stderr is the error message)
    process.toHandle().destroyForcibly();
  }

  /**
   * How the process ended, with the tails of its stderr and stdout (the JVM reports some deaths,
   * such as {@code -XX:+ExitOnOutOfMemoryError}, on stdout): for {@code WorkerDiedException}. Waits
   * briefly for the output pumps to drain. Call after exit.
   */
  @Override
  public String describeExit() {
    try {
      // the pipes of a dead process end at once; the wait only covers a busy machine's scheduling
      stdout.awaitEnd(5_000);
      stderr.awaitEnd(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String how = ExitStatus.describe(process.exitValue());
    String errTail = stderr.tail(20);
    String outTail = stdout.tail(5);
    return "worker pid " + pid() + " " + how
        + (errTail.isEmpty() ? " (its stderr was empty)" : "; last lines of its stderr:\n" + errTail)
        + (outTail.isEmpty() ? "" : "\nlast lines of its stdout:\n" + outTail);
  }
}
