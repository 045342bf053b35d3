package org.asyncparallel.internal.launch;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.asyncparallel.internal.Threads;

/**
 * A class-data-sharing archive of the workers' classes, so that a worker JVM maps the classes it
 * needs, already loaded and linked, instead of loading them from jars. When a class path has none
 * yet, a training run ({@code internal.worker.Training}: a JVM of its own that goes through a
 * worker's steps in about a second and exits) records one, to a file of its own, which is then
 * put in place; every worker started after that uses it (those started meanwhile run without).
 * On JDK 25 and later (the workers' JDK being this one) it is an AOT cache (JEP 483:
 * {@code -XX:AOTMode=record}, then {@code create}), which also keeps the lambdas' linkage; before,
 * a dynamic CDS archive ({@code -XX:ArchiveClassesAtExit}). One archive per JDK, class path and
 * JVM options, kept in the code cache. Needs a class path of jars only (CDS refuses directories):
 * without one, workers simply start without an archive. A stale or unusable archive is ignored by
 * the JVM, silently ({@code -Xlog:cds*=off}, {@code -Xlog:aot*=off}); a training run that fails is
 * not tried again by the same runtime.
 */
final class SharedArchive {
  private static final String TRAINING = "org.asyncparallel.internal.worker.Training";
  private final Path archive;
  private final boolean aot;
  private final String java;
  private final List<String> vmOptions; // the workers' JVM options and class path
  private final Object lock = new Object();
  private Process running; // the training or assembling JVM now, guarded by lock
  private boolean trained; // a training run was started for the current jars, guarded by lock
  private int generation; // counts discards (jars put back): a run for older jars is not installed; lock
  private boolean closed; // guarded by lock
  private static final long MARK_NANOS = TimeUnit.HOURS.toNanos(1);
  private volatile long lastMarked = System.nanoTime() - MARK_NANOS - 1; // when options() last marked the archive used

  private SharedArchive(Path archive, boolean aot, String java, List<String> vmOptions) {
    this.archive = archive;
    this.aot = aot;
    this.java = java;
    this.vmOptions = List.copyOf(vmOptions);
  }

  /**
   * The archive for this JDK, class path and JVM options (an archive made with other options, a
   * different GC say, would be refused by the JVM), or null when the class path does not allow one.
   *
   * @param vmOptions the workers' JVM options (the library's and the user's), without the class path
   */
  static SharedArchive forClassPath(String java, List<String> classPath, List<String> vmOptions) {
    if (classPath.isEmpty() || !classPath.stream().allMatch(e -> e.endsWith(".jar") && Files.isRegularFile(Path.of(e)))) {
      return null;
    }
    try {
      String key = java + "\n" + System.getProperty("java.vm.version") + "\n" + String.join(":", classPath)
          + "\n" + String.join(" ", vmOptions);
      String hash = CodeCache.sha256(key.getBytes(StandardCharsets.UTF_8)).substring(0, 24);
      boolean aot = Runtime.version().feature() >= 25
          && Path.of(java).equals(Path.of(System.getProperty("java.home"), "bin", "java"));
      Path archive = CodeCache.directory().resolve("workers-" + hash + (aot ? ".aot" : ".jsa"));
      CodeCache.markUsed(archive); // before the eviction of unused files
      sweepStale(CodeCache.directory());
      CodeCache.evictUnused(CodeCache.directory(), Instant.now());
      List<String> options = new ArrayList<>(vmOptions);
      options.addAll(List.of("-cp", String.join(File.pathSeparator, classPath)));
      return new SharedArchive(archive, aot, java, options);
    } catch (IOException e) {
      return null;
    }
  }

