package org.asyncparallel.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What this JVM holds from the operating system: its open file descriptors and its threads, for
 * tests that check that nothing is left over. Threads are counted by role (the name without its
 * digits: {@code asyncparallel-stdout-worker-4711} and {@code -4712} are one role), and an idle
 * thread of a pool (parked waiting for work in a {@code ThreadPoolExecutor} or {@code ForkJoinPool},
 * ending by itself after its keep-alive: the callback pool, the JDK's process reapers) is not
 * counted: it holds nothing and goes away on its own.
 *
 * @param fds how many descriptors are open, by kind ({@code pipe}, {@code socket}, a file's path)
 * @param busyThreads live threads that are not idle pool threads, by role
 * @param allThreads every live thread of the JVM ({@code /proc/self/status})
 * @param residentMegabytes the JVM's resident memory, for the record (not compared)
 */
public record Resources(Map<String, Integer> fds, Map<String, Integer> busyThreads, int allThreads,
    long residentMegabytes) {
  /** The descriptors and threads of this JVM now. */
  public static Resources now() {
    return new Resources(openFds(), busyThreadsNow(), (int) status("Threads:"), status("VmRSS:") / 1024);
  }

  /**
   * The descriptors open now (the listing's own among them, in every snapshot alike), counted by
   * kind: what they point to, without inode numbers ({@code pipe:[4711]} is a {@code pipe}).
   */
  public static Map<String, Integer> openFds() {
    Map<String, Integer> fds = new TreeMap<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
      for (Path entry : entries.toList()) {
        try {
          fds.merge(Files.readSymbolicLink(entry).toString().replaceAll(":\\[[0-9]+\\]$", ""), 1, Integer::sum);
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot list /proc/self/fd", e);
    }
    return fds;
  }

  /** A number from {@code /proc/self/status}: the thread count, or a size in kB. */
  private static long status(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).replace("kB", "").trim());
        }
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read /proc/self/status", e);
    }
    throw new AssertionError("no " + field + " line in /proc/self/status");
  }

  private static Map<String, Integer> busyThreadsNow() {
    Map<String, Integer> roles = new TreeMap<>();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      if (thread.isAlive() && !idleInPool(thread, stack)) {
        roles.merge(thread.getName().replaceAll("[0-9]", ""), 1, Integer::sum);
      }
    });
    return roles;
  }

  private static boolean idleInPool(Thread thread, StackTraceElement[] stack) {
    if (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
      return false;
    }
    for (StackTraceElement frame : stack) {
      String at = frame.getClassName() + "." + frame.getMethodName();
      if (at.equals("java.util.concurrent.ThreadPoolExecutor.getTask")
          || at.equals("java.util.concurrent.ForkJoinPool.awaitWork")) {
        return true;
      }
    }
    return false;
  }

  /**
   * What this snapshot holds beyond {@code baseline}: descriptors it lacked, and roles with more
   * busy threads. Empty when nothing more is held.
   */
  public List<String> beyond(Resources baseline) {
    List<String> extra = new ArrayList<>();
    more(fds, baseline.fds, "descriptor(s)", extra);
    more(busyThreads, baseline.busyThreads, "thread(s)", extra);
    return extra;
  }

  /** The number of open descriptors. */
  public int fdCount() {
    return fds.values().stream().mapToInt(Integer::intValue).sum();
  }

  private static void more(Map<String, Integer> now, Map<String, Integer> before, String what, List<String> extra) {
    now.forEach((kind, count) -> {
      int then = before.getOrDefault(kind, 0);
      if (count > then) {
        extra.add((count - then) + " more " + what + " '" + kind + "' (" + then + " before)");
      }
    });
  }
}
