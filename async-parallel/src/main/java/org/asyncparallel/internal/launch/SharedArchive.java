package org.asyncparallel.internal.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A class-data-sharing archive of the workers' classes (JDK CDS, dynamic archive), so that a
 * worker JVM maps the classes it needs instead of loading and linking them. The first worker
 * started without an archive records one as it exits ({@code -XX:ArchiveClassesAtExit}) to a file
 * of its own, which is then renamed into place; every later worker uses it. One archive per JDK
 * and class path, kept in the code cache. Needs a class path of jars only (CDS refuses
 * directories): without one, workers simply start without an archive. A stale or unusable archive
 * is ignored by the JVM, silently ({@code -Xlog:cds*=off}).
 */
final class SharedArchive {
  private final Path archive;
  private final AtomicBoolean recording = new AtomicBoolean();

  private SharedArchive(Path archive) {
    this.archive = archive;
  }

  /** The archive for this JDK and class path, or null when the class path does not allow one. */
  static SharedArchive forClassPath(String java, List<String> classPath) {
    if (classPath.isEmpty() || !classPath.stream().allMatch(e -> e.endsWith(".jar") && Files.isRegularFile(Path.of(e)))) {
      return null;
    }
    try {
      String key = java + "\n" + System.getProperty("java.vm.version") + "\n" + String.join(":", classPath);
      String hash = CodeCache.sha256(key.getBytes(StandardCharsets.UTF_8)).substring(0, 24);
      return new SharedArchive(CodeCache.directory().resolve("workers-" + hash + ".jsa"));
    } catch (IOException e) {
      return null;
    }
  }

  /** The JVM options for the next worker; {@link #started} must be told about the process. */
  List<String> options() {
    if (Files.isRegularFile(archive)) {
      return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds*=off");
    }
    if (recording.compareAndSet(false, true)) {
      return List.of("-XX:ArchiveClassesAtExit=" + recordingFile(), "-Xlog:cds*=off");
    }
    return List.of("-Xlog:cds*=off");
  }

  /** Called with each worker started with {@link #options()}. */
  void started(Process process, List<String> options) {
    if (options.stream().anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit="))) {
      process.onExit().thenRun(this::install);
    }
  }

  private Path recordingFile() {
    return archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
  }

  private void install() {
    Path recorded = recordingFile();
    try {
      if (Files.isRegularFile(recorded) && Files.size(recorded) > 0) {
        Files.move(recorded, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // no archive this time: the next worker records again
    } finally {
      try {
        Files.deleteIfExists(recorded);
      } catch (IOException ignored) {
        // best effort
      }
      recording.set(false);
    }
  }
}
