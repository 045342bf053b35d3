package org.asyncparallel.internal.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * This machine's content-addressed code cache, {@code ${TMPDIR:-/tmp}/asyncparallel-cache-<uid>}
 * (mode 0700): jars named by their SHA-256, the same layout the cluster ships to worker machines.
 * Local workers run from it too, so their class path is made of jars only, which lets the JVM
 * keep a class-data-sharing archive of it ({@link LocalLauncher}).
 */
public final class CodeCache {
  private CodeCache() {}

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
      if (!Files.exists(target)) {
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
