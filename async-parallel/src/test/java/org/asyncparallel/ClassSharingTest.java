package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.asyncparallel.internal.launch.CodeCache;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Local workers run from the code cache's jars and share a class-data archive: an AOT cache on
 * JDK 25 and later, a dynamic CDS archive before.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClassSharingTest {
  private static final boolean AOT = Runtime.version().feature() >= 25;

  @BeforeAll
  static void init() throws Exception {
    // start from no archive, so that this run records one
    try (Stream<Path> files = Files.list(CodeCache.directory())) {
      for (Path p : files.filter(ClassSharingTest::isArchive).toList()) {
        Files.deleteIfExists(p);
      }
    }
    Parallel.init(Config.builder().spareWorkers(0).build());
  }

  @AfterAll
  static void shutdown() {
    Parallel.shutdown().join();
  }

  /**
   * A long-running program outlives files in /tmp (cleaners remove what is not touched for days):
   * a cached jar of the workers' class path that has gone is put back before the next worker
   * starts, so runs keep working.
   */
  @Test
  void aCachedJarRemovedAfterInitIsPutBackForTheNextWorker() throws Exception {
    String classPath = Parallel.run(() -> System.getProperty("java.class.path")).get(60, TimeUnit.SECONDS);
    Path library = null;
    for (String entry : classPath.split(":")) {
      try (var jar = new java.util.jar.JarFile(entry)) {
        if (jar.getEntry("org/asyncparallel/internal/worker/WorkerMain.class") != null) {
          library = Path.of(entry);
        }
      }
    }
    assertThat(library).as("the library's jar among " + classPath).isNotNull();
    Files.delete(library);
    assertThat(Parallel.run(() -> 6 * 7).get(60, TimeUnit.SECONDS)).isEqualTo(42);
    assertThat(library).exists();
  }

  /**
   * The archive comes even while the program's first worker (the one recording) lives on, the top
   * of a deep cascade or a long task: a training run makes it, and later workers map it. What the
   * recording JVMs say about it is not the user's output: it never reaches System.out.
   */
  @Test
  void workersRunFromCachedJarsAndLaterOnesMapTheSharedArchiveMadeWhileTheFirstWorkerLivesOn() throws Exception {
    var captured = new java.io.ByteArrayOutputStream();
    var userOut = System.out;
    System.setOut(new java.io.PrintStream(captured, true));
    Spawned<String, String, String> first;
    try {
      first = Parallel.<String, String, String>spawn(hub -> {
        System.out.println("worker output " + ProcessHandle.current().pid());
        return hub.listenSimple().take().message(); // lives until the test says so
      }).get(60, TimeUnit.SECONDS);
      Path cache = CodeCache.directory();
      for (int i = 0; i < 600 && !hasArchive(cache); i++) {
        Thread.sleep(100);
      }
      assertThat(hasArchive(cache)).as("a class-data archive in " + cache + " while the first worker runs").isTrue();
      assertThat(first.result()).isNotDone();
      String classPath = Parallel.run(() -> System.getProperty("java.class.path")).get(60, TimeUnit.SECONDS);
      assertThat(List.of(classPath.split(":"))).isNotEmpty()
          .allMatch(e -> e.startsWith(cache.toString()) && e.matches(".*/[0-9a-f]{64}\\.jar"));
      List<String> arguments = Parallel.run(() -> List.of(ProcessHandle.current().info().arguments().orElseThrow()))
          .get(60, TimeUnit.SECONDS);
      assertThat(arguments).anyMatch(a -> a.startsWith((AOT ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cache));
      first.channel().write("done");
      assertThat(first.result().get(60, TimeUnit.SECONDS)).isEqualTo("done");
    } finally {
      System.setOut(userOut);
    }
    assertThat(captured.toString()).contains("worker output ").doesNotContain("AOT").doesNotContain("CDS");
  }

  private static boolean hasArchive(Path cache) throws Exception {
    try (Stream<Path> files = Files.list(cache)) {
      return files.anyMatch(ClassSharingTest::isArchive);
    }
  }

  private static boolean isArchive(Path file) {
    return file.getFileName().toString().matches("workers-[0-9a-f]+\\." + (AOT ? "aot" : "jsa"));
  }
}
