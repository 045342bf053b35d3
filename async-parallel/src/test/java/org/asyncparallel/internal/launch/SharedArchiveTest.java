package org.asyncparallel.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code cache does not keep what a killed main process was recording. */
class SharedArchiveTest {
  @Test
  void recordingsOfDeadProcessesAreDeletedAndThoseOfLiveOnesKept(@TempDir Path cache) throws Exception {
    long dead = Long.MAX_VALUE / 2; // above any pid_max: never a live process
    long live = ProcessHandle.current().pid();
    Path deadRecording = Files.createFile(cache.resolve("workers-0123abcd.aot." + dead + "-w0.tmp"));
    Path deadHalfMade = Files.createFile(cache.resolve("workers-0123abcd.aot." + dead + "-t1.made"));
    Path liveRecording = Files.createFile(cache.resolve("workers-0123abcd.aot." + live + "-w0.tmp"));
    Path archive = Files.createFile(cache.resolve("workers-0123abcd.aot"));
    Path jar = Files.createFile(cache.resolve("0123abcd.jar"));

    SharedArchive.sweepStale(cache);

    assertThat(deadRecording).doesNotExist();
    assertThat(deadHalfMade).doesNotExist();
    assertThat(liveRecording).exists();
    assertThat(archive).exists();
    assertThat(jar).exists();
  }
}
