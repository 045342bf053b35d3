package org.asyncparallel.internal.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * Command lines that run something on a worker machine: the configured ssh prefix, options that
 * bound every wait (ssh's own settings and the user's ssh configuration still win where they set
 * them: the first value ssh sees is the one it uses, and the prefix comes first), the machine,
 * and one remote command for the remote shell. Host keys are checked as ssh normally does.
 */
final class SshCommand {
  private static final List<String> BOUNDS = List.of(
      "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=2", "-o", "ServerAliveCountMax=3");

  private final List<String> prefix;

  SshCommand(List<String> prefix) {
    this.prefix = List.copyOf(prefix);
  }

  /** The argv that runs {@code script} with {@code sh -c} on {@code machine}. */
  List<String> argv(String machine, String script) {
    List<String> argv = new ArrayList<>(prefix);
    argv.addAll(BOUNDS);
    argv.add(machine);
    argv.add("sh -c " + quote(script));
    return argv;
  }

  /** Single-quotes a string for a POSIX shell. */
  static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
