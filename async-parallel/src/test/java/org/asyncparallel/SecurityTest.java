package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.asyncparallel.internal.runtime.ProcessRuntime;
import org.asyncparallel.internal.wire.FrameReader;
import org.asyncparallel.internal.wire.FrameWriter;
import org.asyncparallel.internal.wire.Handshake;
import org.asyncparallel.internal.wire.ProtocolException;
import org.asyncparallel.internal.wire.Secret;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile bytes on the listening sockets of the main process and of a worker: each such
 * connection is dropped, nothing is deserialized, and everyone else keeps being served. The
 * secret shows in no command line, environment or file. (HostileInputTest throws much more at
 * every socket, TCP included.)
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SecurityTest {
  /** Counts its own deserializations: any count above zero means bytes reached a deserializer. */
  static final class Evil implements Serializable {
    static final AtomicInteger READS = new AtomicInteger();

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      READS.incrementAndGet();
    }
  }

  private static java.time.Instant started;

  @BeforeAll
  static void init() {
    started = java.time.Instant.now().minusSeconds(2);
    Parallel.init();
  }

  @AfterAll
  static void shutdown() {
    Parallel.shutdown().join();
  }

  private static Path rootSocket() {
    return ProcessRuntime.current().settings().socketOf(ProcessHandle.current().pid());
  }

  private static List<byte[]> hostileInputs() throws IOException {
    var evil = new ByteArrayOutputStream();
    try (var out = new ObjectOutputStream(evil)) {
      out.writeObject(new Evil());
    }
    byte[] random = new byte[4096];
    new Random(42).nextBytes(random);
    byte[] http = ("GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] hugeLength = ByteBuffer.allocate(64).putInt(0x7fffffff).put((byte) 16).array();
    byte[] rightMagicWrongVersion = ByteBuffer.allocate(38).put("APJ1".getBytes(StandardCharsets.US_ASCII))
        .putShort((short) 999).array();
    return List.of(evil.toByteArray(), random, http, hugeLength, rightMagicWrongVersion);
  }

  /** Sends the bytes and returns true if the server then closed the connection. */
  private static boolean droppedAfter(Path socket, byte[] bytes) throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      try {
        channel.write(ByteBuffer.wrap(bytes));
      } catch (IOException e) {
        return true; // already dropped while we wrote
      }
      return readsToEnd(channel);
    }
  }

  private static boolean readsToEnd(SocketChannel channel) {
    ByteBuffer sink = ByteBuffer.allocate(1024);
    try {
      while (true) {
        sink.clear();
        if (channel.read(sink) < 0) {
          return true;
        }
      }
    } catch (IOException e) {
      return true;
    }
  }

  private static void assertStillServing() throws Exception {
    assertThat(Parallel.run(() -> 21 * 2).get(30, TimeUnit.SECONDS)).isEqualTo(42);
  }

  @Test
  void garbageOnTheMainProcessesSocketIsDroppedAndNothingIsDeserialized() throws Exception {
    for (byte[] input : hostileInputs()) {
      assertThat(droppedAfter(rootSocket(), input)).isTrue();
    }
    assertThat(Evil.READS).hasValue(0);
    assertStillServing();
  }

  @Test
  void aWrongSecretIsRefusedBothWays() throws Exception {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(rootSocket()));
      var reader = new FrameReader(channel, 1 << 20);
      var writer = new FrameWriter(channel);
      assertThatThrownBy(() -> Handshake.asClient(Secret.generate(), reader, writer))
          .isInstanceOf(ProtocolException.class).hasMessageContaining("secret");
    }
    assertStillServing();
  }

  @Test
  void anAuthenticatedPeerSendingAHugeLengthIsDropped() throws Exception {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(rootSocket()));
      var writer = new FrameWriter(channel);
      Handshake.asClient(ProcessRuntime.current().settings().secret(), new FrameReader(channel, 1 << 20), writer);
      channel.write(ByteBuffer.allocate(5).putInt(0x7fffffff).put((byte) 2).flip());
      assertThat(readsToEnd(channel)).isTrue();
    }
    assertStillServing();
  }

  @Test
  void aSilentPeerIsDroppedAfterTheHandshakeDeadline() throws Exception {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(rootSocket()));
      var dropped = CompletableFuture.supplyAsync(() -> readsToEnd(channel));
      assertStillServing(); // served while the silent peer holds its connection
      assertThat(dropped.get(45, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void garbageOnAWorkersHubSocketIsDroppedAndItsClientsKeepWorking() throws Exception {
    Spawned<String, String, String> echo = Parallel.<String, String, String>spawn(hub -> {
      for (HubEvent.Data<String> m : hub.listenSimple()) {
        if (m.message().equals("stop")) {
          return "stopped";
        }
        hub.send(m.client(), m.message().equals("pid") ? String.valueOf(ProcessHandle.current().pid()) : m.message());
      }
      return "ended";
    }).get();
    Channel<String, String> channel = echo.channel();
    channel.write("pid");
    long workerPid = Long.parseLong(channel.read());
    Path workerSocket = ProcessRuntime.current().settings().socketOf(workerPid);
    assertThat(Files.exists(workerSocket)).isTrue();
    for (byte[] input : hostileInputs()) {
      assertThat(droppedAfter(workerSocket, input)).isTrue();
    }
    channel.write("still here");
    assertThat(channel.read()).isEqualTo("still here");
    channel.write("stop");
    assertThat(echo.result().get()).isEqualTo("stopped");
  }

  /** The secret as raw bytes and in the text forms a careless program would print it in. */
  private static List<byte[]> formsOf(byte[] secret) {
    return List.of(secret, HexFormat.of().formatHex(secret).getBytes(StandardCharsets.US_ASCII),
        HexFormat.of().withUpperCase().formatHex(secret).getBytes(StandardCharsets.US_ASCII),
        Base64.getEncoder().encodeToString(secret).getBytes(StandardCharsets.US_ASCII),
        Base64.getUrlEncoder().withoutPadding().encodeToString(secret).getBytes(StandardCharsets.US_ASCII));
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean writtenSinceTheStart(Path file) {
    try {
      return !Files.getLastModifiedTime(file).toInstant().isBefore(started);
    } catch (IOException e) {
      return false; // removed meanwhile
    }
  }

  /** Where the secret shows in a process's command line or environment (empty: nowhere). */
  private static List<String> exposures(long pid, List<byte[]> forms) {
    List<String> found = new java.util.ArrayList<>();
    for (String what : List.of("cmdline", "environ")) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(Path.of("/proc/" + pid + "/" + what));
      } catch (IOException e) {
        continue; // the process has ended meanwhile
      }
      for (byte[] form : forms) {
        if (contains(bytes, form)) {
          found.add("process " + pid + " has the secret in its " + what);
        }
      }
    }
    return found;
  }

  /**
   * The main process, every worker (spares, a spawned worker, and one that a worker asked for)
   * and every file written since the runtime started (and so since its secret was drawn) in its
   * socket directory and in the code cache (jars, class archives): none shows the secret in its
   * command line, its environment or its bytes.
   */
  @Test
  void theSecretIsInNoCommandLineNoEnvironmentAndNoFile() throws Exception {
    byte[] secret = ProcessRuntime.current().settings().secret().bytes();
    List<byte[]> forms = formsOf(secret);
    Spawned<String, String, String> outer = Parallel.<String, String, String>spawn(hub -> {
      Spawned<String, String, String> inner = Parallel.<String, String, String>spawn(h -> {
        for (HubEvent.Data<String> m : h.listenSimple()) {
          return "inner stopped";
        }
        return "inner ended";
      }).get();
      for (HubEvent.Data<String> m : hub.listenSimple()) {
        if (m.message().equals("stop")) {
          inner.channel().write("stop");
          return inner.result().get();
        }
        hub.send(m.client(), String.valueOf(ProcessHandle.current().pid()));
      }
      return "ended";
    }).get();
    outer.channel().write("up?"); // answered once the nested worker is running
    long outerPid = Long.parseLong(outer.channel().read());

    List<String> exposed = new java.util.ArrayList<>(exposures(ProcessHandle.current().pid(), forms));
    List<ProcessHandle> workers = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    for (ProcessHandle worker : workers) {
      exposed.addAll(exposures(worker.pid(), forms));
    }
    long workerMains = workers.stream().filter(p -> p.info().commandLine().orElse("")
        .contains("org.asyncparallel.internal.worker.WorkerMain")).count();
    assertThat(workerMains).as("workers looked at: the spawned one, its nested one, spares").isGreaterThanOrEqualTo(2);
    assertThat(workers.stream().map(ProcessHandle::pid)).contains(outerPid);

    List<Path> files = new java.util.ArrayList<>();
    for (Path dir : List.of(rootSocket().getParent(), org.asyncparallel.internal.launch.CodeCache.directory())) {
      assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
          .as("permissions of " + dir).isEqualTo("rwx------");
      try (var walk = Files.walk(dir)) {
        // not the runtime's lock file: opening and closing it in this process would release the
        // main process's lock on it (POSIX record locks belong to the process), and the next init
        // on this machine would then take the live runtime's directory for a dead one's
        walk.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("lock"))
            .filter(SecurityTest::writtenSinceTheStart).forEach(files::add);
      }
    }
    for (Path file : files) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        continue; // removed meanwhile (a worker's archive being renamed into place)
      }
      for (byte[] form : forms) {
        if (contains(bytes, form)) {
          exposed.add(file + " has the secret");
        }
      }
    }
    assertThat(exposed).as("where the secret shows, among the main process, " + workers.size()
        + " workers and " + files.size() + " files").isEmpty();

    outer.channel().write("stop");
    assertThat(outer.result().get()).isEqualTo("inner stopped");
  }

  @Test
  void theSocketDirectoryIsPrivateToTheUser() throws Exception {
    var permissions = Files.getPosixFilePermissions(rootSocket().getParent());
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(permissions)).isEqualTo("rwx------");
  }
}
