package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.asyncparallel.fixtures.Gadget;
import org.asyncparallel.internal.codec.Codec;
import org.asyncparallel.internal.runtime.ProcessRuntime;
import org.asyncparallel.internal.wire.FrameReader;
import org.asyncparallel.internal.wire.FrameWriter;
import org.asyncparallel.internal.wire.Handshake;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.ProtocolException;
import org.asyncparallel.internal.wire.Secret;
import org.asyncparallel.testing.HostilePeer;
import org.asyncparallel.testing.HostilePeer.Target;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.RecordingProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile input on every listening socket of a real runtime: the main process's Unix socket and
 * a spawned worker's; in a runtime with a worker machine (reached by a stand-in for ssh that runs
 * the remote command here), also the TCP ports of the main process, of a local worker and of a
 * worker of that machine. Each socket gets random bytes, cut hellos and proofs, bad magic and
 * versions, huge, zero and negative lengths, a serialized gadget whose {@code readObject} would
 * leave a marker file, a wrong secret, the secret of a runtime that has ended, real handshake
 * transcripts recorded through a proxy and replayed, a peer that knows the secret but sends bad
 * frames, and a flood of idle connections. After each kind of attack the runtime must still run
 * a task and answer on its channels; at the end no gadget has run anywhere, no process has died
 * and nothing was thrown uncaught. The figures are printed in a line starting
 * {@code HOSTILE-INPUT-FIGURES} (and written to {@code target/hostile-input-figures.txt}).
 */