  private static final Pattern OWNED =
      Pattern.compile("workers-[0-9a-f]+\\.(aot|jsa)\\.([0-9]+)-[0-9]+\\.(tmp|made)");
  /**
   * Deletes the recordings and half-made archives of processes that have died (a main process
   * killed while its training run recorded leaves them; their names carry its pid). Once per
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

  /**
   * The archive options for the next worker: the archive's when it is in place; otherwise none,
   * and the first call starts the training run that makes it.
   */
  List<String> options() {
    String quiet = aot ? "-Xlog:cds*=off,aot*=off" : "-Xlog:cds*=off";
    if (Files.isRegularFile(archive)) {
      long now = System.nanoTime();
      if (now - lastMarked > MARK_NANOS) { // a racy check: at worst marked twice
        lastMarked = now;
        CodeCache.markUsed(archive);
      }
      return List.of((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive, quiet);
    }
    train();
    return List.of(quiet);
  }

  /** Starts the training run, once per runtime; its exit puts the archive in place. */
  private void train() {
    Process process;
    int jars;
    synchronized (lock) {
      if (trained || closed) {
        return;
      }
      trained = true;
      jars = generation;
      List<String> command = new ArrayList<>();
      command.add(java);
      command.addAll(aot
          ? List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + ownFile(generation, "tmp"), "-Xlog:disable")
          : List.of("-XX:ArchiveClassesAtExit=" + ownFile(generation, "tmp"), "-Xlog:disable"));
      command.addAll(vmOptions);
      command.add(TRAINING);
      try {
        // stdin stays open: its end tells the training JVM that this process is gone
        process = new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
      } catch (IOException e) {
        return; // workers start without an archive
      }
      running = process;
    }
    // off the JDK's process reaper: assembling an AOT cache takes a JVM run of its own
    process.onExit().thenRunAsync(() -> install(process, jars), Threads.CALLBACKS);
  }

  /** A file of this process's training run for the given jars: its recording, or the half-made archive. */
  private Path ownFile(int jars, String suffix) {
    return archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + "-" + jars + "." + suffix);
  }

  /** After the training run's exit (on a callback thread): puts the archive in place. */
  private void install(Process training, int jars) {
    Path recorded = ownFile(jars, "tmp");
    Path made = ownFile(jars, "made");
    try {
      closeQuietly(training);
      if (training.exitValue() != 0 || !Files.isRegularFile(recorded) || Files.size(recorded) == 0) {
        return; // killed, or a step failed: no archive this time
      }
      if (aot) {
        assemble(recorded, made);
        recorded = made;
      }
      synchronized (lock) {
        if (jars != generation) {
          return; // made with jars that have since been put back: the JVM would refuse it
        }
      }
      if (Files.isRegularFile(recorded) && Files.size(recorded) > 0) {
        Files.move(recorded, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // no archive this time
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      deleteQuietly(ownFile(jars, "tmp"));
      deleteQuietly(made);
      synchronized (lock) {
        if (running == training) {
          running = null;
        }
      }
    }
  }

  /** Makes the AOT cache from the recorded configuration, in a JVM of its own (a second or so). */
  private void assemble(Path configuration, Path cache) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(vmOptions);
    command.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + configuration,
        "-XX:AOTCache=" + cache, "-Xlog:disable"));
    Process process;
    synchronized (lock) {
      if (closed) {
        throw new IOException("the runtime is shutting down");
      }
      process = new ProcessBuilder(command)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      running = process;
    }
    try {
      process.getOutputStream().close();
      if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IOException("the AOT cache could not be made");
      }
    } finally {
      process.toHandle().destroyForcibly();
      process.waitFor();
    }
  }

  private static void closeQuietly(Process process) {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /** Deletes the archive (its jars were put back, newer): a new training run makes another. */
  void discard() {
    synchronized (lock) {
      deleteQuietly(archive);
      generation++;
      trained = false;
    }
  }

  /** The pid of the JVM training for or assembling the archive now, or 0 if none. */
  long backgroundPid() {
    synchronized (lock) {
      return running == null ? 0 : running.pid();
    }
  }

  /**
   * Stops making an archive (at shutdown): no new one is started, one being made is ended. Blocks
   * until that process has exited.
   */
  void close() {
    Process process;
    synchronized (lock) {
      closed = true;
      process = running;
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
