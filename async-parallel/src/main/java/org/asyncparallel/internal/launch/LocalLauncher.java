package org.asyncparallel.internal.launch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts worker JVMs on this machine: the same JDK (unless configured) and class path as this
 * process, the library's {@code WorkerMain} as entry point, and the bootstrap record on stdin.
 */
public final class LocalLauncher {
  /** JVM options for every worker, before the user's: small and quick to start. */
  static final List<String> DEFAULT_OPTIONS = List.of(
      "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError", "-Xshare:auto");
  private static final String MAIN = "org.asyncparallel.internal.worker.WorkerMain";

  private final String java;
  private final List<String> userOptions;
  private final String classPath;

  /**
   * @param javaCommand the launcher, or null for the one running this process
   * @param userOptions extra JVM options, after the defaults
   */
  public LocalLauncher(String javaCommand, List<String> userOptions) {
    this.java = javaCommand != null ? javaCommand
        : Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.userOptions = List.copyOf(userOptions);
    this.classPath = System.getProperty("java.class.path");
  }

  /**
   * Starts a worker JVM; it waits for its bootstrap record ({@link WorkerProcess#sendBootstrap}).
   *
   * @throws IOException if the process cannot be started (the message says why)
   */
  public WorkerProcess start(long workerId) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(DEFAULT_OPTIONS);
    command.add("-Dasyncparallel.worker=" + workerId);
    command.addAll(userOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(MAIN);
    Process process = new ProcessBuilder(command).start();
    String tag = "worker-" + process.pid();
    var stdout = OutputPump.start("stdout-" + tag, process.getInputStream(), () -> System.out);
    var stderr = OutputPump.start("stderr-" + tag, process.getErrorStream(), () -> System.err);
    return new WorkerProcess(workerId, process, stdout, stderr);
  }
}
