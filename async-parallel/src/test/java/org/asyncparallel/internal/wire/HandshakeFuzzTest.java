package org.asyncparallel.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.asyncparallel.testing.Mutator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile peers against both roles of {@link Handshake}, in memory and on one thread: arbitrary
 * and mutated bytes, cut transcripts, recorded sessions replayed, and scripted peers that follow
 * the protocol with a wrong secret: one bit off, random, or that of an earlier runtime. Every such
 * handshake fails with a {@link ProtocolException} or an {@link EOFException} and nothing else;
 * the server answers nothing to a bad hello, and the client never sends its proof to a server
 * that has not proven the secret.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandshakeFuzzTest {
  private static final int MAX = 1 << 20;
  private static final int HELLO = 38;
  private static final int CHALLENGE = 70;
  private static final int PROOF = 32;
  private static final byte[] MAGIC_AND_VERSION = {'A', 'P', 'J', '1', 0, 1};
  private static final byte[] SERVER_LABEL = "asyncparallel/server".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLIENT_LABEL = "asyncparallel/client".getBytes(StandardCharsets.US_ASCII);

  /**
   * The peer's side of an in-memory connection: each time the reader runs dry it asks
   * {@code next} for more, showing it everything written to the peer so far; null ends the stream.
   */
  private static final class ScriptedPeer implements ReadableByteChannel {
    private final TestChannels.Sink written;
    private final Function<byte[], byte[]> next;
    private ByteBuffer pending = ByteBuffer.allocate(0);
    private boolean ended;

    ScriptedPeer(TestChannels.Sink written, Function<byte[], byte[]> next) {
      this.written = written;
      this.next = next;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (!pending.hasRemaining() && !ended) {
        byte[] more = next.apply(written.bytes());
        if (more == null) {
          ended = true;
        } else {
          pending = ByteBuffer.wrap(more);
        }
      }
      if (!pending.hasRemaining()) {
        return -1;
      }
      int n = Math.min(dst.remaining(), pending.remaining());
      dst.put(pending.slice(pending.position(), n));
      pending.position(pending.position() + n);
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** A client that follows the protocol with {@code key}, proving whatever {@code proof} makes. */
  private static Function<byte[], byte[]> client(byte[] hello, ProofMaker proof) {
    int[] step = {0};
    return serverSent -> switch (step[0]++) {
      case 0 -> hello;
      case 1 -> serverSent.length >= CHALLENGE ? proof.make(Arrays.copyOfRange(hello, 6, HELLO),
          Arrays.copyOfRange(serverSent, 6, 38), Arrays.copyOfRange(serverSent, 38, 70)) : null;
      default -> null;
    };
  }

  @FunctionalInterface
  private interface ProofMaker {
    byte[] make(byte[] clientNonce, byte[] serverNonce, byte[] serverMac);
  }

  private static byte[] hello(byte[] nonce) {
    return ByteBuffer.allocate(HELLO).put(MAGIC_AND_VERSION).put(nonce).array();
  }

  private static ProofMaker provingWith(Secret key) {
    return (clientNonce, serverNonce, serverMac) -> key.mac(CLIENT_LABEL, clientNonce, serverNonce);
  }

  /** A server that follows the protocol with {@code key}; it sees the client's hello first. */
  private static Function<byte[], byte[]> server(Secret key) {
    int[] step = {0};
    return clientSent -> {
      if (step[0]++ != 0 || clientSent.length < HELLO) {
        return null;
      }
      byte[] clientNonce = Arrays.copyOfRange(clientSent, 6, HELLO);
      byte[] serverNonce = Secret.randomBytes(32);
      return ByteBuffer.allocate(CHALLENGE).put(MAGIC_AND_VERSION).put(serverNonce)
          .put(key.mac(SERVER_LABEL, clientNonce, serverNonce)).array();
    };
  }

  /** The real server against a peer; returns how it ended (null: authenticated). */
  private static Throwable realServer(Secret secret, Function<byte[], byte[]> peer, TestChannels.Sink out) {
    try {
      Handshake.asServer(secret, new FrameReader(new ScriptedPeer(out, peer), MAX), new FrameWriter(out));
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  private static Throwable realClient(Secret secret, Function<byte[], byte[]> peer, TestChannels.Sink out) {
    try {
      Handshake.asClient(secret, new FrameReader(new ScriptedPeer(out, peer), MAX), new FrameWriter(out));
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  /** Serves fixed bytes, then ends. */
  private static Function<byte[], byte[]> fixed(byte[] bytes) {
    boolean[] served = {false};
    return ignored -> {
      if (served[0]) {
        return null;
      }
      served[0] = true;
      return bytes;
    };
  }

  /** Client transcripts (hello + proof) of real sessions, each proving the secret to its own server. */
  private static List<byte[]> recordedClients(Secret secret, int n) {
    List<byte[]> sessions = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      var serverOut = new TestChannels.Sink();
      var clientSent = new java.io.ByteArrayOutputStream();
      byte[] hello = hello(Secret.randomBytes(32));
      ProofMaker honest = provingWith(secret);
      Throwable end = realServer(secret, client(hello, (c, s, mac) -> {
        byte[] proof = honest.make(c, s, mac);
        clientSent.writeBytes(hello);
        clientSent.writeBytes(proof);
        return proof;
      }), serverOut);
      assertThat(end).as("the recorded session itself authenticates").isNull();
      sessions.add(clientSent.toByteArray());
    }
    return sessions;
  }

  /** Server transcripts (challenges) of real sessions with real clients. */
  private static List<byte[]> recordedServers(Secret secret, int n) {
    List<byte[]> sessions = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      var clientOut = new TestChannels.Sink();
      byte[][] challenge = new byte[1][];
      Function<byte[], byte[]> honest = server(secret);
      Throwable end = realClient(secret, sent -> {
        byte[] bytes = honest.apply(sent);
        if (bytes != null) {
          challenge[0] = bytes;
        }
        return bytes;
      }, clientOut);
      assertThat(end).as("the recorded session itself authenticates").isNull();
      sessions.add(challenge[0]);
    }
    return sessions;
  }

  private static boolean startsWithMagicAndVersion(byte[] bytes) {
    return bytes.length >= MAGIC_AND_VERSION.length
        && Arrays.equals(Arrays.copyOf(bytes, MAGIC_AND_VERSION.length), MAGIC_AND_VERSION);
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void scriptedPeersWithTheRightSecretAuthenticateBothWays() {
    Secret secret = Secret.generate();
    var serverOut = new TestChannels.Sink();
    assertThat(realServer(secret, client(hello(Secret.randomBytes(32)), provingWith(secret)), serverOut)).isNull();
    assertThat(serverOut.bytes()).hasSize(CHALLENGE);
    var clientOut = new TestChannels.Sink();
    assertThat(realClient(secret, server(secret), clientOut)).isNull();
    assertThat(clientOut.bytes()).hasSize(HELLO + PROOF);
  }

  @Test
  void theServerRefusesArbitraryClientBytes() {
    Mutator m = Mutator.seeded(0x5E4FE4L);
    Secret secret = Secret.generate();
    List<byte[]> corpus = recordedClients(secret, 16);
    int challenged = 0;
    for (int i = 0; i < Mutator.iterations(5_000); i++) {
      byte[] input = switch (i % 4) {
        case 0 -> m.randomBytes(120);
        case 1 -> corpus.get(m.random().nextInt(corpus.size())); // a replay, as it was recorded
        default -> m.mutate(corpus.get(m.random().nextInt(corpus.size())), corpus);
      };
      var out = new TestChannels.Sink();
      Throwable end = realServer(secret, fixed(input), out);
      String what = m.describe(input);
      if (input.length < HELLO) {
        assertThat(end).as(what).isInstanceOf(EOFException.class);
        assertThat(out.bytes()).as("the server's answer to a short hello, " + what).isEmpty();
      } else if (!startsWithMagicAndVersion(input)) {
        assertThat(end).as(what).isExactlyInstanceOf(ProtocolException.class);
        assertThat(out.bytes()).as("the server's answer to a bad hello, " + what).isEmpty();
      } else {
        challenged++;
        assertThat(out.bytes()).as(what).hasSize(CHALLENGE);
        if (input.length < HELLO + PROOF) {
          assertThat(end).as(what).isInstanceOf(EOFException.class);
        } else {
          assertThat(end).as(what).isExactlyInstanceOf(ProtocolException.class)
              .hasMessageContaining("client does not know");
        }
      }
    }
    assertThat(challenged).as("inputs that reached the proof").isPositive();
  }

  @Test
  void theClientRefusesArbitraryServerBytesAndNeverSendsItsProof() {
    Mutator m = Mutator.seeded(0xC1E47L);
    Secret secret = Secret.generate();
    List<byte[]> corpus = recordedServers(secret, 16);
    for (int i = 0; i < Mutator.iterations(5_000); i++) {
      byte[] input = switch (i % 4) {
        case 0 -> m.randomBytes(140);
        case 1 -> corpus.get(m.random().nextInt(corpus.size())); // a replayed challenge
        default -> m.mutate(corpus.get(m.random().nextInt(corpus.size())), corpus);
      };
      var out = new TestChannels.Sink();
      Throwable end = realClient(secret, fixed(input), out);
      String what = m.describe(input);
      assertThat(out.bytes()).as("what the client sent (its hello only), " + what).hasSize(HELLO);
      if (input.length < CHALLENGE) {
        assertThat(end).as(what).isInstanceOf(EOFException.class);
      } else if (!startsWithMagicAndVersion(input)) {
        assertThat(end).as(what).isExactlyInstanceOf(ProtocolException.class);
      } else {
        assertThat(end).as(what).isExactlyInstanceOf(ProtocolException.class)
            .hasMessageContaining("server does not know");
      }
    }
  }

  @Test
  void recordedSessionsReplayedToFreshPeersNeverAuthenticate() {
    Secret secret = Secret.generate();
    for (byte[] transcript : recordedClients(secret, 64)) {
      var out = new TestChannels.Sink();
      // the hello is accepted and challenged with a fresh nonce; the recorded proof then fails
      assertThat(realServer(secret, fixed(transcript), out)).isExactlyInstanceOf(ProtocolException.class)
          .hasMessageContaining("client does not know");
      assertThat(out.bytes()).hasSize(CHALLENGE);
    }
    for (byte[] challenge : recordedServers(secret, 64)) {
      var out = new TestChannels.Sink();
      assertThat(realClient(secret, fixed(challenge), out)).isExactlyInstanceOf(ProtocolException.class)
          .hasMessageContaining("server does not know");
      assertThat(out.bytes()).hasSize(HELLO);
    }
  }

  @Test
  void everyOtherSecretIsRefusedBothWays() {
    Secret secret = Secret.generate();
    byte[] key = secret.bytes();
    List<Secret> others = new ArrayList<>();
    for (int bit = 0; bit < 8 * Secret.BYTES; bit++) { // one bit off: every bit of the key matters
      byte[] near = key.clone();
      near[bit / 8] ^= (byte) (1 << (bit % 8));
      others.add(Secret.of(near));
    }
    Secret earlierRuntime = Secret.generate(); // what a stale worker of an old runtime still holds
    others.add(earlierRuntime);
    others.add(Secret.of(new byte[Secret.BYTES]));
    for (int i = 0; i < Mutator.iterations(256); i++) {
      others.add(Secret.generate());
    }
    for (Secret wrong : others) {
      // a client with the wrong secret that sends its proof anyway (the real client would not)
      var serverOut = new TestChannels.Sink();
      assertThat(realServer(secret, client(hello(Secret.randomBytes(32)), provingWith(wrong)), serverOut))
          .isExactlyInstanceOf(ProtocolException.class).hasMessageContaining("client does not know");
      // a server with the wrong secret: the real client refuses it before proving anything
      var clientOut = new TestChannels.Sink();
      assertThat(realClient(secret, server(wrong), clientOut))
          .isExactlyInstanceOf(ProtocolException.class).hasMessageContaining("server does not know");
      assertThat(clientOut.bytes()).hasSize(HELLO);
    }
    // a client that reflects the server's own MAC as its proof
    assertThat(realServer(secret, client(hello(Secret.randomBytes(32)), (c, s, serverMac) -> serverMac),
        new TestChannels.Sink())).isExactlyInstanceOf(ProtocolException.class);
  }

  @Test
  void nothingButProtocolErrorsAndEndsOfStreamComeOutOfEitherRole() {
    Mutator m = Mutator.seeded(0xB07L);
    Secret secret = Secret.generate();
    List<byte[]> corpus = new ArrayList<>(recordedClients(secret, 8));
    corpus.addAll(recordedServers(secret, 8));
    for (int i = 0; i < Mutator.iterations(5_000); i++) {
      byte[] input = m.mutate(corpus.get(m.random().nextInt(corpus.size())), corpus);
      int chunk = 1 + m.random().nextInt(80);
      for (boolean asServer : new boolean[] {true, false}) {
        var out = new TestChannels.Sink();
        var reader = new FrameReader(new TestChannels.Source(input, chunk), MAX);
        Throwable end = null;
        try {
          if (asServer) {
            Handshake.asServer(secret, reader, new FrameWriter(out));
          } else {
            Handshake.asClient(secret, reader, new FrameWriter(out));
          }
        } catch (Throwable t) {
          end = t;
        }
        String who = asServer ? "the server" : "the client";
        if (end == null) {
          fail(who + " authenticated " + m.describe(input));
        } else if (!(end instanceof ProtocolException) && !(end instanceof EOFException)) {
          fail(who + " ended in " + end + " on " + m.describe(input), end);
        }
      }
    }
  }
}