@ExtendWith(NoLeftoverProcesses.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HostileInputTest {
  /** A dropped connection must be dropped well before the 30 s handshake deadline. */
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final Random RANDOM = new Random(0x5EC_2026L);

  private static final AtomicInteger beforeAuthentication = new AtomicInteger();
  private static final AtomicInteger withTheSecret = new AtomicInteger();
  private static final Map<String, Integer> perTarget = new LinkedHashMap<>();
  private static final List<String> crashes = new ArrayList<>();
  private static Path markers;       // gadgets sent without the secret leave their markers here
  private static Path markersWithSecret; // and those sent by a peer that knows it, here
  private static Secret endedRuntimeSecret;
  private static int gadgetReadsBefore;
  private static PrintStream originalErr;
  private static ByteArrayOutputStream errCopy;
  private static Thread.UncaughtExceptionHandler originalHandler;

  /** What the attacks of one runtime need. */
  private record Facts(Secret secret, int maxFrameBytes, List<Spawned<String, String, String>> echoes,
      Map<Target, List<byte[]>> recordings) {}

  @BeforeAll
  static void watch() throws Exception {
    markers = Files.createTempDirectory("asyncparallel-hostile-markers");
    markersWithSecret = Files.createTempDirectory("asyncparallel-hostile-markers-with-secret");
    // the detector works: a gadget read here leaves its marker (in a directory of its own)
    Path control = Files.createTempDirectory("asyncparallel-hostile-control");
    var bytes = new ByteArrayOutputStream();
    try (var out = new ObjectOutputStream(bytes)) {
      out.writeObject(new Gadget(control));
    }
    new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())).readObject();
    assertThat(Gadget.markers(control)).hasSize(1);
    deleteTree(control);
    gadgetReadsBefore = Gadget.READS.get();
    // every worker's stderr comes through this process's System.err: keep a copy to read
    originalErr = System.err;
    errCopy = new ByteArrayOutputStream();
    System.setErr(new PrintStream(new Tee(originalErr, errCopy), true, StandardCharsets.UTF_8));
    originalHandler = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      synchronized (crashes) {
        crashes.add("uncaught in " + thread.getName() + ": " + e);
      }
    });
  }

  @AfterAll
  static void report() throws IOException {
    System.setErr(originalErr);
    Thread.setDefaultUncaughtExceptionHandler(originalHandler);
    int deserialized = Gadget.markers(markers).size();
    int deserializedWithSecret = Gadget.markers(markersWithSecret).size();
    int readHere = Gadget.READS.get() - gadgetReadsBefore;
    deleteTree(markers);
    deleteTree(markersWithSecret);
    String line = "HOSTILE-INPUT-FIGURES: hostile inputs tried " + (beforeAuthentication.get() + withTheSecret.get())
        + " (" + beforeAuthentication.get() + " without the secret, " + withTheSecret.get()
        + " from a peer that knows it), objects deserialized before authentication " + deserialized
        + " (and " + deserializedWithSecret + " from a peer that knows the secret, on no link that carries"
        + " values; " + readHere + " of all of them in the main process), crashes " + crashes.size()
        + "; per socket " + perTarget;
    System.out.println(line);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "hostile-input-figures.txt"), line + "\n");
  }

  // ---------------------------------------------------------------------------------------------

  /** Every local socket; the secret of a runtime that was shut down first. */
  @Test
  @Order(1)
  void everySocketOfARuntimeOfOneMachineSurvivesEveryAttack() throws Exception {
    Parallel.init();
    try {
      endedRuntimeSecret = ProcessRuntime.current().settings().secret();
      assertThat(Parallel.run(() -> "the ended runtime worked").get()).isEqualTo("the ended runtime worked");
    } finally {
      Parallel.shutdown().get(60, TimeUnit.SECONDS);
    }
    Parallel.init();
    try {
      assertThat(ProcessRuntime.current().settings().secret().bytes()).isNotEqualTo(endedRuntimeSecret.bytes());
      var echo = Parallel.spawn(echoBody()).get(60, TimeUnit.SECONDS);
      Location where = where(echo);
      Path rootSocket = ProcessRuntime.current().settings().socketOf(ProcessHandle.current().pid());
      Target root = new HostilePeer.Unix("main process (Unix)", rootSocket);
      Target worker = new HostilePeer.Unix("worker (Unix)", Path.of(where.unixPath()));
      Map<Target, List<byte[]>> recordings = new LinkedHashMap<>();
      recordings.put(root, List.of(recordWorkerHello(rootSocket)));
      recordings.put(worker, List.of(recordChannelAttach(echo.channel(), Path.of(where.unixPath()))));
      Facts facts = new Facts(ProcessRuntime.current().settings().secret(),
          ProcessRuntime.current().settings().maxFrameBytes(), List.of(echo), recordings);
      attackEverything(root, facts);
      attackEverything(worker, facts);
      finish(facts, List.of(where.pid()));
    } finally {
      Parallel.shutdown().get(60, TimeUnit.SECONDS);
    }
  }

  /** The TCP ports of a runtime with a worker machine, and the Unix sockets on that machine. */
  @Test
  @Order(2)
  void everySocketOfARuntimeWithAWorkerMachineSurvivesEveryAttack() throws Exception {
    Path dir = Files.createTempDirectory("asyncparallel-fake-ssh");
    Path ssh = fakeSsh(dir);
    Parallel.init(Config.builder().cluster(new Cluster("master", List.of("fakehost")))
        .sshCommand(ssh.toString()).build());
    try {
      Hub<String, String> rootHub = Parallel.hub(); // its address names the main process's TCP port
      int rootPort = ProcessRuntime.addressOf(rootHub).endpoint().port();
      rootHub.close();
      assertThat(rootPort).isPositive();
      var local = Parallel.spawn(Where.on("master"), echoBody()).get(60, TimeUnit.SECONDS);
      var remote = Parallel.spawn(Where.on("fakehost"), echoBody()).get(60, TimeUnit.SECONDS);
      Location localWhere = where(local);
      Location remoteWhere = where(remote);
      assertThat(remoteWhere.port()).isPositive();
      List<Target> targets = List.of(
          new HostilePeer.Tcp("main process (TCP)", rootPort),
          new HostilePeer.Tcp("worker (TCP)", localWhere.port()),
          new HostilePeer.Tcp("worker of the worker machine (TCP)", remoteWhere.port()),
          new HostilePeer.Unix("worker of the worker machine (Unix)", Path.of(remoteWhere.unixPath())));
      Facts facts = new Facts(ProcessRuntime.current().settings().secret(),
          ProcessRuntime.current().settings().maxFrameBytes(), List.of(local, remote), Map.of());
      for (Target target : targets) {
        attackEverything(target, facts);
      }
      finish(facts, List.of(localWhere.pid(), remoteWhere.pid()));
    } finally {
      Parallel.shutdown().get(60, TimeUnit.SECONDS);
      deleteTree(dir);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** An echo server that also tells where it listens. */
  private static Body<String, String, String> echoBody() {
    return hub -> {
      for (HubEvent.Data<String> m : hub.listenSimple()) {
        if (m.message().equals("stop")) {
          return "stopped";
        }
        if (m.message().equals("where")) {
          var endpoint = ProcessRuntime.addressOf(hub).endpoint();
          hub.send(m.client(), ProcessHandle.current().pid() + "|" + endpoint.unixPath() + "|" + endpoint.port());
        } else {
          hub.send(m.client(), m.message());
        }
      }
      return "ended";
    };
  }

  private record Location(long pid, String unixPath, int port) {}

  private static Location where(Spawned<String, String, String> echo) throws InterruptedException {
    echo.channel().write("where");
    String[] parts = echo.channel().read().split("\\|");
    return new Location(Long.parseLong(parts[0]), parts[1], Integer.parseInt(parts[2]));
  }

  /** A real worker's control-link opening (hello, proof, HELLO), recorded at the main process's socket. */
  private static byte[] recordWorkerHello(Path rootSocket) throws Exception {
    try (var proxy = RecordingProxy.interpose(rootSocket)) {
      // more tasks at once than there are spares: workers started from now on connect through the
      // proxy, and at least one of them must, for every task to run
      List<java.util.concurrent.CompletableFuture<Integer>> tasks = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        tasks.add(Parallel.run(() -> {
          Thread.sleep(300);
          return 1;
        }));
      }
      for (var task : tasks) {
        assertThat(task.get(60, TimeUnit.SECONDS)).isEqualTo(1);
      }
      return proxy.await(b -> b.length >= 38 + 32 + 5 + 16 && b[38 + 32 + 4] == 1, 60_000);
    }
  }

  /** A real channel's opening (hello, proof, ATTACH, DATA), recorded at a worker's socket. */
  private static byte[] recordChannelAttach(Channel<String, String> channel, Path workerSocket) throws Exception {
    @SuppressWarnings("unchecked")
    var fresh = (Channel<String, String>) Codec.decode(Codec.encode(channel, "a channel"), "a channel");
    try (var proxy = RecordingProxy.interpose(workerSocket)) {
      fresh.write("recorded");
      assertThat(fresh.read()).isEqualTo("recorded");
      return proxy.await(b -> b.length >= 38 + 32 + 5 + 8 && b[38 + 32 + 4] == 2, 30_000);
    } finally {
      fresh.close();
    }
  }

  /** A stand-in for ssh: runs the remote command here, as if it had come over ssh from 127.0.0.1. */
  private static Path fakeSsh(Path dir) throws IOException {
    Path script = dir.resolve("ssh");
    Files.writeString(script, "#!/bin/sh\n"
        + "# the last argument is the remote command; the others are ssh options and the machine\n"
        + "for last; do :; done\n"
        + "SSH_CONNECTION='127.0.0.1 50000 127.0.0.1 22'; export SSH_CONNECTION\n"
        + "PATH='" + Path.of(System.getProperty("java.home"), "bin") + "':\"$PATH\"; export PATH\n"
        + "exec sh -c \"$last\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  // ---------------------------------------------------------------------------------------------

  @FunctionalInterface
  private interface Attack {
    void on(HostilePeer peer) throws Exception;
  }

  private static void attackEverything(Target target, Facts facts) throws Exception {
    Secret right = facts.secret();
    int max = facts.maxFrameBytes();
    byte[] gadget = gadgetStream(markers);
    byte[] gadgetFrame = HostilePeer.frameOf(new Message.Data(gadget));
    byte[] knownGadget = gadgetStream(markersWithSecret); // sent by a peer that knows the secret
    byte[] knownGadgetFrame = HostilePeer.frameOf(new Message.Data(knownGadget));
    byte[] bogusHello = HostilePeer.frameOf(new Message.Hello(RANDOM.nextLong() | Long.MIN_VALUE, 1));

    List<Attack> random = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      byte[] bytes = new byte[RANDOM.nextInt(4097)];
      RANDOM.nextBytes(bytes);
      random.add(p -> p.send(bytes).halfClose());
    }
    without(target, facts, "random bytes", random);

    List<Attack> cut = new ArrayList<>();
    for (int n : new int[] {0, 1, 4, 6, 20, 37}) {
      cut.add(p -> p.send(Arrays.copyOf(p.hello(), n)).halfClose());
    }
    without(target, facts, "cut hellos", cut);

    List<Attack> badHello = new ArrayList<>();
    for (short version : new short[] {0, 2, -1, 999}) {
      badHello.add(p -> p.send(ByteBuffer.wrap(p.hello()).putShort(4, version).array()).send(new byte[32]));
    }
    badHello.add(p -> p.send(ByteBuffer.wrap(p.hello()).put(3, (byte) '0').array()).send(new byte[32]));
    without(target, facts, "bad magic or version", badHello);

    List<Attack> lengths = new ArrayList<>();
    for (int length : new int[] {0, max + 1, Integer.MAX_VALUE, Integer.MIN_VALUE, -1}) {
      lengths.add(p -> p.send(HostilePeer.frameOf(length, (byte) 16, new byte[64])).halfClose());
    }
    without(target, facts, "frame lengths before the handshake", lengths);

    List<Attack> proofs = new ArrayList<>();
    for (int n : new int[] {0, 1, 31}) {
      proofs.add(p -> {
        p.send(p.hello());
        assertThat(p.read(70, BOUND)).as("a challenge").hasSize(70);
        p.send(new byte[n]).halfClose();
      });
    }
    for (int i = 0; i < 3; i++) {
      byte[] proof = new byte[32];
      RANDOM.nextBytes(proof);
      proofs.add(p -> p.send(p.hello()).send(proof).send(bogusHello));
    }
    without(target, facts, "cut and random proofs", proofs);

    without(target, facts, "a serialized gadget", List.of(
        p -> p.send(gadget).halfClose(),
        p -> p.send(gadgetFrame).halfClose(),
        p -> p.send(p.hello()).send(new byte[32]).send(gadgetFrame)));

    without(target, facts, "a wrong secret", List.of(
        p -> libraryClientIsRefused(p, Secret.generate()),
        p -> {
          p.handshakeWith(Secret.generate(), BOUND);
          p.send(bogusHello).send(gadgetFrame);
        },
        p -> {
          p.handshakeWith(Secret.generate(), BOUND);
          p.send(HostilePeer.frameOf(new Message.Attach(1))).send(gadgetFrame);
        }));

    without(target, facts, "the secret of a runtime that has ended", List.of(
        p -> libraryClientIsRefused(p, endedRuntimeSecret),
        p -> {
          p.handshakeWith(endedRuntimeSecret, BOUND);
          p.send(bogusHello).send(gadgetFrame);
        },
        p -> {
          p.handshakeWith(endedRuntimeSecret, BOUND);
          p.send(HostilePeer.frameOf(new Message.Attach(1))).send(gadgetFrame);
        }));

    List<Attack> replays = new ArrayList<>();
    for (byte[] transcript : facts.recordings().getOrDefault(target, List.of())) {
      for (int i = 0; i < 3; i++) {
        replays.add(p -> {
          p.send(transcript).send(gadgetFrame).halfClose();
          assertThat(p.read(70, BOUND)).as("the fresh challenge to a replayed hello").hasSize(70);
        });
      }
    }
    if (!replays.isEmpty()) {
      without(target, facts, "recorded sessions replayed", replays);
    }

    flood(target, facts, 50);
    beforeAuthentication.addAndGet(50);
    count(target, 50);

    // a peer that knows the secret, sending what no real peer sends
    List<Attack> frames = new ArrayList<>();
    for (int length : new int[] {0, max + 1, Integer.MAX_VALUE, Integer.MIN_VALUE, -1}) {
      frames.add(p -> authenticated(p, right).send(HostilePeer.frameOf(length, (byte) 1, new byte[16])));
    }
    for (int n : new int[] {1, 4, 10}) {
      frames.add(p -> authenticated(p, right).send(Arrays.copyOf(bogusHello, n)).halfClose());
    }
    frames.add(p -> authenticated(p, right).send(knownGadgetFrame)); // DATA as the first frame
    frames.add(p -> authenticated(p, right).send(HostilePeer.frameOf(5, (byte) 99, new byte[4])));
    frames.add(p -> authenticated(p, right).send(HostilePeer.frameOf(
        new Message.Request(1, "master", JobKind.RUN, knownGadget))).send(knownGadgetFrame));
    frames.add(p -> authenticated(p, right).send(bogusHello).send(knownGadgetFrame));
    frames.add(p -> authenticated(p, right).send(HostilePeer.frameOf(new Message.Attach(Long.MAX_VALUE)))
        .send(knownGadgetFrame));
    for (int i = 0; i < 8; i++) {
      byte[] bytes = new byte[1 + RANDOM.nextInt(200)];
      RANDOM.nextBytes(bytes);
      frames.add(p -> authenticated(p, right).send(bytes).halfClose());
    }
    attacks(target, facts, "bad frames from a peer that knows the secret", frames, withTheSecret);
  }

  private static HostilePeer authenticated(HostilePeer peer, Secret secret) throws IOException {
    assertThat(peer.handshakeWith(secret, BOUND)).isTrue();
    return peer;
  }

  /** The library's own client with another secret: it refuses the server and hangs up itself. */
  private static void libraryClientIsRefused(HostilePeer peer, Secret secret) {
    assertThatThrownBy(() -> Handshake.asClient(secret, new FrameReader(peer.channel(), 1 << 20),
        new FrameWriter(peer.channel())))
        .isInstanceOf(ProtocolException.class).hasMessageContaining("server does not know");
    peer.halfClose();
  }

  /** Holds {@code n} connections open, silent or with half a hello, while the runtime serves. */
  private static void flood(Target target, Facts facts, int n) throws Exception {
    List<HostilePeer> open = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        HostilePeer peer = HostilePeer.connect(target);
        open.add(peer);
        if (i % 2 == 1) {
          peer.send(Arrays.copyOf(peer.hello(), 20));
        }
      }
      stillServing(facts);
    } finally {
      open.forEach(HostilePeer::close);
    }
  }

  private static void without(Target target, Facts facts, String kind, List<Attack> attacks) throws Exception {
    attacks(target, facts, kind, attacks, beforeAuthentication);
  }

  /** Runs each attack on a connection of its own; each must be dropped; then the runtime must serve. */
  private static void attacks(Target target, Facts facts, String kind, List<Attack> attacks, AtomicInteger tally)
      throws Exception {
    for (Attack attack : attacks) {
      try (HostilePeer peer = HostilePeer.connect(target)) {
        attack.on(peer);
        assertThat(peer.droppedWithin(BOUND)).as(target.name() + ", " + kind + ": the connection is dropped").isTrue();
        tally.incrementAndGet();
        count(target, 1);
      }
    }
    stillServing(facts);
  }

  private static synchronized void count(Target target, int n) {
    perTarget.merge(target.name(), n, Integer::sum);
  }

  /** A task runs, and every echo server still answers. */
  private static void stillServing(Facts facts) throws Exception {
    assertThat(Parallel.run(() -> 21 * 2).get(60, TimeUnit.SECONDS)).isEqualTo(42);
    for (Spawned<String, String, String> echo : facts.echoes()) {
      String ping = "ping " + RANDOM.nextInt();
      echo.channel().write(ping);
      assertThat(echo.channel().read()).isEqualTo(ping);
    }
  }

  /** The echo servers end normally; no worker died, nothing was thrown uncaught, no gadget ran. */
  private static void finish(Facts facts, List<Long> workerPids) throws Exception {
    for (long pid : workerPids) {
      if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        synchronized (crashes) {
          crashes.add("worker " + pid + " died");
        }
      }
    }
    for (Spawned<String, String, String> echo : facts.echoes()) {
      echo.channel().write("stop");
      assertThat(echo.result().get(60, TimeUnit.SECONDS)).isEqualTo("stopped");
    }
    String err = errCopy.toString(StandardCharsets.UTF_8);
    for (String line : err.split("\n")) {
      if (line.contains("Exception in thread") || line.contains("A fatal error") || line.contains("OutOfMemoryError")) {
        synchronized (crashes) {
          crashes.add("stderr: " + line);
        }
      }
    }
    assertThat(crashes).isEmpty();
    assertThat(Gadget.markers(markers)).as("gadgets sent without the secret that ran in some process").isEmpty();
    assertThat(Gadget.markers(markersWithSecret)).as("gadgets sent with the secret that ran in some process")
        .isEmpty();
    assertThat(Gadget.READS.get() - gadgetReadsBefore).as("gadgets that ran in this process").isZero();
  }

  private static byte[] gadgetStream(Path markerDirectory) throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (var out = new ObjectOutputStream(bytes)) {
      out.writeObject(new Gadget(markerDirectory));
    }
    return bytes.toByteArray();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Writes to two streams. */
  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final ByteArrayOutputStream second;

    Tee(OutputStream first, ByteArrayOutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      synchronized (second) {
        second.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      synchronized (second) {
        second.write(b, off, len);
      }
    }

    @Override
    public void flush() throws IOException {
      first.flush();
    }
  }
}
