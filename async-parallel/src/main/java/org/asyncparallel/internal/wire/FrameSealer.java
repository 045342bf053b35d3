package org.asyncparallel.internal.wire;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts and authenticates the frames of a link between machines (AES-256-GCM), with one key
 * per direction derived from the runtime's secret and both handshake nonces
 * ({@link Handshake.Keys}), so every connection has keys of its own.
 *
 * <pre>
 *  sealed frame: | length (u32) | type | AES-GCM(body) | tag (16) |
 *  nonce = 4 zero bytes | frame counter of this direction (u64)     additional data = type
 * </pre>
 *
 * The counter makes a replayed, dropped or reordered frame fail authentication, as does any
 * changed bit; the type byte is authenticated, not hidden. Not thread-safe: frames are sealed in
 * the order they are written (under the connection's lock) and opened in the order read.
 */
public final class FrameSealer {
  /** Bytes a sealed body is longer than the plain one. */
  public static final int OVERHEAD = 16;

  private final SecretKeySpec sendKey;
  private final SecretKeySpec receiveKey;
  private final Cipher sealing;
  private final Cipher opening;
  private long sent;
  private long received;

  /**
   * @throws IllegalStateException if this JDK has no AES-GCM (every JDK 21 does)
   */
  public FrameSealer(Handshake.Keys keys) {
    sendKey = new SecretKeySpec(keys.send(), "AES");
    receiveKey = new SecretKeySpec(keys.receive(), "AES");
    try {
      sealing = Cipher.getInstance("AES/GCM/NoPadding");
      opening = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JDK", e);
    }
  }

  /** The frame to write in place of {@code frame}. */
  public Frame seal(Frame frame) {
    try {
      sealing.init(Cipher.ENCRYPT_MODE, sendKey, new GCMParameterSpec(128, nonce(sent++)));
      sealing.updateAAD(new byte[] {frame.type()});
      return new Frame(frame.type(), sealing.doFinal(frame.body()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt a frame", e);
    }
  }

  /**
   * The plain frame of a sealed one read from the peer.
   *
   * @throws ProtocolException if it fails authentication (changed, replayed, reordered or
   *     dropped frames, or a peer with other keys)
   */
  public Frame open(Frame frame) throws ProtocolException {
    try {
      opening.init(Cipher.DECRYPT_MODE, receiveKey, new GCMParameterSpec(128, nonce(received++)));
      opening.updateAAD(new byte[] {frame.type()});
      return new Frame(frame.type(), opening.doFinal(frame.body()));
    } catch (GeneralSecurityException e) {
      throw new ProtocolException("a frame failed authentication (changed, replayed or out of order)");
    }
  }

  private static byte[] nonce(long counter) {
    return ByteBuffer.allocate(12).putInt(0).putLong(counter).array();
  }
}
