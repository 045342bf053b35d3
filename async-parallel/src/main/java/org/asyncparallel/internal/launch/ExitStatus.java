package org.asyncparallel.internal.launch;

import java.util.Map;

/** Words for a process's exit value (the JDK reports death by signal N as 128 + N). */
final class ExitStatus {
  private static final Map<Integer, String> SIGNALS = Map.of(
      1, "SIGHUP", 2, "SIGINT", 3, "SIGQUIT", 4, "SIGILL", 6, "SIGABRT",
      9, "SIGKILL", 11, "SIGSEGV", 13, "SIGPIPE", 15, "SIGTERM");

  private ExitStatus() {}

  static String describe(int exitValue) {
    if (exitValue > 128 && exitValue < 128 + 65) {
      int signal = exitValue - 128;
      return "was killed by signal " + signal + " (" + SIGNALS.getOrDefault(signal, "signal " + signal) + ")";
    }
    return "exited with status " + exitValue;
  }
}
