package org.asyncparallel.testing;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Helpers to watch processes, for tests. */
public final class Processes {
  private Processes() {}

  /** Waits up to {@code millis} for the test JVM to have no descendants; returns those left. */
  public static List<ProcessHandle> awaitNoDescendants(long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    List<ProcessHandle> left;
    do {
      left = busyDescendants();
      if (left.isEmpty()) {
        return left;
      }
      Thread.sleep(50);
    } while (System.currentTimeMillis() < deadline);
    return left;
  }

  /** True once none of these pids is alive, waiting up to {@code millis}. */
  public static boolean awaitAllDead(List<Long> pids, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      if (pids.stream().noneMatch(Processes::isAlive)) {
        return true;
      }
      Thread.sleep(50);
    }
    return pids.stream().noneMatch(Processes::isAlive);
  }

  /**
   * The live descendants of the test JVM, less what belongs to a running runtime rather than to a
   * run: the spare workers waiting for a task, and the ssh sessions of cluster agents.
   */
  public static List<ProcessHandle> busyDescendants() {
    var idle = org.asyncparallel.internal.runtime.ProcessRuntime.idleWorkerPids();
    return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .filter(p -> !isAgentSession(p) && !idle.contains(p.pid())).toList();
  }

  /** An ssh client running a cluster agent: part of a live runtime, not a leak. */
  public static boolean isAgentSession(ProcessHandle p) {
    return p.info().commandLine().map(c -> c.startsWith("ssh") || c.contains("/ssh ")).orElse(false)
        && p.info().commandLine().map(c -> c.contains("org.asyncparallel.internal.cluster.AgentMain")).orElse(false);
  }

  public static boolean isAlive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  public static String describe(ProcessHandle p) {
    return p.pid() + " " + p.info().commandLine().orElse("?");
  }

  /** Waits for the process to end, killing it after {@code seconds}. */
  public static int awaitExit(Process process, long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor();
      throw new AssertionError("the fixture did not end within " + seconds + " s");
    }
    return process.exitValue();
  }
}
