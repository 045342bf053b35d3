package org.asyncparallel.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A main program of the test class path run in its own JVM (a "main process" of its own runtime),
 * with its stdout and stderr in files under {@code target/fixture-output}.
 */
public final class Fixture implements AutoCloseable {
  private final Process process;
  private final Path out;
  private final Path err;

  private Fixture(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  public static Fixture start(Class<?> mainClass, String... args) throws Exception {
    return start(List.of(), null, mainClass, args);
  }

  /**
   * Starts {@code mainClass} with a command in front of {@code java} (e.g. one that enters another
   * network namespace and then execs its arguments; empty for none) and, if not null, an entry in
   * front of the test class path.
   */
  public static Fixture start(List<String> commandPrefix, String classPathHead, Class<?> mainClass, String... args)
      throws Exception {
    String classPath = System.getProperty("java.class.path");
    return startWithClassPath(commandPrefix,
        classPathHead == null ? classPath : classPathHead + java.io.File.pathSeparator + classPath, mainClass, args);
  }

  /**
   * As {@link #start(Class, String...)}, on the given class path instead of the test's, with the
   * java command run by {@code wrapper} (which must exec it, so that the fixture's pid is the
   * JVM's: {@code sh -c 'ulimit -n 256 && exec "$0" "$@"'}, say).
   */
  public static Fixture startWithClassPath(List<String> wrapper, String classPath, Class<?> mainClass,
      String... args) throws Exception {
    List<String> command = new ArrayList<>(wrapper);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    Path dir = Path.of("target", "fixture-output");
    Files.createDirectories(dir);
    String name = mainClass.getSimpleName() + "-" + System.nanoTime();
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    Process process = new ProcessBuilder(command)
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    return new Fixture(process, out, err);
  }

  /**
   * Starts {@code mainClass} under {@code ulimit -n limit}, its classes from jars of this test's
   * class path (a jar stays open once read, so loading a class later needs no new descriptor; a
   * class directory would need one per class).
   */
  public static Fixture startUnderFileLimit(int limit, Class<?> mainClass, String... args) throws Exception {
    String jars = String.join(java.io.File.pathSeparator,
        org.asyncparallel.internal.launch.CodeCache.materialize(
            org.asyncparallel.internal.cluster.ClassPathBundle.ofThisProcess().pieces()));
    return startWithClassPath(List.of("sh", "-c", "ulimit -n " + limit + " && exec \"$0\" \"$@\""), jars,
        mainClass, args);
  }

  public Process process() {
    return process;
  }

  public long pid() {
    return process.pid();
  }

  public String stdout() throws Exception {
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  public String stderr() throws Exception {
    return Files.readString(err, StandardCharsets.UTF_8);
  }

  /** Waits until stdout has a line starting with {@code prefix}; returns the rest of that line. */
  public String awaitLine(String prefix, long millis) throws Exception {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      for (String line : stdout().split("\n")) {
        if (line.startsWith(prefix)) {
          return line.substring(prefix.length()).trim();
        }
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no line '" + prefix + "' from the fixture; stdout:\n" + stdout() + "\nstderr:\n" + stderr());
  }

  /** Waits for exit (killing the fixture and its descendants after {@code seconds}). */
  public int awaitExit(long seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      close();
      throw new AssertionError("the fixture did not end within " + seconds + " s; stdout:\n" + stdout()
          + "\nstderr:\n" + stderr());
    }
    return process.exitValue();
  }

  /** Kills the fixture and every process below it, by PID. */
  @Override
  public void close() throws Exception {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
