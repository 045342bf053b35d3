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

/** Local workers run from the code cache's jars and share a class-data archive. */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClassSharingTest {
  @BeforeAll
  static void init() {
    Parallel.init(Config.builder().spareWorkers(0).build());
  }

  @AfterAll
  static void shutdown() {
    Parallel.shutdown().join();
  }

  @Test
  void workersRunFromCachedJarsAndLaterOnesMapTheSharedArchive() throws Exception {
    String classPath = Parallel.run(() -> System.getProperty("java.class.path")).get();
    Path cache = CodeCache.directory();
    assertThat(List.of(classPath.split(":"))).isNotEmpty()
        .allMatch(e -> e.startsWith(cache.toString()) && e.matches(".*/[0-9a-f]{64}\\.jar"));
    // the first worker without an archive records one at exit; wait until it is in place
    for (int i = 0; i < 100 && !hasArchive(cache); i++) {
      Parallel.run(() -> 0).get();
      Thread.sleep(100);
    }
    assertThat(hasArchive(cache)).as("a class-data archive in " + cache).isTrue();
    List<String> arguments = Parallel.run(() -> List.of(ProcessHandle.current().info().arguments().orElseThrow())).get();
    assertThat(arguments).anyMatch(a -> a.startsWith("-XX:SharedArchiveFile=" + cache));
  }

  private static boolean hasArchive(Path cache) throws Exception {
    try (Stream<Path> files = Files.list(cache)) {
      return files.anyMatch(p -> p.getFileName().toString().matches("workers-[0-9a-f]+\\.jsa"));
    }
  }
}
