package org.asyncparallel.internal.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.asyncparallel.internal.Threads;

/**
 * A class-data-sharing archive of the workers' classes, so that a worker JVM maps the classes it
 * needs, already loaded and linked, instead of loading them from jars. The first worker started
 * without an archive records one as it exits, to a file of its own, which is then renamed into
 * place; every later worker uses it. On JDK 25 and later (the workers' JDK being this one) it is
 * an AOT cache (JEP 483/514: {@code -XX:AOTCacheOutput}, {@code -XX:AOTCache}), which also keeps
 * the lambdas' linkage; before, a dynamic CDS archive ({@code -XX:ArchiveClassesAtExit}). One
 * archive per JDK and class path, kept in the code cache. Needs a class path of jars only (CDS
 * refuses directories): without one, workers simply start without an archive. A stale or
 * unusable archive is ignored by the JVM, silently ({@code -Xlog:cds*=off}, {@code -Xlog:aot*=off}).
 */
final class SharedArchive {
  private final Path archive;
  private final boolean aot;
  private final AtomicBoolean recording = new AtomicBoolean();
  private final Object assembly = new Object();
  private Process assembling; // guarded by assembly
  private boolean closed; // guarded by assembly

  private SharedArchive(Path archive, boolean aot) {
    this.archive = archive;
    this.aot = aot;
  }

  /**
   * The archive for this JDK, class path and JVM options (an archive made with other options, a
   * different GC say, would be refused by the JVM), or null when the class path does not allow one.
   */
  static SharedArchive forClassPath(String java, List<String> classPath, List<String> jvmOptions) {
    if (classPath.isEmpty() || !classPath.stream().allMatch(e -> e.endsWith(".jar") && Files.isRegularFile(Path.of(e)))) {
      return null;
    }
    try {
      String key = java + "\n" + System.getProperty("java.vm.version") + "\n" + String.join(":", classPath)
          + "\n" + String.join(" ", jvmOptions);
      String hash = CodeCache.sha256(key.getBytes(StandardCharsets.UTF_8)).substring(0, 24);
      boolean aot = Runtime.version().feature() >= 25
          && Path.of(java).equals(Path.of(System.getProperty("java.home"), "bin", "java"));
      sweepStale(CodeCache.directory());
      return new SharedArchive(CodeCache.directory().resolve("workers-" + hash + (aot ? ".aot" : ".jsa")), aot);
    } catch (IOException e) {
      return null;
    }
  }

  private static final java.util.regex.Pattern OWNED =
      java.util.regex.Pattern.compile("workers-[0-9a-f]+\\.(aot|jsa)\\.([0-9]+)\\.(tmp|made)");
  /**
   * Deletes the recordings and half-made archives of processes that have died (a main process
   * killed while its first worker recorded leaves them; their names carry its pid). Once per
   * runtime: a listing of the cache directory.
   */
  static void sweepStale(Path cache) {
    try (var files = Files.list(cache)) {
      for (Path file : files.toList()) {
        var m = OWNED.matcher(file.getFileName().toString());
        if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
          deleteQuietly(file);
        }
      }
    } catch (IOException | RuntimeException e) {
      // best effort: a leftover costs disk space only
    }
  }

  /** The JVM options for the next worker; {@link #started} must be told about the process. */
  List<String> options() {
    String quiet = aot ? "-Xlog:cds*=off,aot*=off" : "-Xlog:cds*=off";
    if (Files.isRegularFile(archive)) {
      return List.of((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive, quiet);
    }
    if (recording.compareAndSet(false, true)) {
      return aot
          ? List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + recordingFile(), quiet)
          : List.of("-XX:ArchiveClassesAtExit=" + recordingFile(), quiet);
    }
    return List.of(quiet);
  }

  /**
   * A line that the recording worker's JVM prints on its stdout and that is not the user's
   * (JDK 25 announces {@code AOTConfiguration recorded: FILE} whatever the log settings), or null.
   */
  String noiseMarker(List<String> options) {
    return aot && isRecording(options) ? "AOTConfiguration recorded: " + recordingFile() : null;
  }

  /**
   * Called with each worker started with {@link #options()}; {@code vmOptions} are the JVM
   * options and class path it was started with (an AOT cache is made with the same ones).
   */
  void started(Process process, List<String> options, List<String> vmOptions) {
    if (isRecording(options)) {
      // off the JDK's process reaper: assembling an AOT cache takes a JVM run of its own
      process.onExit().thenRunAsync(() -> install(vmOptions), Threads.CALLBACKS);
    }
  }

  private boolean isRecording(List<String> options) {
    return options.stream().anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit=") || o.equals("-XX:AOTMode=record"));
  }

  private Path recordingFile() {
    return archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
  }

  /** After the recording worker's exit (on a callback thread): puts the archive in place. */
  private void install(List<String> vmOptions) {
    Path recorded = recordingFile();
    Path made = archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".made");
    try {
      if (!Files.isRegularFile(recorded) || Files.size(recorded) == 0) {
        return; // the worker was killed, say: the next one records again
      }
      if (aot) {
        assemble(recorded, made, vmOptions);
        recorded = made;
      }
      if (Files.isRegularFile(recorded) && Files.size(recorded) > 0) {
        Files.move(recorded, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // no archive this time: the next worker records again
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      deleteQuietly(recordingFile());
      deleteQuietly(made);
      recording.set(false);
    }
  }

  /** Makes the AOT cache from the recorded configuration, in a JVM of its own (a second or so). */
  private void assemble(Path configuration, Path cache, List<String> vmOptions)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(vmOptions);
    command.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + configuration,
        "-XX:AOTCache=" + cache, "-Xlog:disable"));
    Process process;
    synchronized (assembly) {
      if (closed) {
        throw new IOException("the runtime is shutting down");
      }
      process = new ProcessBuilder(command)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      assembling = process;
    }
    try {
      process.getOutputStream().close();
      if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IOException("the AOT cache could not be made");
      }
    } finally {
      process.toHandle().destroyForcibly();
      process.waitFor();
      synchronized (assembly) {
        assembling = null;
      }
    }
  }

  /** Deletes the archive (its jars were put back, newer): the next worker records a new one. */
  void discard() {
    deleteQuietly(archive);
  }

  /** The pid of the JVM assembling the archive now, or 0 if none. */
  long assemblerPid() {
    synchronized (assembly) {
      return assembling == null ? 0 : assembling.pid();
    }
  }

  /**
   * Stops making an archive (at shutdown): no new one is started, one being made is ended. Blocks
   * until that process has exited.
   */
  void close() {
    Process process;
    synchronized (assembly) {
      closed = true;
      process = assembling;
    }
    if (process != null) {
      process.toHandle().destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // best effort
    }
  }
}
