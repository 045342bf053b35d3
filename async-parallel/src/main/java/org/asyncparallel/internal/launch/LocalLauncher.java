package org.asyncparallel.internal.launch;

import java.io.File;
import java.io.IOException;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.asyncparallel.ParallelException;
import org.asyncparallel.internal.net.UnixSocketsInit;
import java.util.concurrent.TimeUnit;

/**
 * Starts worker JVMs on this machine: the same JDK (unless configured), the given class path (the
 * code cache's jars when it could be made, else this process's class path), the library's
 * {@code WorkerMain} as entry point, and the bootstrap record on stdin. Workers share a
 * class-data-sharing archive when the class path allows one ({@link SharedArchive}).
 */
public final class LocalLauncher {
  /**
   * JVM options for every worker, before the user's (which override them): small and quick to
   * start ({@link UnixSocketsInit#EXPORT_OPTION}: no security providers at the first connection).
   * The tier-3 (profiling C1) thresholds are doubled: a starting worker runs hundreds of methods
   * a few hundred times each, and compiled them all with profiling, whose code and compiler arenas
   * stayed resident: an idle spawned worker's RSS about -0.9 MiB and ~5 ms less CPU per trivial run
   * (probes of 5 workers, alternating, session 10); a method called often still reaches C1 and C2
   * (0.2 s and 0.8 s compute tasks: same times within noise).
   */
  static final List<String> DEFAULT_OPTIONS = List.of(
      "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError", UnixSocketsInit.EXPORT_OPTION,
      "-XX:Tier3InvocationThreshold=400", "-XX:Tier3MinInvocationThreshold=200",
      "-XX:Tier3CompileThreshold=4000", "-XX:Tier3BackEdgeThreshold=120000");
  /**
   * The initial heap, unless the user sizes the heap: small (it grows as a task needs), so that a
   * worker's young generation is small and the few megabytes a worker allocates while it starts
   * are collected and their pages used again, instead of each allocation touching a fresh page of
   * a young generation sized from the machine's memory (128 MB here): an idle worker's RSS 56 ->
   * 49 MB, and fewer page faults (wide 100: 8.8-9.3 s vs 9.8-10.6 s, probes alternating).
   */
  static final String INITIAL_HEAP = "-Xms16m";
  /**
   * The system property that names the NIO selector provider. Unset, a JVM's first socket looks for
   * a provider on the class path first ({@code ServiceLoader}): it opens every jar of the class path
   * and reads its index, which a worker mapping the class archive otherwise never does. With 60
   * jars that was a third of a worker's CPU (~100 ms of ~300 ms, async-profiler); with 2 jars a
   * few ms. Workers get the provider this process uses when it is the JDK's own: the same JDK
   * class (the platform's, EPoll on Linux), found by name without the search.
   */
  static final String SELECTOR_PROVIDER = "java.nio.channels.spi.SelectorProvider";
  private static final String MAIN = "org.asyncparallel.internal.worker.WorkerMain";

  private final String java;
  private final List<String> userOptions;
  private final String classPath;
  private final List<String> entries;
  private final List<? extends CodeCache.Piece> cached;
  private final SharedArchive archive;
  private final List<String> defaults; // DEFAULT_OPTIONS, and INITIAL_HEAP unless the user sizes the heap
  private static final long MARK_NANOS = TimeUnit.HOURS.toNanos(1);
  private volatile long lastMarked = System.nanoTime(); // when the cached jars were last marked used

  /**
   * @param javaCommand the launcher, or null for the one running this process
   * @param userOptions extra JVM options, after the defaults
   * @param classPath the workers' class path, or null for this process's
   */
  public LocalLauncher(String javaCommand, List<String> userOptions, List<String> classPath) {
    this(javaCommand, userOptions, classPath, null);
  }

  /**
   * @param cached the pieces {@code classPath} was made from by {@link CodeCache#materialize}, or
   *     null: before each start, a cached jar that has gone (a /tmp cleaner removed it) is put back
   *     from them
   */
  public LocalLauncher(String javaCommand, List<String> userOptions, List<String> classPath,
      List<? extends CodeCache.Piece> cached) {
    this.java = javaCommand != null ? javaCommand
        : Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.userOptions = List.copyOf(userOptions);
    List<String> entries = classPath != null ? classPath
        : List.of(System.getProperty("java.class.path").split(File.pathSeparator));
    this.entries = List.copyOf(entries);
    this.cached = cached == null ? null : List.copyOf(cached);
    this.classPath = String.join(File.pathSeparator, entries);
    this.defaults = defaultsFor(this.userOptions);
    List<String> vmOptions = new ArrayList<>(defaults);
    vmOptions.addAll(this.userOptions);
    this.archive = SharedArchive.forClassPath(this.java, entries, vmOptions);
  }

