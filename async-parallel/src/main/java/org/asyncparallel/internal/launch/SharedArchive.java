package org.asyncparallel.internal.launch;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.asyncparallel.internal.Threads;

/**
 * A class-data-sharing archive of the workers' classes, so that a worker JVM maps the classes it
 * needs, already loaded and linked, instead of loading them from jars. On JDK 25 and later (the
 * workers' JDK being this one) it is an AOT cache (JEP 483: {@code -XX:AOTMode=record}, then
 * {@code create}), which also keeps the lambdas' linkage; before, a dynamic CDS archive
 * ({@code -XX:ArchiveClassesAtExit}). One archive per JDK, class path and JVM options, kept in the
 * code cache.
 *
 * <p>Two ways to make one, whichever ends first, each to a file of its own that is then put in
 * place (a later one replaces an earlier one): the first worker started without an archive records
 * one as it exits, so that the archive holds the classes of a real task too (the user's lambda and
 * its linkage: a few milliseconds of every later {@code run}); and if that worker has not ended
 * after {@link #TRAINING_AFTER}, a training run ({@code internal.worker.Training}, a JVM of its own
 * that goes through a worker's steps in under a second) records one, since a program's first
 * worker may live as long as the program (a deep cascade's top). A worker's archive replaces a
 * training run's, never the other way round: the training run knows none of the user's classes
 * (the pool gives the recording worker the next job for the same reason). Workers started
 * meanwhile run without. Needs a class path of jars only (CDS refuses directories): without one, workers simply
 * start without an archive. A stale or unusable archive is ignored by the JVM, silently
 * ({@code -Xlog:cds*=off}, {@code -Xlog:aot*=off}).
 */
