package org.asyncparallel.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code cache forgets what has not been used for a week (every build of a program brings new
 * jars and a 15 MB class archive) and keeps what is in use.
 */
class CodeCacheTest {
  private static final String HASH = "a".repeat(64);
  private static final Instant NOW = Instant.now();

  @Test
  void jarsAndArchivesUnusedForAWeekAndLeftoversOlderThanADayAreRemovedTheRestKept(@TempDir Path cache)
      throws Exception {
    Path oldJar = file(cache, HASH + ".jar", Duration.ofDays(8));
    Path oldArchive = file(cache, "workers-0123abcd.aot", Duration.ofDays(8));
    Path oldCdsArchive = file(cache, "workers-4567cdef.jsa", Duration.ofDays(30));
    Path recentJar = file(cache, "b".repeat(64) + ".jar", Duration.ofDays(6));
    Path recentArchive = file(cache, "workers-89abcdef.aot", Duration.ofHours(1));
    Path killedUpload = Files.createDirectory(cache.resolve("incoming.Xy12Ab"));
    file(killedUpload, HASH + ".jar", Duration.ofDays(2));
    Files.setLastModifiedTime(killedUpload, FileTime.from(NOW.minus(Duration.ofDays(2))));
    Path killedCopy = file(cache, "incoming123.tmp", Duration.ofDays(2));
    Path uploadUnderWay = Files.createDirectory(cache.resolve("incoming.Cd34Ef"));
    Path someoneElses = file(cache, "notes.txt", Duration.ofDays(400));
    Path notAHashJar = file(cache, "mine.jar", Duration.ofDays(400));

    int removed = CodeCache.evictUnused(cache, NOW);

    assertThat(oldJar).doesNotExist();
    assertThat(oldArchive).doesNotExist();
    assertThat(oldCdsArchive).doesNotExist();
    assertThat(killedUpload).doesNotExist();
    assertThat(killedCopy).doesNotExist();
    assertThat(removed).isEqualTo(5);
    assertThat(recentJar).exists();
    assertThat(recentArchive).exists();
    assertThat(uploadUnderWay).exists();
    assertThat(someoneElses).exists();
    assertThat(notAHashJar).exists();
  }

  @Test
  void aFileMarkedUsedIsKeptAndMarkingRenewsItsTimeAtMostOnceADay(@TempDir Path cache) throws Exception {
    Path inUse = file(cache, HASH + ".jar", Duration.ofDays(10));
    Path hoursOld = file(cache, "workers-0123abcd.aot", Duration.ofHours(3));
    FileTime before = Files.getLastModifiedTime(hoursOld);

    CodeCache.markUsed(inUse);
    CodeCache.markUsed(hoursOld);
    CodeCache.markUsed(cache.resolve("gone.jar")); // nothing to mark: no error

    assertThat(Files.getLastModifiedTime(inUse).toInstant()).isAfter(NOW.minus(Duration.ofMinutes(1)));
    assertThat(Files.getLastModifiedTime(hoursOld)).isEqualTo(before);
    assertThat(CodeCache.evictUnused(cache, NOW)).isZero();
    assertThat(inUse).exists();
  }

  @Test
  void materializingMarksThePiecesThatAreAlreadyThereUsed() throws Exception {
    byte[] bytes = ("piece " + System.nanoTime()).getBytes();
    String name = CodeCache.sha256(bytes) + ".jar";
    var piece = new CodeCache.Piece() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public byte[] bytes() {
        return bytes;
      }
    };
    Path cached = Path.of(CodeCache.materialize(java.util.List.of(piece)).get(0));
    try {
      Files.setLastModifiedTime(cached, FileTime.from(NOW.minus(Duration.ofDays(9))));
      CodeCache.materialize(java.util.List.of(piece));
      assertThat(Files.getLastModifiedTime(cached).toInstant()).isAfter(NOW.minus(Duration.ofMinutes(1)));
    } finally {
      Files.deleteIfExists(cached);
    }
  }

  private static Path file(Path dir, String name, Duration age) throws Exception {
    Path file = Files.writeString(dir.resolve(name), name);
    Files.setLastModifiedTime(file, FileTime.from(NOW.minus(age)));
    return file;
  }
}
