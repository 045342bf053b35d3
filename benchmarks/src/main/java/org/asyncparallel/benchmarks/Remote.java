package org.asyncparallel.benchmarks;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Channel;
import org.asyncparallel.Cluster;
import org.asyncparallel.Config;
import org.asyncparallel.Hub;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;
import org.asyncparallel.Where;
import org.asyncparallel.benchmarks.Stats.Kind;
import org.asyncparallel.benchmarks.Stats.Summary;

/**
 * The remote-host figures: {@code run} and {@code spawn} on a test host (a network namespace with
 * its own sshd, brought up by {@code scripts/testnet.sh}), next to what a user would do without the
 * library (a JVM started over ssh) and a raw Java TCP round trip between the two machines.
 * Needs root and OpenSSH's sshd (as the cluster tests do); without them, the figures are missing
 * and a note says why.
 */
final class Remote {
  static final String HOST = "10.77.0.11";
  private static final String SSH_CONFIG = "/run/apttestnet/ssh_config";

  private final Path repo;
  private final Map<String, Summary> s;
  private final Map<String, Double> v;

  Remote(Path repo, Map<String, Summary> s, Map<String, Double> v) {
    this.repo = repo;
    this.s = s;
    this.v = v;
  }

  /** Why the figures cannot be measured here, or null. */
  static String unavailable(Path repo) {
    if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) {
      return "OpenSSH's sshd is not installed (scripts/install-test-deps.sh installs it)";
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      return "the test hosts (network namespaces) need root";
    }
    if (!Files.isExecutable(repo.resolve("scripts/testnet.sh"))) {
      return "scripts/testnet.sh not found";
    }
    return null;
  }

  /** Brings up one test host, measures, and takes it down. The runtime must be shut down. */
  void measure(int reps) throws Exception {
    testnet("up", "1");
    try {
      var config = Config.builder()
          .cluster(new Cluster(InetAddress.getLocalHost().getHostName(), List.of(HOST)))
          .sshCommand("ssh", "-F", SSH_CONFIG)
          .build();
      Parallel.init(config);
      try {
        runAndSpawn(reps);
        roundTrips(2_000);
      } finally {
        Parallel.shutdown().get(60, TimeUnit.SECONDS);
      }
    } finally {
      testnet("down");
    }
  }

  private void runAndSpawn(int reps) throws Exception {
    List<Double> run = new ArrayList<>();
    List<Double> spawn = new ArrayList<>();
    List<Double> ssh = new ArrayList<>();
    for (int i = 0; i < reps + 2; i++) {
      boolean keep = i >= 2;
      hostSettled();
      long t0 = System.nanoTime();
      int one = Parallel.run(Where.on(HOST), () -> 1).get(60, TimeUnit.SECONDS);
      long t1 = System.nanoTime();
      if (one != 1) {
        throw new IllegalStateException("the remote run returned " + one);
      }
      Spawned<String, String, String> sp = Parallel.<String, String, String>spawn(Where.on(HOST),
          (Hub<String, String> hub) -> "done").get(60, TimeUnit.SECONDS);
      long t2 = System.nanoTime();
      sp.result().get(60, TimeUnit.SECONDS);
      hostSettled();
      long t3 = System.nanoTime();
      sshJava();
      long t4 = System.nanoTime();
      if (keep) {
        run.add((t1 - t0) / 1e9);
        spawn.add((t2 - t1) / 1e9);
        ssh.add((t4 - t3) / 1e9);
      }
    }
    s.put("remote.run", Summary.of(Kind.TIME, run));
    s.put("remote.spawn", Summary.of(Kind.TIME, spawn));
    s.put("remote.sshJava", Summary.of(Kind.TIME, ssh));
  }

  /**
   * Waits (at most 15 s) until the processes of the test host have stopped using CPU (they use
   * less than 20 ms over 200 ms): the spare workers that replace those just used have booted, so
   * that a measurement neither overlaps their start nor finds none ready. The host is a network
   * namespace of this machine: its processes are listed by {@code ip netns pids}.
   */
  private static void hostSettled() throws Exception {
    long deadline = System.nanoTime() + 15_000_000_000L;
    double before = hostCpuSeconds();
    while (System.nanoTime() < deadline) {
      Thread.sleep(200);
      double after = hostCpuSeconds();
      if (after >= before && after - before < 0.02) {
        return;
      }
      before = after;
    }
  }

  private static double hostCpuSeconds() throws Exception {
    var p = new ProcessBuilder("ip", "netns", "pids", "aptns1").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
    p.waitFor(10, TimeUnit.SECONDS);
    double ticks = 0;
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        String stat = java.nio.file.Files.readString(Path.of("/proc", line.trim(), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
      } catch (java.io.IOException | RuntimeException gone) {
        // it ended meanwhile
      }
    }
    return ticks / 100.0; // USER_HZ
  }

  /** {@code ssh HOST java -version}: a bare JVM started on the host the way a script would. */
  private void sshJava() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder("ssh", "-F", SSH_CONFIG, HOST, java, "-Xshare:auto", "-version")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("ssh " + HOST + " java -version failed");
    }
  }

  /**
   * 64-byte round trips to one spawned worker on the host: through its channel, and through a raw
   * TCP socket that the same worker serves from a plain thread (the baseline, same two machines,
   * same JVMs). Interleaved in rounds.
   */
  private void roundTrips(int count) throws Exception {
    Spawned<byte[], byte[], String> sp = Parallel.<byte[], byte[], String>spawn(Where.on(HOST),
        (Hub<byte[], byte[]> hub) -> {
          var server = new ServerSocket(0);
          Thread raw = new Thread(() -> echo(server));
          raw.setDaemon(true);
          raw.start();
          for (HubEvent.Data<byte[]> m : hub.listenSimple()) {
            if (m.message().length == 0) {
              hub.send(m.client(), Integer.toString(server.getLocalPort()).getBytes());
            } else {
              hub.send(m.client(), m.message());
            }
          }
          return "done";
        }).get(60, TimeUnit.SECONDS);
    Channel<byte[], byte[]> channel = sp.channel();
    channel.write(new byte[0]);
    int port = Integer.parseInt(new String(channel.read()));
    List<Double> lib = new ArrayList<>();
    List<Double> raw = new ArrayList<>();
    byte[] msg = new byte[64];
    try (var socket = new Socket(HOST, port)) {
      socket.setTcpNoDelay(true);
      var in = new DataInputStream(socket.getInputStream());
      var out = new DataOutputStream(socket.getOutputStream());
      for (int round = 0; round < 6; round++) {
        boolean keep = round > 0;
        for (int i = 0; i < count / 5; i++) {
          long t0 = System.nanoTime();
          channel.write(msg);
          channel.read();
          long t1 = System.nanoTime();
          out.write(msg);
          out.flush();
          in.readFully(msg);
          long t2 = System.nanoTime();
          if (keep) {
            lib.add((t1 - t0) / 1e9);
            raw.add((t2 - t1) / 1e9);
          }
        }
      }
    }
    channel.close();
    s.put("remote.rt", Summary.of(Kind.TIME, lib));
    s.put("remote.rawTcp", Summary.of(Kind.TIME, raw));
    v.put("n.remoteRt", (double) lib.size());
  }

  private static void echo(ServerSocket server) {
    try (var socket = server.accept()) {
      socket.setTcpNoDelay(true);
      var in = new DataInputStream(socket.getInputStream());
      var out = new DataOutputStream(socket.getOutputStream());
      byte[] buffer = new byte[64];
      while (true) {
        in.readFully(buffer);
        out.write(buffer);
        out.flush();
      }
    } catch (java.io.IOException e) {
      // the benchmark closed it
    }
  }

  private void testnet(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(repo.resolve("scripts/testnet.sh").toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("scripts/testnet.sh " + String.join(" ", args) + " failed");
    }
  }
}
