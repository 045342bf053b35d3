package org.asyncparallel.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.testing.Fixture;
import org.junit.jupiter.api.Test;

/** A live runtime's socket directory survives other runtimes' clean-up of stale ones. */
class RuntimeDirectoryTest {
  /** Creates (and so cleans up around) a runtime directory in a JVM of its own, then removes it. */
  public static final class OtherRuntime {
    public static void main(String[] args) {
      RuntimeDirectory.create(new java.util.Random().nextLong() & Long.MAX_VALUE).close();
      System.out.println("done");
    }
  }

  @Test
  void aLiveRuntimesDirectoryIsKeptEvenAfterItsOwnProcessTouchedTheLockFile() throws Exception {
    RuntimeDirectory live = RuntimeDirectory.create(new java.util.Random().nextLong() & Long.MAX_VALUE);
    try {
      // any descriptor of the lock file closed by the owning process releases its POSIX lock
      try (FileChannel touch = FileChannel.open(live.path().resolve("lock"), StandardOpenOption.WRITE)) {
        assertThat(touch.isOpen()).isTrue();
      }
      try (Fixture other = Fixture.start(OtherRuntime.class)) {
        assertThat(other.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(other.stdout()).contains("done");
      }
      assertThat(Files.isDirectory(live.path())).as("the live runtime's directory").isTrue();
    } finally {
      live.close();
    }
    assertThat(Files.exists(live.path())).isFalse();
  }

  @Test
  void theDirectoryOfARuntimeWhoseOwnerIsGoneIsRemovedByTheNext() throws Exception {
    // what a root killed with -9 leaves: its lock released by the kernel, its pid gone
    Path dir = RuntimeDirectory.base().resolve("asyncparallel-" + Long.toHexString(new java.util.Random().nextLong() & Long.MAX_VALUE));
    Files.createDirectory(dir);
    Files.writeString(dir.resolve("lock"), "");
    Files.writeString(dir.resolve("owner"), Long.toString(Integer.MAX_VALUE));
    RuntimeDirectory.create(new java.util.Random().nextLong() & Long.MAX_VALUE).close();
    assertThat(Files.exists(dir)).isFalse();
  }
}
