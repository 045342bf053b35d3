package org.asyncparallel.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The machine and the conditions of the run, for the report. */
final class Machine {
  final int nproc = Runtime.getRuntime().availableProcessors();
  final String model = cpuinfo("model name");
  final String memory = meminfo();
  final String kernel = read("/proc/sys/kernel/osrelease");
  final String jdk = System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.name")
      + " " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.home") + ")";
  final String python = Procs.output("python3", "--version");
  final String dateStart = Procs.output("date", "-u");
  final String loadStart = read("/proc/loadavg");
  final List<String> othersAtStart = otherWork();
  /** The commit, and how many of the library's files differ from it (read-only git commands). */
  final String code = code();
  String dateEnd;
  String loadEnd;
  List<String> othersAtEnd;
  double elapsedSeconds;

  private Machine() {}

  static Machine describe() {
    return new Machine();
  }

  void finish(double elapsed) {
    this.elapsedSeconds = elapsed;
    this.dateEnd = Procs.output("date", "-u");
    this.loadEnd = read("/proc/loadavg");
    this.othersAtEnd = otherWork();
  }

  /** The 1-minute load average at the start and at the end. */
  double load1(String loadavg) {
    try {
      return Double.parseDouble(loadavg.split("\\s+")[0]);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /** True if the run shared the machine with other busy work. */
  boolean busy() {
    return load1(loadStart) > 1.0 || !othersAtStart.isEmpty() || !othersAtEnd.isEmpty();
  }

  /** JVMs, Maven builds and Python processes that are not this harness or its descendants. */
  private static List<String> otherWork() {
    ProcessHandle me = ProcessHandle.current();
    return ProcessHandle.allProcesses()
        .filter(p -> p.pid() != me.pid() && !related(p, me))
        .map(p -> p.info().command().orElse(""))
        .filter(c -> c.endsWith("/java") || c.endsWith("/mvn") || c.contains("python"))
        .map(c -> Path.of(c).getFileName().toString())
        .toList();
  }

  /** True if p descends from the harness, or is one of its ancestors (the launcher script). */
  private static boolean related(ProcessHandle p, ProcessHandle ancestor) {
    Optional<ProcessHandle> parent = p.parent();
    for (int i = 0; i < 64 && parent.isPresent(); i++) {
      if (parent.get().pid() == ancestor.pid()) {
        return true;
      }
      parent = parent.get().parent();
    }
    Optional<ProcessHandle> up = ancestor.parent();
    for (int i = 0; i < 64 && up.isPresent(); i++) {
      if (up.get().pid() == p.pid()) {
        return true;
      }
      up = up.get().parent();
    }
    return false;
  }

  private static String code() {
    String head = Procs.output("git", "log", "-1", "--format=%h %s");
    String status = Procs.output("git", "status", "--porcelain", "--", "async-parallel");
    long changed = status.isBlank() || status.equals("?") ? 0 : status.lines().count();
    return "commit " + head + "; the library (async-parallel/) "
        + (changed == 0 ? "as committed" : "with " + changed + " uncommitted changed or new file(s), built as found");
  }

  private static String cpuinfo(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "?";
  }

  private static String meminfo() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format("%.1f GiB", kib / 1024.0 / 1024.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return "?";
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      return "?";
    }
  }
}
