package org.asyncparallel.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.asyncparallel.internal.launch.CodeCache;
import org.asyncparallel.testing.TestNet;

/**
 * What a runtime could leave behind, counted in the test JVM and on disk: open file descriptors,
 * live {@code asyncparallel-*} threads, the runtime's socket directories, temporary files in the
 * code cache, and {@code asyncparallel-*} entries in the test hosts' {@code /tmp}. A snapshot
 * taken after a warm-up cycle (init, work, shutdown) is the baseline: the JDK opens some
 * descriptors lazily, and a process keeps its one I/O thread and timer once made.
 *
 * @param fds "fd -> target" of each open descriptor of the test JVM
 * @param threads the names of the live {@code asyncparallel-*} threads
 * @param cacheTemps the temporary files in this machine's code cache ({@code *.tmp}, {@code *.made})
 * @param hostTmps {@code /tmp} entries named {@code asyncparallel-*} (the code cache aside) on
 *     each checked host, as "host: name"
 */
record LeakProbe(List<String> fds, List<String> threads, Set<String> cacheTemps, Set<String> hostTmps) {

  /** Takes a snapshot, looking at the /tmp of {@code hosts} (1-based host numbers) of {@code net}. */
  static LeakProbe take(TestNet net, List<Integer> hosts) throws IOException {
    Set<String> hostTmps = new TreeSet<>();
    for (int host : hosts) {
      for (String name : list(net.tmpOf(host))) {
        if (name.startsWith("asyncparallel-") && !name.startsWith("asyncparallel-cache-")) {
          hostTmps.add(net.host(host) + ": " + name);
        }
      }
    }
    Set<String> cacheTemps = new TreeSet<>();
    for (String name : list(CodeCache.directory())) {
      if (name.endsWith(".tmp") || name.endsWith(".made")) {
        cacheTemps.add(name);
      }
    }
    return new LeakProbe(openFds(), libraryThreads(), cacheTemps, hostTmps);
  }

  static List<String> openFds() throws IOException {
    List<String> fds = new ArrayList<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : entries.toList()) {
        try {
          fds.add(fd.getFileName() + " -> " + Files.readSymbolicLink(fd));
        } catch (IOException gone) {
          // closed meanwhile (the listing's own descriptor, say)
        }
      }
    }
    return fds;
  }

  static List<String> libraryThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("asyncparallel-")).sorted().toList();
  }

  private static List<String> list(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** Descriptors open now beyond the baseline's count, less {@code slack}; never negative. */
  int fdLeak(LeakProbe baseline, int slack) {
    return Math.max(0, fds.size() - baseline.fds.size() - slack);
  }

  /** Library threads alive now beyond the baseline's count. */
  int threadLeak(LeakProbe baseline) {
    return Math.max(0, threads.size() - baseline.threads.size());
  }

  /** Temporary files and host directories that were not there in the baseline. */
  List<String> newTempFiles(LeakProbe baseline) {
    List<String> added = new ArrayList<>();
    cacheTemps.stream().filter(n -> !baseline.cacheTemps.contains(n)).map(n -> "code cache: " + n).forEach(added::add);
    hostTmps.stream().filter(n -> !baseline.hostTmps.contains(n)).forEach(added::add);
    return added;
  }

  /** The descriptors' targets that are new since the baseline (for the report of a leak). */
  List<String> newFdTargets(LeakProbe baseline) {
    List<String> before = new ArrayList<>(baseline.fds.stream().map(LeakProbe::target).toList());
    List<String> added = new ArrayList<>();
    for (String fd : fds) {
      if (!before.remove(target(fd))) {
        added.add(fd);
      }
    }
    return added;
  }

  private static String target(String fd) {
    return fd.substring(fd.indexOf(" -> ") + 4);
  }
}
