package org.asyncparallel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real remote hosts on this machine: network namespaces 10.77.0.11.., each with its own sshd,
 * hostname and /tmp, made by {@code scripts/testnet.sh} (needs root and openssh-server). The
 * repository and ~/.m2 are hidden from the hosts, so code must really be shipped.
 */
public final class TestNet implements AutoCloseable {
  public static final Path STATE = Path.of("/run/apttestnet");
  private final Path script;
  private final int hosts;

  private TestNet(Path script, int hosts) {
    this.script = script;
    this.hosts = hosts;
  }

  /** Brings up {@code n} hosts (after tearing down any left from before). */
  public static TestNet up(int n) throws Exception {
    Path repo = repositoryRoot();
    Path script = repo.resolve("scripts/testnet.sh");
    var net = new TestNet(script, n);
    net.run("down");
    List<String> hide = new ArrayList<>();
    for (Path dir : List.of(repo, Path.of(System.getProperty("user.home"), ".m2"))) {
      if (Files.isDirectory(dir) && !dir.toAbsolutePath().startsWith("/tmp")) {
        hide.add(dir.toAbsolutePath().toString());
      }
    }
    net.run(List.of("TESTNET_HIDE=" + String.join(" ", hide)), "up", Integer.toString(n));
    return net;
  }

  /** The repository root: the directory with scripts/testnet.sh above the working directory. */
  static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("scripts/testnet.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("scripts/testnet.sh not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  /** The ssh destination of host i (1-based). */
  public String host(int i) {
    return "10.77.0." + (10 + i);
  }

  /** The host names the hosts call themselves. */
  public String hostname(int i) {
    return "aptns" + i;
  }

  public List<String> hosts() {
    List<String> all = new ArrayList<>();
    for (int i = 1; i <= hosts; i++) {
      all.add(host(i));
    }
    return all;
  }

  /** The ssh command prefix for the library: the generated config (keys, known hosts). */
  public String[] sshCommand() {
    return new String[] {"ssh", "-F", STATE.resolve("ssh_config").toString()};
  }

  /** Host i's /tmp, as seen from here. */
  public Path tmpOf(int i) {
    return STATE.resolve("aptns" + i).resolve("tmp");
  }

  /**
   * Runs a shell command on host i over ssh, as root, in the host's own mount namespace (so a
   * mount made this way is seen by every later session on that host, and by nothing else).
   *
   * @return its stdout
   * @throws IllegalStateException with its output if it fails
   */
  public String exec(int i, String command) throws Exception {
    List<String> argv = new ArrayList<>(List.of(sshCommand()));
    argv.addAll(List.of(host(i), command));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("on host " + i + ": " + command + " failed:\n" + out);
    }
    return out;
  }

  /** Runs a command in host i's network namespace, from this machine (sysctl, say); returns its output. */
  public String inNetworkOf(int i, String... command) throws Exception {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", "aptns" + i));
    argv.addAll(List.of(command));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("in aptns" + i + ": " + String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }

  /** cut, heal, kill, crash, restart, freeze or thaw host i. */
  public void inject(String failure, int i) throws Exception {
    run(failure, Integer.toString(i));
  }

  /** Processes running on host i other than its sshd: "pid command" each. */
  public List<String> processesOn(int i) throws Exception {
    var p = new ProcessBuilder("ip", "netns", "pids", "aptns" + i).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    List<String> found = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      long pid = Long.parseLong(line.trim());
      String comm = comm(pid);
      if (comm != null && !comm.equals("sshd") && !comm.startsWith("sshd")) {
        found.add(pid + " " + ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse(comm));
      }
    }
    return found;
  }

  /**
   * Shuts the runtime down if one runs (a test's {@code init} may have failed, as it meant to), then
   * waits up to 15 s for every host to run nothing but sshd; returns what is left.
   */
  public List<String> shutDownAndAwaitNoProcesses() throws Exception {
    try {
      org.asyncparallel.Parallel.shutdown().get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IllegalStateException notStarted) {
      // nothing to shut down
    }
    return awaitNoProcesses(15_000);
  }

  /** Waits up to {@code millis} for every host to run nothing but sshd; returns what is left. */
  public List<String> awaitNoProcesses(long millis) throws Exception {
    long deadline = System.currentTimeMillis() + millis;
    List<String> left;
    do {
      left = new ArrayList<>();
      for (int i = 1; i <= hosts; i++) {
        if (Files.isDirectory(STATE.resolve("aptns" + i)) && Files.exists(Path.of("/run/netns/aptns" + i))) {
          left.addAll(processesOn(i));
        }
      }
      if (left.isEmpty()) {
        return left;
      }
      Thread.sleep(100);
    } while (System.currentTimeMillis() < deadline);
    return left;
  }

  private static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
    } catch (IOException e) {
      return null; // gone
    }
  }

  private void run(String... args) throws Exception {
    run(List.of(), args);
  }

  private void run(List<String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    for (String assignment : env) {
      int eq = assignment.indexOf('=');
      builder.environment().put(assignment.substring(0, eq), assignment.substring(eq + 1));
    }
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("testnet.sh " + String.join(" ", args) + " failed:\n" + out);
    }
  }

  @Override
  public void close() throws Exception {
    run("down");
  }
}
