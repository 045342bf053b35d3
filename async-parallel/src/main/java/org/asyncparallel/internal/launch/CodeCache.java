package org.asyncparallel.internal.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * This machine's content-addressed code cache, {@code ${TMPDIR:-/tmp}/asyncparallel-cache-<uid>}
 * (mode 0700): jars named by their SHA-256, the same layout the cluster ships to worker machines.
 * Local workers run from it too, so their class path is made of jars only, which lets the JVM
 * keep a class-data-sharing archive of it ({@link LocalLauncher}).
 *
 * <p>Every build of a program makes new jars and a new class archive (about 15 MB), so the cache
 * forgets what has not been used for {@link #UNUSED_FOR}: files in use have their modification
 * time renewed (at most once a day, {@link #markUsed}), and {@link #evictUnused} removes the rest
 * when a runtime starts. A program that outlives its files gets its jars put back before its next
 * worker starts ({@link LocalLauncher}) and its archive made again.
 */
public final class CodeCache {
  /** How long a jar or class archive may go unused before a starting runtime removes it. */
  public static final Duration UNUSED_FOR = Duration.ofDays(7);
  /** How old the leftovers of an upload or a copy that was killed midway must be to be removed. */
  static final Duration LEFTOVER_AFTER = Duration.ofDays(1);
  private static final Duration MARK_EVERY = Duration.ofDays(1);
  private static final Pattern KEPT = Pattern.compile("[0-9a-f]{64}\\.jar|workers-[0-9a-f]+\\.(aot|jsa)(\\.trained)?");
  private static final Pattern LEFTOVER = Pattern.compile("incoming.*");

  private CodeCache() {}

  /**
   * Notes that {@code file} is in use, so that {@link #evictUnused} keeps it: renews its
   * modification time if that is more than a day old. Best effort: a file that cannot be touched
   * is put back or made again if it is removed.
   */
  public static void markUsed(Path file) {
    try {
      Instant now = Instant.now();
      if (Files.getLastModifiedTime(file).toInstant().isBefore(now.minus(MARK_EVERY))) {
        Files.setLastModifiedTime(file, FileTime.from(now));
      }
    } catch (IOException e) {
      // gone, or not ours to touch
    }
  }

  /**
   * Removes the cache's jars and class archives unused for {@link #UNUSED_FOR} (by modification
   * time, which {@link #markUsed} renews) and the leftovers of killed copies and uploads
   * ({@code incoming*}) older than a day. Other files are left alone. Best effort: what cannot be
   * removed stays.
   *
   * @return how many entries were removed
   */
  public static int evictUnused(Path cache, Instant now) {
    int removed = 0;
    try (var entries = Files.list(cache)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        Duration limit = KEPT.matcher(name).matches() ? UNUSED_FOR
            : LEFTOVER.matcher(name).matches() ? LEFTOVER_AFTER : null;
        try {
          if (limit != null && Files.getLastModifiedTime(entry).toInstant().isBefore(now.minus(limit))) {
            deleteTree(entry);
            removed++;
          }
        } catch (IOException e) {
          // in use by the file system's rules, or removed by another process meanwhile
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort: an unlisted cache costs disk space only
    }
    return removed;
  }

  private static void deleteTree(Path path) throws IOException {
    if (!Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.deleteIfExists(path);
      return;
    }
    try (var walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The cache directory of this user on this machine (created 0700 if missing). */
  public static Path directory() throws IOException {
    String tmp = System.getenv().getOrDefault("TMPDIR", "/tmp");
    Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    Path dir = Path.of(tmp.isEmpty() ? "/tmp" : tmp, "asyncparallel-cache-" + uid);
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // another process made it
      }
    }
    return dir;
  }

  /** The SHA-256 of the bytes, in lower-case hex: a piece's name in the cache, less ".jar". */
  public static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }

  /** A piece of the class path: its file name in the cache and a way to get its bytes. */
  public interface Piece {
    String name();

    /** @throws org.asyncparallel.ParallelException if its source is gone or changed, naming it */
    byte[] bytes();
  }

  /**
   * Puts every missing piece into the cache (write aside, then an atomic rename) and returns the
   * class path of cached jars, in order. Whatever fails, no partly written file is left.
   *
   * @throws IOException if the cache cannot be written (disk full, permissions)
   * @throws org.asyncparallel.ParallelException from a piece whose source is gone or changed
   */
  public static List<String> materialize(List<? extends Piece> pieces) throws IOException {
    Path dir = directory();
    List<String> classPath = new ArrayList<>();
    for (Piece piece : pieces) {
      Path target = dir.resolve(piece.name());
      if (Files.exists(target)) {
        markUsed(target);
      } else {
        Path temp = Files.createTempFile(dir, "incoming", ".tmp");
        try {
          Files.write(temp, piece.bytes());
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(temp);
        }
      }
      classPath.add(target.toString());
    }
    return classPath;
  }
}
