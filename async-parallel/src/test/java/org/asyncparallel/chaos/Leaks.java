package org.asyncparallel.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.asyncparallel.testing.Processes;
import org.asyncparallel.testing.TestNet;

/**
 * What the soak left behind after its shutdown, compared with the baseline: processes here and on
 * the hosts, file descriptors, library threads, socket directories and temporary files. Found by
 * waiting (bounded) for each to come back to the baseline: workers take a moment to exit, and idle
 * callback threads end 30 s after their last task.
 *
 * @param processes descendants of the test JVM still alive
 * @param hostProcesses processes other than sshd still running on a test host
 * @param baseline the state after the warm-up cycle
 * @param after the state at the end of the wait
 * @param directories the runtimes' socket directories still present
 */
record Leaks(List<String> processes, List<String> hostProcesses, LeakProbe baseline, LeakProbe after,
    List<String> directories) {
  private static final long SETTLE_MILLIS = 45_000;

  /** Waits up to 45 s for everything to be back to {@code baseline}; returns what is not. */
  static Leaks await(TestNet net, LeakProbe baseline, List<Path> runtimeDirectories) throws Exception {
    long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
    List<String> processes = Processes.awaitNoDescendants(15_000).stream().map(Processes::describe).toList();
    List<String> hostProcesses = net.awaitNoProcesses(20_000);
    Leaks leaks;
    do {
      List<String> directories = runtimeDirectories.stream().filter(Files::exists).map(Path::toString).toList();
      leaks = new Leaks(processes, hostProcesses, baseline, LeakProbe.take(net, List.of(1, 2)), directories);
      if (leaks.describe().isEmpty()) {
        return leaks;
      }
      Thread.sleep(500);
    } while (System.currentTimeMillis() < deadline);
    return leaks;
  }

  int fds() {
    return after.fdLeak(baseline, ChaosSoakTest.FD_SLACK);
  }

  int threads() {
    return after.threadLeak(baseline);
  }

  /** Temporary files and directories left: new ones, the runtimes' directories, the warm-up's. */
  List<String> tempFiles() {
    List<String> left = new ArrayList<>(after.newTempFiles(baseline));
    left.addAll(directories);
    baseline.hostTmps().forEach(t -> left.add(t + " (left by the warm-up cycle)"));
    baseline.cacheTemps().forEach(t -> left.add("code cache: " + t + " (there after the warm-up cycle)"));
    return left;
  }

  /** One line per leak; empty if nothing was left. */
  List<String> describe() {
    List<String> found = new ArrayList<>();
    processes.forEach(p -> found.add("process left on this machine: " + p));
    hostProcesses.forEach(p -> found.add("process left on a test host: " + p));
    if (fds() > 0) {
      found.add(fds() + " file descriptors more than the baseline's " + baseline.fds().size() + " + "
          + ChaosSoakTest.FD_SLACK + "; new: " + after.newFdTargets(baseline));
    }
    if (threads() > 0) {
      found.add(threads() + " library threads more than the baseline's " + baseline.threads() + ": "
          + after.threads());
    }
    tempFiles().forEach(t -> found.add("temporary file left: " + t));
    return found;
  }
}
