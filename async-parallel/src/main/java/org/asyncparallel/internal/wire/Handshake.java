package org.asyncparallel.internal.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The mutual challenge–response that opens every connection, before any frame.
 *
 * <pre>
 *  client -&gt; server   HELLO     "APJ1" | version u16 | client nonce (32)            38 bytes
 *  server -&gt; client   CHALLENGE "APJ1" | version u16 | server nonce (32) | server mac  70 bytes
 *  client -&gt; server   PROOF     client mac (32)                                      32 bytes
 *
 *  server mac = HMAC-SHA256(secret, "asyncparallel/server" | client nonce | server nonce)
 *  client mac = HMAC-SHA256(secret, "asyncparallel/client" | client nonce | server nonce)
 * </pre>
 *
 * Each side reads fixed-size records only, checks the magic and version first, and compares MACs
 * in constant time. A failure is a {@link ProtocolException}; the caller drops the connection.
 * Fresh nonces on both sides make a recorded handshake useless to replay.
 *
 * <p>Both sides come out with the same two keys of this connection (for links between machines,
 * {@link FrameSealer}):
 *
 * <pre>
 *  client-to-server key = HMAC-SHA256(secret, "asyncparallel/c2s" | client nonce | server nonce)
 *  server-to-client key = HMAC-SHA256(secret, "asyncparallel/s2c" | client nonce | server nonce)
 * </pre>
 */
public final class Handshake {
  static final byte[] MAGIC = "APJ1".getBytes(StandardCharsets.US_ASCII);
  /** The protocol version; a peer with another version is refused. */
  public static final short VERSION = 1;
  static final int HELLO_BYTES = 4 + 2 + Secret.BYTES;
  static final int CHALLENGE_BYTES = 4 + 2 + Secret.BYTES + Secret.BYTES;
  private static final byte[] SERVER = "asyncparallel/server".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CLIENT = "asyncparallel/client".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] C2S = "asyncparallel/c2s".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] S2C = "asyncparallel/s2c".getBytes(StandardCharsets.US_ASCII);

  /**
   * The keys of one connection, as seen from one side.
   *
   * @param send the key of what this side sends
   * @param receive the key of what this side receives
   */
  public record Keys(byte[] send, byte[] receive) {}

  private Handshake() {}

  /**
   * Runs the client side: proves the secret and checks that the server knows it too.
   *
   * @return this connection's keys
   * @throws ProtocolException if the server does not know the secret or speaks another protocol
   */
  public static Keys asClient(Secret secret, FrameReader in, FrameWriter out) throws IOException {
    byte[] clientNonce = Secret.randomBytes(Secret.BYTES);
    out.writeRaw(ByteBuffer.allocate(HELLO_BYTES).put(MAGIC).putShort(VERSION).put(clientNonce).array());
    out.flush();
    ByteBuffer challenge = ByteBuffer.wrap(in.readExactly(CHALLENGE_BYTES));
    checkMagicAndVersion(challenge, "server");
    byte[] serverNonce = take(challenge, Secret.BYTES);
    byte[] serverMac = take(challenge, Secret.BYTES);
    if (!Secret.same(serverMac, secret.mac(SERVER, clientNonce, serverNonce))) {
      throw new ProtocolException("the server does not know this runtime's secret");
    }
    out.writeRaw(secret.mac(CLIENT, clientNonce, serverNonce));
    out.flush();
    return new Keys(secret.mac(C2S, clientNonce, serverNonce), secret.mac(S2C, clientNonce, serverNonce));
  }

  /**
   * Runs the server side: only returns normally once the client has proven the secret.
   *
   * @return this connection's keys
   * @throws ProtocolException if the client does not know the secret or speaks another protocol
   */
  public static Keys asServer(Secret secret, FrameReader in, FrameWriter out) throws IOException {
    ByteBuffer hello = ByteBuffer.wrap(in.readExactly(HELLO_BYTES));
    checkMagicAndVersion(hello, "client");
    byte[] clientNonce = take(hello, Secret.BYTES);
    byte[] serverNonce = Secret.randomBytes(Secret.BYTES);
    out.writeRaw(ByteBuffer.allocate(CHALLENGE_BYTES).put(MAGIC).putShort(VERSION).put(serverNonce)
        .put(secret.mac(SERVER, clientNonce, serverNonce)).array());
    out.flush();
    byte[] clientMac = in.readExactly(Secret.BYTES);
    if (!Secret.same(clientMac, secret.mac(CLIENT, clientNonce, serverNonce))) {
      throw new ProtocolException("the client does not know this runtime's secret");
    }
    return new Keys(secret.mac(S2C, clientNonce, serverNonce), secret.mac(C2S, clientNonce, serverNonce));
  }

  private static void checkMagicAndVersion(ByteBuffer record, String peer) throws ProtocolException {
    byte[] magic = take(record, MAGIC.length);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new ProtocolException("the " + peer + " does not speak this protocol (bad magic)");
    }
    short version = record.getShort();
    if (version != VERSION) {
      throw new ProtocolException("the " + peer + " speaks protocol version " + version + ", not " + VERSION);
    }
  }

  private static byte[] take(ByteBuffer from, int n) {
    byte[] bytes = new byte[n];
    from.get(bytes);
    return bytes;
  }
}
