package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.asyncparallel.internal.launch.CodeCache;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The class archive that later workers map holds the classes of a real task (the program's own
 * class, whose lambda every later run rebuilds), not only the library's: the worker that records
 * it gets the next job even if it waited as a spare for longer than the training run's delay,
 * and its archive replaces the training run's. It also holds a hub's classes, whatever that job
 * was, since a spawned worker needs them, and those of a worker that starts workers.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ArchiveContentTest {
  private static final boolean AOT = Runtime.version().feature() >= 25;

  @AfterEach
  void shutdown() {
    Parallel.shutdown().join();
  }

  @Test
  void theRecordingSpareTakesTheFirstJobAndItsArchiveReplacesTheTrainingRuns() throws Exception {
    Path cache = CodeCache.directory();
    deleteArchives(cache);
    Parallel.init(Config.builder().spareWorkers(2).build());
    // the recording spare waits past the training delay: a training run makes an archive meanwhile
    for (int i = 0; i < 600 && !hasArchive(cache); i++) {
      Thread.sleep(100);
    }
    assertThat(hasArchive(cache)).as("the training run's archive in " + cache).isTrue();

    assertThat(Parallel.run(FirstTask.task("first")).get(60, TimeUnit.SECONDS)).startsWith("first");
    // that job went to the recording spare (the other one started first): its exit puts an archive
    // with the task's class in place
    List<String> command = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45); // an archive is assembled in a second or two
    while (System.nanoTime() < deadline) {
      command = archiveListing(workerCommand());
      if (command != null && listing(command).contains(FirstTask.class.getName())) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(command).as("a worker started with the archive").isNotNull();
    assertThat(listing(command)).contains(FirstTask.class.getName())
        // the recording worker went through a hub's steps too, though its job was a run
        .contains("org.asyncparallel.internal.runtime.RealHub").contains("org.asyncparallel.internal.net.Listener")
        // and made a run and a spawn of its own: what a worker that starts workers needs
        .contains("org.asyncparallel.internal.runtime.Submission");
    try (Stream<Path> files = Files.list(cache)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".trained"));
    }
  }

  /**
   * A program that ended with only a training run's archive (its recording worker never got a job)
   * leaves it marked: the next program's first worker records a better one.
   */
  @Test
  void theNextProgramRecordsAgainOverATrainingRunsArchive() throws Exception {
    Path cache = CodeCache.directory();
    deleteArchives(cache);
    Parallel.init(Config.builder().spareWorkers(1).build());
    for (int i = 0; i < 600 && !hasArchive(cache); i++) {
      Thread.sleep(100);
    }
    assertThat(hasArchive(cache)).as("the training run's archive in " + cache).isTrue();
    Parallel.shutdown().join(); // its recording spare never ran a job

    Parallel.init(Config.builder().spareWorkers(1).build());
    // a job sent at once may go to a worker started for it that connects before the recording spare
    List<List<String>> commands = new ArrayList<>();
    for (int i = 0; i < 10 && commands.stream().noneMatch(ArchiveContentTest::records); i++) {
      commands.add(workerCommand());
    }
    assertThat(commands).anyMatch(ArchiveContentTest::records);
  }

  /**
   * A program that shuts down right after its first run still leaves an archive (its shutdown waits
   * the second or two the archive takes), and nothing running: the next program's workers map it.
   * Even with no grace period for the workers: the recording worker has returned its outcome and
   * its exit makes the archive, so the grace period does not apply to it (without that, a busy
   * machine ended it before its recording was written, and a training run's archive took its place).
   */
  @Test
  void aShortProgramLeavesAnArchiveForTheNext() throws Exception {
    Path cache = CodeCache.directory();
    deleteArchives(cache);
    Parallel.init(Config.builder().spareWorkers(0).shutdownGracePeriod(Duration.ZERO).build());
    assertThat(records(workerCommand())).as("the first worker records").isTrue();
    Parallel.shutdown().get(60, TimeUnit.SECONDS);
    assertThat(hasArchive(cache)).as("an archive in " + cache + " once shutdown returned").isTrue();
    try (Stream<Path> files = Files.list(cache)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("made by the worker, not a training run")
          .noneMatch(n -> n.endsWith(".trained"));
    }

    Parallel.init(Config.builder().spareWorkers(0).build());
    assertThat(archiveListing(workerCommand())).as("the next program's worker maps it").isNotNull();
  }

  private static boolean records(List<String> command) {
    return command.stream().anyMatch(a -> a.startsWith(AOT ? "-XX:AOTMode=record" : "-XX:ArchiveClassesAtExit="));
  }

  /** The first task's class: only that task loads it. */
  static final class FirstTask {
    static Task<String> task(String marker) {
      return () -> marker + ProcessHandle.current().pid();
    }
  }

  /** A worker's JVM command: its java, its options and its class path. */
  private static List<String> workerCommand() throws Exception {
    return Parallel.run(() -> {
      List<String> c = new ArrayList<>();
      c.add(ProcessHandle.current().info().command().orElseThrow());
      c.addAll(List.of(ProcessHandle.current().info().arguments().orElseThrow()));
      return c;
    }).get(60, TimeUnit.SECONDS);
  }

  /** The worker's command made to print its archive's classes, or null if it mapped no archive. */
  private static List<String> archiveListing(List<String> worker) {
    if (worker.stream().noneMatch(a -> a.startsWith(AOT ? "-XX:AOTCache=" : "-XX:SharedArchiveFile="))) {
      return null;
    }
    List<String> command = new ArrayList<>();
    for (String a : worker) {
      if (a.startsWith("-Xlog:") || a.startsWith("-Dasyncparallel.worker=")) {
        continue;
      }
      if (a.equals("org.asyncparallel.internal.worker.WorkerMain")) {
        break;
      }
      command.add(a);
    }
    command.add(1, "-XX:+PrintSharedArchiveAndExit");
    return command;
  }

  private static String listing(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static void deleteArchives(Path cache) throws Exception {
    try (Stream<Path> files = Files.list(cache)) {
      for (Path p : files.filter(f -> f.getFileName().toString().matches("workers-[0-9a-f]+\\.(aot|jsa)(\\.trained)?")).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static boolean hasArchive(Path cache) throws Exception {
    try (Stream<Path> files = Files.list(cache)) {
      return files.anyMatch(f -> f.getFileName().toString().matches("workers-[0-9a-f]+\\." + (AOT ? "aot" : "jsa")));
    }
  }
}