  /**
   * The library's options for workers with these user options: {@link #DEFAULT_OPTIONS};
   * {@link #INITIAL_HEAP} only if they do not size the heap (it would clash with a smaller
   * {@code -Xmx}); the {@link #SELECTOR_PROVIDER} unless they name one.
   */
  static List<String> defaultsFor(List<String> userOptions) {
    boolean sized = userOptions.stream().anyMatch(o -> o.startsWith("-Xms") || o.startsWith("-Xmx")
        || o.startsWith("-XX:InitialHeapSize=") || o.startsWith("-XX:MaxHeapSize=") || o.startsWith("-XX:MinHeapSize="));
    List<String> options = new ArrayList<>(DEFAULT_OPTIONS);
    if (!sized) {
      options.add(INITIAL_HEAP);
    }
    String provider = SelectorProvider.provider().getClass().getName();
    if (provider.startsWith("sun.nio.ch.") && userOptions.stream().noneMatch(o -> o.startsWith("-D" + SELECTOR_PROVIDER + "="))) {
      options.add("-D" + SELECTOR_PROVIDER + "=" + provider);
    }
    return List.copyOf(options);
  }

  /**
   * Checks that a configured java launcher exists: a path must name an executable file, a bare
   * name must be found on the PATH. Null (this JVM's own java) passes. Looks at the file system only.
   *
   * @throws ParallelException naming the launcher and saying what to do, if it is missing
   */
  public static void requireJava(String javaCommand) {
    if (javaCommand == null || isExecutable(javaCommand)) {
      return;
    }
    throw new ParallelException("the java launcher " + javaCommand + " (Config.javaCommand) "
        + (javaCommand.contains(File.separator) ? "does not exist or is not an executable file"
            : "is not on the PATH (" + System.getenv().getOrDefault("PATH", "") + ")")
        + ". Give the java of a JDK 21 or newer, or leave javaCommand unset to start workers with this"
        + " JVM's own, " + Path.of(System.getProperty("java.home"), "bin", "java"));
  }

  private static boolean isExecutable(String command) {
    if (command.contains(File.separator)) {
      Path file = Path.of(command);
      return Files.isRegularFile(file) && Files.isExecutable(file);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && isExecutable(Path.of(dir, command).toString())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts a worker JVM; it waits for its bootstrap record ({@link WorkerProcess#sendBootstrap}).
   * All or nothing: if the process starts but its output pumps cannot (no thread can be created),
   * it is killed and reaped before this throws, so no process and no pipe is left behind.
   *
   * @throws IOException if the operating system refuses the process or its threads; the message
   *     says what was refused (too many open files, too many processes, no memory, no such program)
   */
  public WorkerProcess start(long workerId) throws IOException {
    restoreCache();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(defaults);
    List<String> archiveOptions = archive == null ? List.of() : archive.options();
    command.addAll(archiveOptions);
    command.add("-Dasyncparallel.worker=" + workerId);
    command.addAll(userOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(MAIN);
    Process process;
    try {
      process = ProcessStarts.start(new ProcessBuilder(command));
    } catch (IOException | OutOfMemoryError e) {
      throw LaunchFailure.of(e);
    }
    try {
      return pumped(workerId, process, archiveOptions);
    } catch (RuntimeException | OutOfMemoryError e) {
      abandon(process);
      throw LaunchFailure.of(e);
    }
  }

  /** Starts the output pumps of a started process (each a thread). */
  private WorkerProcess pumped(long workerId, Process process, List<String> archiveOptions) {
    String noise = null;
    boolean records = false;
    if (archive != null) {
      archive.started(process, archiveOptions);
      noise = archive.noiseMarker(archiveOptions);
      records = SharedArchive.records(archiveOptions);
    }
    String tag = "worker-" + process.pid();
    var stdout = OutputPump.start("stdout-" + tag, process.getInputStream(), () -> System.out, noise);
    var stderr = OutputPump.start("stderr-" + tag, process.getErrorStream(), () -> System.err);
    return new WorkerProcess(workerId, process, stdout, stderr, records);
  }

  /**
   * Puts back cached jars of the class path that have gone since {@code init} (a cleaner of /tmp
   * removes files not touched for days), from their sources: a long-running program keeps
   * starting workers. A few {@code stat} calls when nothing is missing.
   *
   * @throws IOException if the cache cannot be written
   * @throws ParallelException naming the class path entry, if a jar's source has gone too
   */
  private void restoreCache() throws IOException {
    if (cached == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastMarked > MARK_NANOS) { // a long-running program keeps its jars from eviction
      lastMarked = now;
      entries.forEach(entry -> CodeCache.markUsed(Path.of(entry)));
    }
    for (String entry : entries) {
      if (!Files.exists(Path.of(entry))) {
        CodeCache.materialize(cached);
        if (archive != null) {
          archive.discard(); // made with the jars' old dates: the JVM would refuse it
        }
        return;
      }
    }
  }

  /**
   * The pids of the launcher's own background JVMs now: the training run of the workers' class
   * archive and the JVMs assembling it (each ends by itself within seconds).
   */
  public Set<Long> backgroundPids() {
    return archive == null ? Set.of() : archive.backgroundPids();
  }

  /** Kills a process that cannot be served, closes its pipes and reaps it (briefly). */
  private static void abandon(Process process) {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether the workers' class archive is in place (a worker's or a training run's). */
  public boolean hasArchive() {
    return archive != null && archive.present();
  }

  /** At the start of shutdown: no worker or training run starts to record a class archive. */
  public void stopRecording() {
    if (archive != null) {
      archive.stopStarting();
    }
  }

  /**
   * At shutdown, once the workers have been told to end: waits (up to 10 s) for a class archive
   * under way, the recording worker's exit included, then ends the JVMs still making it. Blocks.
   */
  public void close() {
    if (archive != null) {
      archive.close();
    }
  }
}
