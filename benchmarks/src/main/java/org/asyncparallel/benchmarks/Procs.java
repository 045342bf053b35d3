package org.asyncparallel.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The processes the harness starts itself (baseline JVMs, the raw-socket peer, Python), so that
 * every one of them, and its descendants, is killed by pid if a measurement fails or the harness
 * exits; and the CPU time of this process's reaped children, from {@code /proc/self/stat}.
 */
final class Procs {
  private Procs() {}

  private static final Set<Process> STARTED = ConcurrentHashMap.newKeySet();
  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  private static final double TICKS = clockTicks();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Procs::killAll, "kill-own-children"));
  }

  /** Starts a process and remembers it. */
  static Process start(ProcessBuilder pb) throws IOException {
    Process p = pb.start();
    STARTED.add(p);
    p.onExit().thenRun(() -> STARTED.remove(p));
    return p;
  }

  /** Kills every process the harness started that is still alive, descendants first, by pid. */
  static void killAll() {
    for (Process p : List.copyOf(STARTED)) {
      kill(p);
    }
  }

  static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  /** The java launcher of this JVM, with these arguments. */
  static ProcessBuilder java(String... args) {
    var command = new java.util.ArrayList<String>();
    command.add(JAVA);
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  /**
   * CPU seconds (user + system) of this process's children that have ended and been reaped,
   * including their own reaped descendants (cutime + cstime).
   */
  static double reapedChildrenCpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state); cutime is field 16, cstime field 17
      return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * CPU seconds (user + system) used by this process's children: those reaped (cutime + cstime)
   * plus those alive (their utime + stime + cutime + cstime from /proc/PID/stat).
   */
  static double childrenCpuSeconds() {
    double live = ProcessHandle.current().children().mapToDouble(p -> {
      try {
        String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS;
      } catch (IOException | RuntimeException e) {
        return 0; // it has just ended: its CPU is in cutime from now on
      }
    }).sum();
    return reapedChildrenCpuSeconds() + live;
  }

  /** CPU seconds (user + system) this JVM itself has used. */
  static double ownCpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** Waits until this process has no live children; false on timeout. */
  static boolean awaitNoChildren(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive)) {
        Thread.sleep(50); // let the JDK's reaper collect the last ones
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  /** VmRSS of a process, in bytes, or -1. */
  static long rssBytes(long pid) {
    return statusField(pid, "VmRSS:") * 1024;
  }

  /** The number of threads of a process, or -1. */
  static long threads(long pid) {
    return statusField(pid, "Threads:");
  }

  /** The names of a process's threads (/proc/PID/task/TID/comm), counted: "2 × read-x, ...". */
  static String threadNames(long pid) {
    var counts = new java.util.TreeMap<String, Integer>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          counts.merge(Files.readString(t.resolve("comm")).trim(), 1, Integer::sum);
        } catch (IOException e) {
          // the thread ended
        }
      }
    } catch (IOException e) {
      return "?";
    }
    var parts = new java.util.ArrayList<String>();
    counts.forEach((name, c) -> parts.add((c > 1 ? c + " × " : "") + "`" + name + "`"));
    return String.join(", ", parts);
  }

  private static long statusField(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return -1;
  }

  /** Runs a short command and returns its output, trimmed, or "?" on failure. */
  static String output(String... command) {
    try {
      Process p = start(new ProcessBuilder(command).redirectErrorStream(true));
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return out;
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  private static double clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Double.parseDouble(out);
    } catch (IOException | InterruptedException | RuntimeException e) {
      return 100;
    }
  }
}
