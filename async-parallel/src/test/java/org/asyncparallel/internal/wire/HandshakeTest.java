package org.asyncparallel.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HandshakeTest {
  private static final int MAX = 1 << 20;
  private static final byte[] MAGIC = {'A', 'P', 'J', '1'};
  private static final int HELLO = 38;
  private static final int CHALLENGE = 70;
  private static final int PROOF = 32;

  /** Two one-way pipes make a duplex in-memory link; the client's sends are recorded. */
  private Pipe clientToServer;
  private Pipe serverToClient;
  private TestChannels.Tee clientSent;
  private TestChannels.Tee serverSent;
  private ExecutorService threads;

  @BeforeEach
  void openPipes() throws IOException {
    clientToServer = Pipe.open();
    serverToClient = Pipe.open();
    clientSent = new TestChannels.Tee(clientToServer.sink());
    serverSent = new TestChannels.Tee(serverToClient.sink());
    threads = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void closePipes() throws IOException {
    threads.shutdownNow();
    clientToServer.sink().close();
    clientToServer.source().close();
    serverToClient.sink().close();
    serverToClient.source().close();
  }

  private FrameReader serverReader() {
    return new FrameReader(clientToServer.source(), MAX);
  }

  private FrameWriter serverWriter() {
    return new FrameWriter(serverSent);
  }

  private FrameReader clientReader() {
    return new FrameReader(serverToClient.source(), MAX);
  }

  private FrameWriter clientWriter() {
    return new FrameWriter(clientSent);
  }

  /** Runs a side on its own thread; on failure it hangs up, as the real callers do. */
  private Future<Void> side(IoAction action, WritableByteChannel hangUp) {
    return threads.submit(() -> {
      try {
        action.run();
      } catch (IOException | RuntimeException e) {
        hangUp.close();
        throw e;
      }
      return null;
    });
  }

  private Future<Void> realServer(Secret secret) {
    return side(() -> Handshake.asServer(secret, serverReader(), serverWriter()), serverToClient.sink());
  }

  private Future<Void> realClient(Secret secret) {
    return side(() -> Handshake.asClient(secret, clientReader(), clientWriter()), clientToServer.sink());
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }

  private static Throwable failure(Future<Void> future) throws InterruptedException {
    try {
      future.get(10, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("a side of the handshake is stuck", e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void sameSecretSucceedsAndFramesFollowOnBothSides() throws Exception {
    Secret secret = Secret.generate();
    Secret copy = Secret.of(secret.bytes());
    var serverReader = serverReader();
    var serverWriter = serverWriter();
    var clientReader = clientReader();
    var clientWriter = clientWriter();
    Future<Void> server = threads.submit(() -> {
      Handshake.asServer(secret, serverReader, serverWriter);
      return null;
    });
    Handshake.asClient(copy, clientReader, clientWriter);
    assertThat(failure(server)).isNull();

    assertThat(clientSent.recorded()).hasSize(HELLO + PROOF);
    assertThat(serverSent.recorded()).hasSize(CHALLENGE);

    // the streams are aligned: frames flow both ways after the handshake
    clientWriter.write((byte) 2, new byte[] {1, 2, 3});
    clientWriter.flush();
    Frame atServer = serverReader.read();
    assertThat(atServer.type()).isEqualTo((byte) 2);
    assertThat(atServer.body()).containsExactly(1, 2, 3);
    serverWriter.write((byte) 3, new byte[] {9});
    serverWriter.flush();
    assertThat(clientReader.read().body()).containsExactly(9);
  }

  @Test
  void twoHandshakesUseFreshNonces() throws Exception {
    Secret secret = Secret.generate();
    var server = realServer(secret);
    var client = realClient(secret);
    assertThat(failure(server)).isNull();
    assertThat(failure(client)).isNull();
    byte[] first = clientSent.recorded();
    byte[] firstChallenge = serverSent.recorded();

    closePipes();
    openPipes();
    server = realServer(secret);
    client = realClient(secret);
    assertThat(failure(server)).isNull();
    assertThat(failure(client)).isNull();
    assertThat(Arrays.copyOfRange(clientSent.recorded(), 6, HELLO))
        .as("client nonce").isNotEqualTo(Arrays.copyOfRange(first, 6, HELLO));
    assertThat(Arrays.copyOfRange(serverSent.recorded(), 6, 38))
        .as("server nonce").isNotEqualTo(Arrays.copyOfRange(firstChallenge, 6, 38));
  }

  @Test
  void serverWithAnotherSecretIsRefusedByTheClientBeforeItsProof() throws Exception {
    var server = realServer(Secret.generate());
    var client = realClient(Secret.generate());

    assertThat(failure(client))
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageContaining("server does not know");
    assertThat(clientSent.recorded()).as("the client sent its HELLO and no proof").hasSize(HELLO);
    // the client hung up without a proof: the server fails on the end of the stream
    assertThat(failure(server)).isInstanceOf(EOFException.class);
  }

  @Test
  void clientProvingAnotherSecretIsRefusedByTheServer() throws Exception {
    Secret serverSecret = Secret.generate();
    Secret clientSecret = Secret.generate();
    var server = realServer(serverSecret);

    // a client that does not check the server and sends a proof made with its own (wrong) secret
    byte[] clientNonce = Secret.randomBytes(32);
    write(clientToServer.sink(), hello(Handshake.VERSION, clientNonce));
    ByteBuffer challenge = ByteBuffer.wrap(readFully(serverToClient.source(), CHALLENGE));
    byte[] serverNonce = Arrays.copyOfRange(challenge.array(), 6, 38);
    byte[] serverMac = Arrays.copyOfRange(challenge.array(), 38, 70);
    write(clientToServer.sink(), hmac(clientSecret.bytes(), "asyncparallel/client", clientNonce, serverNonce));

    assertThat(failure(server))
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageContaining("client does not know");
    // and the client fails too: the server's MAC does not verify under the client's secret
    assertThat(Secret.same(serverMac, hmac(clientSecret.bytes(), "asyncparallel/server", clientNonce, serverNonce)))
        .isFalse();
    var realClientOutcome = realClientAgainstRecordedChallenge(clientSecret, challenge.array());
    assertThat(realClientOutcome).isExactlyInstanceOf(ProtocolException.class);
  }

  /** The real client, fed a recorded challenge: it must refuse it and send no proof. */
  private static Throwable realClientAgainstRecordedChallenge(Secret secret, byte[] challenge) {
    var sink = new TestChannels.Sink();
    try {
      Handshake.asClient(secret, new FrameReader(new TestChannels.Source(challenge, 70), MAX), new FrameWriter(sink));
      return null;
    } catch (IOException e) {
      assertThat(sink.bytes()).hasSize(HELLO);
      return e;
    }
  }

  @Test
  void replayingARecordedClientAgainstAFreshServerFails() throws Exception {
    Secret secret = Secret.generate();
    var server = realServer(secret);
    var client = realClient(secret);
    assertThat(failure(server)).isNull();
    assertThat(failure(client)).isNull();
    byte[] recorded = clientSent.recorded(); // HELLO + PROOF of a good session
    byte[] recordedChallenge = serverSent.recorded();
    assertThat(recorded).hasSize(HELLO + PROOF);

    var sink = new TestChannels.Sink();
    assertThatThrownBy(() -> Handshake.asServer(secret,
            new FrameReader(new TestChannels.Source(recorded, recorded.length), MAX), new FrameWriter(sink)))
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageContaining("client does not know");
    byte[] freshChallenge = sink.bytes();
    assertThat(freshChallenge).hasSize(CHALLENGE);
    assertThat(Arrays.copyOfRange(freshChallenge, 6, 38))
        .as("the fresh server drew a new nonce")
        .isNotEqualTo(Arrays.copyOfRange(recordedChallenge, 6, 38));
  }

  @Test
  void reflectingTheServerMacAsTheClientProofFails() throws Exception {
    Secret secret = Secret.generate();
    var server = realServer(secret);
    write(clientToServer.sink(), hello(Handshake.VERSION, Secret.randomBytes(32)));
    byte[] challenge = readFully(serverToClient.source(), CHALLENGE);
    write(clientToServer.sink(), Arrays.copyOfRange(challenge, 38, 70));
    assertThat(failure(server))
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageContaining("client does not know");
  }

  @Test
  void byteLayoutMatchesTheSpecification() throws Exception {
    byte[] key = Secret.randomBytes(32);
    Secret secret = Secret.of(key);

    // the server, driven by a hand-written client that computes the MACs independently
    var server = realServer(secret);
    byte[] clientNonce = Secret.randomBytes(32);
    write(clientToServer.sink(), hello((short) 1, clientNonce));
    byte[] challenge = readFully(serverToClient.source(), CHALLENGE);
    assertThat(Arrays.copyOfRange(challenge, 0, 4)).isEqualTo("APJ1".getBytes(StandardCharsets.US_ASCII));
    assertThat(Arrays.copyOfRange(challenge, 4, 6)).containsExactly(0, 1);
    byte[] serverNonce = Arrays.copyOfRange(challenge, 6, 38);
    assertThat(Arrays.copyOfRange(challenge, 38, 70))
        .isEqualTo(hmac(key, "asyncparallel/server", clientNonce, serverNonce));
    write(clientToServer.sink(), hmac(key, "asyncparallel/client", clientNonce, serverNonce));
    assertThat(failure(server)).isNull();
  }

  @Test
  void clientAcceptsAHandWrittenServerThatFollowsTheSpecification() throws Exception {
    byte[] key = Secret.randomBytes(32);
    var client = realClient(Secret.of(key));
    byte[] hello = readFully(clientToServer.source(), HELLO);
    assertThat(Arrays.copyOfRange(hello, 0, 6)).containsExactly('A', 'P', 'J', '1', 0, 1);
    byte[] clientNonce = Arrays.copyOfRange(hello, 6, 38);
    byte[] serverNonce = Secret.randomBytes(32);
    write(serverToClient.sink(), ByteBuffer.allocate(CHALLENGE).put(MAGIC).putShort((short) 1).put(serverNonce)
        .put(hmac(key, "asyncparallel/server", clientNonce, serverNonce)).array());
    byte[] proof = readFully(clientToServer.source(), PROOF);
    assertThat(proof).isEqualTo(hmac(key, "asyncparallel/client", clientNonce, serverNonce));
    assertThat(failure(client)).isNull();
  }

  @Test
  void badMagicIsRefusedByTheServerWhichAnswersNothing() {
    byte[] http = Arrays.copyOf("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII), HELLO + PROOF);
    var sink = new TestChannels.Sink();
    assertThatThrownBy(() -> Handshake.asServer(Secret.generate(),
            new FrameReader(new TestChannels.Source(http, http.length), MAX), new FrameWriter(sink)))
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageContaining("bad magic");
    assertThat(sink.bytes()).as("no challenge for a stranger").isEmpty();
  }

  @Test
  void wrongVersionIsRefusedByTheServer() {
    for (short version : new short[] {0, 2, -1, Short.MAX_VALUE}) {
      byte[] hello = hello(version, new byte[32]);
      var sink = new TestChannels.Sink();
      assertThatThrownBy(() -> Handshake.asServer(Secret.generate(),
              new FrameReader(new TestChannels.Source(hello, 1), MAX), new FrameWriter(sink)))
          .isExactlyInstanceOf(ProtocolException.class)
          .hasMessageContaining("version " + version);
      assertThat(sink.bytes()).isEmpty();
    }
  }

  @Test
  void badMagicOrVersionFromTheServerIsRefusedByTheClientBeforeItsProof() {
    byte[] httpAnswer = Arrays.copyOf("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII), CHALLENGE);
    byte[] otherVersion = ByteBuffer.allocate(CHALLENGE).put(MAGIC).putShort((short) 2).array();
    for (byte[] answer : new byte[][] {httpAnswer, otherVersion}) {
      var sink = new TestChannels.Sink();
      assertThatThrownBy(() -> Handshake.asClient(Secret.generate(),
              new FrameReader(new TestChannels.Source(answer, answer.length), MAX), new FrameWriter(sink)))
          .isExactlyInstanceOf(ProtocolException.class)
          .hasMessageContaining("server");
      assertThat(sink.bytes()).as("HELLO only").hasSize(HELLO);
    }
  }

  @Test
  void truncatedHelloIsEofAndTheServerAnswersNothing() {
    byte[] part = Arrays.copyOf(hello(Handshake.VERSION, new byte[32]), 20);
    var sink = new TestChannels.Sink();
    assertThatThrownBy(() -> Handshake.asServer(Secret.generate(),
            new FrameReader(new TestChannels.Source(part, 3), MAX), new FrameWriter(sink)))
        .isInstanceOf(EOFException.class);
    assertThat(sink.bytes()).isEmpty();
  }

  @Test
  void hugeLengthPrefixBeforeTheHandshakeIsJustBadMagic() {
    // a peer that starts with a frame (length 0x7fffffff) instead of a HELLO: read as fixed bytes
    byte[] frameFirst = ByteBuffer.allocate(HELLO).putInt(0x7fffffff).put((byte) 1).array();
    var source = new TestChannels.Source(frameFirst, 1);
    assertThatThrownBy(() -> Handshake.asServer(Secret.generate(), new FrameReader(source, MAX),
            new FrameWriter(new TestChannels.Sink())))
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageContaining("bad magic");
    assertThat(source.consumed()).isEqualTo(HELLO);
  }

  // ---------------------------------------------------------------------------------------------

  private static byte[] hello(short version, byte[] nonce) {
    return ByteBuffer.allocate(HELLO).put(MAGIC).putShort(version).put(nonce).array();
  }

  private static byte[] hmac(byte[] key, String label, byte[] clientNonce, byte[] serverNonce) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(label.getBytes(StandardCharsets.US_ASCII));
      mac.update(clientNonce);
      mac.update(serverNonce);
      return mac.doFinal();
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  private static void write(WritableByteChannel out, byte[] bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }

  private static byte[] readFully(ReadableByteChannel in, int n) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(n);
    while (buffer.hasRemaining()) {
      if (in.read(buffer) < 0) {
        throw new EOFException();
      }
    }
    return buffer.array();
  }
}
