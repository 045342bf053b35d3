package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;
import org.asyncparallel.ParallelException;

/**
 * The root's private directory for the sockets of its machine's processes:
 * {@code <tmp>/asyncparallel-<runtime id>}, mode 0700, holding a {@code lock} file that the root
 * keeps locked while it lives. The kernel releases the lock however the root dies, so the next
 * {@code init} on the machine recognizes and removes directories of dead runtimes.
 */
public final class RuntimeDirectory implements AutoCloseable {
  private static final String PREFIX = "asyncparallel-";
  private final Path path;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private RuntimeDirectory(Path path, FileChannel lockChannel, FileLock lock) {
    this.path = path;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Removes stale directories, then creates and locks this runtime's. The directory is made and
   * locked under a name the clean-up ignores, and only then renamed into place, so another
   * runtime's clean-up never sees it unlocked.
   */
  public static RuntimeDirectory create(long runtimeId) {
    Path base = base();
    removeStale(base);
    Path dir = base.resolve(PREFIX + Long.toHexString(runtimeId));
    Path making = base.resolve(".making-" + PREFIX + Long.toHexString(runtimeId));
    FileChannel channel = null;
    try {
      Files.createDirectory(making, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      channel = FileChannel.open(making.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.lock();
      Files.writeString(making.resolve("owner"), Long.toString(ProcessHandle.current().pid()));
      Files.move(making, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return new RuntimeDirectory(dir, channel, lock);
    } catch (IOException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // going anyway
        }
      }
      deleteTree(making);
      throw new ParallelException("cannot create the runtime's socket directory " + dir + ": " + e, e);
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException ignored) {
      // the directory goes anyway
    }
    deleteTree(path);
  }

  /** /tmp when it exists (short paths: a socket path has at most 107 bytes), else java.io.tmpdir. */
  static Path base() {
    Path tmp = Path.of("/tmp");
    return Files.isDirectory(tmp) ? tmp : Path.of(System.getProperty("java.io.tmpdir"));
  }

  private static void removeStale(Path base) {
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, PREFIX + "*")) {
      for (Path dir : dirs) {
        if (isStale(dir)) {
          deleteTree(dir);
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // cleaning up after others is best effort
    }
  }

  /**
   * True when the directory's root is gone. Its owner's pid decides first, without touching the
   * lock: a POSIX lock belongs to the process, and closing <em>any</em> descriptor of the locked
   * file in the owning process releases it, so a probe from the owner's own JVM (another copy of
   * the library in another class loader, say) must never open the file. The lock is probed only
   * when the owner is unknown or dead (its pid reused by another process then keeps the directory
   * until a later clean-up).
   */
  private static boolean isStale(Path dir) {
    try {
      long owner = Long.parseLong(Files.readString(dir.resolve("owner")).trim());
      if (owner == ProcessHandle.current().pid() || ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
        return false;
      }
    } catch (IOException | NumberFormatException e) {
      // an older layout or half-made: the lock decides
    }
    Path lockFile = dir.resolve("lock");
    if (!Files.isRegularFile(lockFile) || !Files.isWritable(lockFile)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock probe = channel.tryLock();
      if (probe == null) {
        return false;
      }
      probe.release();
      return true;
    } catch (IOException | RuntimeException e) {
      return false; // locked by this JVM (OverlappingFileLockException) or unreadable: not ours to judge
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException ignored) {
      // best effort
    }
  }
}