final class SharedArchive {
  private static final String TRAINING = "org.asyncparallel.internal.worker.Training";
  /**
   * Tells the recording worker that it records: after its job it also goes through a hub's steps
   * ({@code WorkerMain}), so that the archive holds them whatever its job was.
   */
  static final String RECORDING_PROPERTY = "-Dasyncparallel.recording=true";
  /** How long the recording worker may live before a training run makes the archive instead. */
  static final Duration TRAINING_AFTER = Duration.ofSeconds(3);
  private final Path archive;
  private final boolean aot;
  private final String java;
  private final List<String> vmOptions; // the workers' JVM options and class path
  private final Object lock = new Object();
  private final Set<Process> running = new HashSet<>(); // training, assembling; lock
  private boolean recording; // a worker records for the current jars, guarded by lock
  private boolean trained; // a training run was started for the current jars, guarded by lock
  private boolean workerMade; // the archive in place was recorded by a worker, for the current jars; lock
  private int generation; // counts discards (jars put back): a run for older jars is not installed; lock
  private boolean closing; // shutting down: nothing new is recorded or trained; lock
  private boolean closed; // shut down: nothing more is assembled or put in place; lock
  private final Set<CompletableFuture<Void>> installs = new HashSet<>(); // under way; lock
  /**
   * How long shutdown waits for an archive under way (a recording worker's exit, the cache being
   * put together: a second or two, once per class path) before it ends the JVMs that make it. A
   * short program's first run would otherwise never leave an archive behind, and neither would
   * its next runs.
   */
  static final Duration FINISH_AT_SHUTDOWN = Duration.ofSeconds(10);
  /**
   * Options of a worker that maps the AOT cache, on JDK 25: no training replay. The cache also holds
   * the recording run's method profiles, and a JVM that replays them compiles those methods ahead
   * of need on its "Training replay" thread: 20-35 ms of CPU per worker (150-180 -> 110-145 ms per
   * trivial run, probes of 11 workers each, alternating), which a one-task worker mostly never
   * uses, and which wide and deep trees pay a hundred times on 2 CPUs. A diagnostic flag, hence
   * only on the JDK known to have it: a JVM refuses an option it does not know.
   */
  private static final List<String> NO_TRAINING_REPLAY = Runtime.version().feature() == 25
      ? List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTReplayTraining") : List.of();
  /**
   * Options of the JVMs that make an AOT cache (the recording worker or training run, and the
   * assembly), on JDK 25: no training data recorded. Workers do not replay it (above), and mapping
   * a cache that holds it cost every worker ~0.7 MiB of resident memory for nothing (idle spawned
   * workers, probes of 5, alternating, session 10).
   */
  private static final List<String> NO_TRAINING_RECORD = Runtime.version().feature() == 25
      ? List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTRecordTraining") : List.of();
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
      Pattern.compile("workers-[0-9a-f]+\\.(aot|jsa)\\.([0-9]+)-[wt][0-9]+\\.(tmp|made)");
  /**
   * Deletes the recordings and half-made archives of processes that have died (a main process
   * killed while a worker or training run recorded leaves them; their names carry its pid). Once per
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
   * The archive options for the next worker: for the first worker, the options that make it record
   * one (see {@link #started}) if there is none yet or only a training run's; otherwise the
   * archive's when it is in place; otherwise none.
   */
  List<String> options() {
    String quiet = aot ? "-Xlog:cds*=off,aot*=off" : "-Xlog:cds*=off";
    boolean present = present();
    if (!present || Files.exists(trainedMarker())) {
      synchronized (lock) {
        if (!recording && !closing) {
          recording = true;
          Path file = ownFile("w" + generation, "tmp");
          if (!aot) {
            return List.of("-XX:ArchiveClassesAtExit=" + file, quiet, RECORDING_PROPERTY);
          }
          List<String> record = new ArrayList<>(List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + file, quiet,
              RECORDING_PROPERTY));
          record.addAll(NO_TRAINING_RECORD);
          return record;
        }
      }
    }
    if (present) {
      long now = System.nanoTime();
      if (now - lastMarked > MARK_NANOS) { // a racy check: at worst marked twice
        lastMarked = now;
        CodeCache.markUsed(archive);
      }
      if (!aot) {
        return List.of("-XX:SharedArchiveFile=" + archive, quiet);
      }
      List<String> options = new ArrayList<>(List.of("-XX:AOTCache=" + archive, quiet));
      options.addAll(NO_TRAINING_REPLAY);
      return options;
    }
    return List.of(quiet);
  }

  /** Whether an archive is in place. */
  boolean present() {
    return Files.isRegularFile(archive);
  }

  /**
   * The file that says the archive in place was made by a training run: the first worker of the
   * next program records a better one (with the user's classes), even though that one exists.
   */
  private Path trainedMarker() {
    return archive.resolveSibling(archive.getFileName() + ".trained");
  }

  /**
   * A line that the recording worker's JVM prints on its stdout and that is not the user's
   * (JDK 25 announces {@code AOTConfiguration recorded: FILE} whatever the log settings), or null.
   */
  String noiseMarker(List<String> options) {
    return aot ? recordingFileOf(options) == null ? null : "AOTConfiguration recorded: " + recordingFileOf(options) : null;
  }

  /**
   * Called with each worker started with {@link #options()}: the recording one's exit puts its
   * archive in place, and a training run starts if it lives longer than {@link #TRAINING_AFTER}.
   */
  void started(Process worker, List<String> options) {
    String file = recordingFileOf(options);
    if (file == null) {
      return;
    }
    int jars = Integer.parseInt(file.replaceAll(".*-w([0-9]+)\\.tmp$", "$1"));
    // off the JDK's process reaper: assembling an AOT cache takes a JVM run of its own
    track(worker.onExit().thenRunAsync(() -> {
      if (!install(worker, Path.of(file), jars, true)) {
        train(); // it was killed before it could record, say
      }
    }, Threads.CALLBACKS));
    Threads.TIMER.schedule(() -> {
      if (worker.isAlive()) {
        Threads.CALLBACKS.execute(this::train);
      }
    }, TRAINING_AFTER.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether a worker started with these archive options records the archive. */
  static boolean records(List<String> options) {
    return recordingFileOf(options) != null;
  }

  /** The recording file named in a worker's archive options, or null if it does not record. */
  private static String recordingFileOf(List<String> options) {
    for (String option : options) {
      if (option.startsWith("-XX:AOTConfiguration=")) {
        return option.substring("-XX:AOTConfiguration=".length());
      }
      if (option.startsWith("-XX:ArchiveClassesAtExit=")) {
        return option.substring("-XX:ArchiveClassesAtExit=".length());
      }
    }
    return null;
  }

  /** Starts the training run, once for the current jars, unless the archive is there. */
  private void train() {
    Process process;
    int jars;
    synchronized (lock) {
      if (trained || closing || present()) {
        return;
      }
      trained = true;
      jars = generation;
      List<String> command = new ArrayList<>();
      command.add(java);
      Path file = ownFile("t" + jars, "tmp");
      command.addAll(aot
          ? List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + file, "-Xlog:disable")
          : List.of("-XX:ArchiveClassesAtExit=" + file, "-Xlog:disable"));
      if (aot) {
        command.addAll(NO_TRAINING_RECORD);
      }
      command.addAll(vmOptions);
      command.add(TRAINING);
      try {
        // stdin stays open: its end tells the training JVM that this process is gone
        process = ProcessStarts.start(new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD));
      } catch (IOException e) {
        return; // workers start without an archive
      }
      running.add(process);
    }
    Path file = ownFile("t" + jars, "tmp");
    track(process.onExit().thenRunAsync(() -> install(process, file, jars, false), Threads.CALLBACKS));
  }

  /** Counts an install under way until it is done (shutdown waits for it). */
  private void track(CompletableFuture<Void> install) {
    synchronized (lock) {
      installs.add(install);
    }
    install.whenComplete((v, e) -> {
      synchronized (lock) {
        installs.remove(install);
      }
    });
  }

  /** A file of this process's for the archive: a recording or a half-made archive. */
  private Path ownFile(String maker, String suffix) {
    return archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + "-" + maker + "." + suffix);
  }

  /**
   * After a recording JVM's exit (on a callback thread): puts the archive it recorded in place,
   * unless the jars were put back since (the JVM would refuse it), or unless it is a training
   * run's and a worker's is already there. False if it recorded nothing usable.
   *
   * @param byWorker whether a worker recorded it (rather than a training run)
   */
  private boolean install(Process recorder, Path recorded, int jars, boolean byWorker) {
    Path made = recorded.resolveSibling(recorded.getFileName().toString().replaceAll("\\.tmp$", ".made"));
    try {
      synchronized (lock) {
        running.remove(recorder);
      }
      closeQuietly(recorder);
      if (!Files.isRegularFile(recorded) || Files.size(recorded) == 0) {
        return false; // killed before its exit could record
      }
      if (byWorker && recorder.exitValue() != 0) {
        // halted: a spare ended with no job (it records as it halts, without the user's classes;
        // in a short program the first job often goes to the other spare), or a worker whose
        // owner went before its outcome did. Worth a training run's archive where there is none
        // (marked: the next program records again); never replaces one
        synchronized (lock) {
          if (present()) {
            return true;
          }
        }
        byWorker = false;
      }
      Path result = recorded;
      if (aot) {
        assemble(recorded, made);
        result = made;
      }
      synchronized (lock) {
        if (jars != generation || closed || (!byWorker && workerMade)) {
          return true; // nothing more to do for these jars
        }
        if (Files.isRegularFile(result) && Files.size(result) > 0) {
          if (!byWorker) {
            Files.write(trainedMarker(), new byte[0]); // first: a training run's archive never goes unmarked
          }
          Files.move(result, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          if (byWorker) {
            Files.deleteIfExists(trainedMarker());
          }
          workerMade = byWorker;
          return true;
        }
        return false;
      }
    } catch (IOException e) {
      return false; // no archive from this one
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      deleteQuietly(recorded);
      deleteQuietly(made);
    }
  }

  /** Makes the AOT cache from the recorded configuration, in a JVM of its own (a second or so). */
  private void assemble(Path configuration, Path cache) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(vmOptions);
    command.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + configuration,
        "-XX:AOTCache=" + cache, "-Xlog:disable"));
    command.addAll(NO_TRAINING_RECORD);
    Process process;
    synchronized (lock) {
      if (closed) {
        throw new IOException("the runtime is shutting down");
      }
      process = ProcessStarts.start(new ProcessBuilder(command)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD));
      running.add(process);
    }
    try {
      process.getOutputStream().close();
      if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IOException("the AOT cache could not be made");
      }
    } finally {
      process.toHandle().destroyForcibly();
      process.waitFor();
      synchronized (lock) {
        running.remove(process);
      }
    }
  }

  private static void closeQuietly(Process process) {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /** Deletes the archive (its jars were put back, newer): the next worker records another. */
  void discard() {
    synchronized (lock) {
      deleteQuietly(archive);
      deleteQuietly(trainedMarker());
      generation++;
      recording = false;
      trained = false;
      workerMade = false;
    }
  }

  /** The pids of the JVMs training for or assembling the archive now. */
  Set<Long> backgroundPids() {
    synchronized (lock) {
      Set<Long> pids = new HashSet<>();
      running.forEach(p -> pids.add(p.pid()));
      return pids;
    }
  }

  /**
   * At the start of shutdown: no new recording or training starts (a training run started while
   * the workers end would race the recording worker's exit, and only lose its shutdown time or,
   * on a busy machine, put a training run's archive in place of the worker's). One under way
   * goes on.
   */
  void stopStarting() {
    synchronized (lock) {
      closing = true;
    }
  }

  /**
   * Stops making archives (at shutdown): no new recording or training starts; one under way,
   * including the recording worker's exit, may finish for up to {@link #FINISH_AT_SHUTDOWN}, then
   * the JVMs still making it are ended. Blocks until they have exited.
   */
  void close() {
    List<CompletableFuture<Void>> underWay;
    synchronized (lock) {
      closing = true;
      underWay = List.copyOf(installs);
    }
    try {
      CompletableFuture.allOf(underWay.toArray(CompletableFuture[]::new))
          .get(FINISH_AT_SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // ended below
    }
    List<Process> processes;
    synchronized (lock) {
      closed = true;
      processes = List.copyOf(running);
    }
    for (Process process : processes) {
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
