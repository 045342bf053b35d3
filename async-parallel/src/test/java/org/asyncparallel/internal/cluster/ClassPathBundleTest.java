package org.asyncparallel.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.asyncparallel.ParallelException;
import org.asyncparallel.internal.launch.CodeCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Class path entries that change under a running program: a jar read again to be sent is refused,
 * naming it, if it is gone or changed; a missing entry counts as vanished only with evidence that
 * it was there (held open though deleted, or the source of a class on the stack).
 */
@Timeout(30)
class ClassPathBundleTest {
  @TempDir
  Path tmp;

  private Path jar(String content) throws Exception {
    Path jar = tmp.resolve("lib.jar");
    Files.writeString(jar, content);
    return jar;
  }

  private static ClassPathBundle.Piece pieceOf(Path jar) throws Exception {
    return new ClassPathBundle.Piece(jar.toString(), CodeCache.sha256(Files.readAllBytes(jar)) + ".jar", jar, null);
  }

  @Test
  void aJarReadAgainGivesTheBytesItWasNamedBy() throws Exception {
    Path jar = jar("the code");
    assertThat(pieceOf(jar).bytes()).isEqualTo("the code".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aJarDeletedSinceItWasHashedIsRefusedNamingIt() throws Exception {
    Path jar = jar("the code");
    ClassPathBundle.Piece piece = pieceOf(jar);
    Files.delete(jar);
    assertThatThrownBy(piece::bytes).isInstanceOf(ParallelException.class)
        .hasMessageContaining("the class path entry " + jar + " is gone").hasMessageContaining("Put it back");
  }

  @Test
  void aJarChangedSinceItWasHashedIsRefusedNamingIt() throws Exception {
    Path jar = jar("the code");
    ClassPathBundle.Piece piece = pieceOf(jar);
    Files.writeString(jar, "other code");
    assertThatThrownBy(piece::bytes).isInstanceOf(ParallelException.class)
        .hasMessageContaining("the class path entry " + jar + " changed").hasMessageContaining("restart the program");
  }

  @Test
  void aMissingEntryWasThereOnlyWithEvidence() throws Exception {
    Path held = jar("held open");
    try (FileChannel open = FileChannel.open(held, StandardOpenOption.READ)) {
      Files.delete(held);
      assertThat(open.size()).as("still readable through the open descriptor").isEqualTo(9);
      VanishedEntries evidence = VanishedEntries.ofThisThread();
      assertThat(evidence.wasThere(held)).as("deleted while this JVM holds it open").isTrue();
      assertThat(evidence.wasThere(tmp.resolve("never.jar"))).as("never there").isFalse();
      Path ownClasses = Path.of(getClass().getProtectionDomain().getCodeSource().getLocation().toURI());
      assertThat(evidence.wasThere(ownClasses)).as("a class on the stack came from it").isTrue();
    }
  }
}
