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
 * connection is dropped, nothing is deserialized, and everyone else keeps being served.
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

  @BeforeAll
  static void init() {
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

  @Test
  void theSecretIsNeitherOnTheCommandLineNorInTheEnvironmentOfAWorker() throws Exception {
    byte[] secret = ProcessRuntime.current().settings().secret().bytes();
    List<String> forms = List.of(HexFormat.of().formatHex(secret), HexFormat.of().withUpperCase().formatHex(secret),
        Base64.getEncoder().encodeToString(secret), Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
        new String(secret, StandardCharsets.ISO_8859_1));
    String exposed = Parallel.run(() -> {
      long pid = ProcessHandle.current().pid();
      return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.ISO_8859_1)
          + "\n" + new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.ISO_8859_1);
    }).get();
    assertThat(exposed).contains("org.asyncparallel.internal.worker.WorkerMain");
    for (String form : forms) {
      assertThat(exposed).doesNotContain(form);
    }
  }

  @Test
  void theSocketDirectoryIsPrivateToTheUser() throws Exception {
    var permissions = Files.getPosixFilePermissions(rootSocket().getParent());
    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(permissions)).isEqualTo("rwx------");
  }
}
