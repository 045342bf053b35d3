package org.asyncparallel.internal.wire;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The runtime's shared secret: 32 random bytes drawn at {@code init}, handed to workers on their
 * stdin pipe, never printed. Every connection proves knowledge of it (see {@link Handshake}).
 */
public final class Secret {
  /** Length of the secret and of every MAC, in bytes. */
  public static final int BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  private Secret(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a secret has " + BYTES + " bytes, not " + bytes.length);
    }
    this.key = new SecretKeySpec(bytes, "HmacSHA256");
  }

  /** A new random secret. */
  public static Secret generate() {
    return new Secret(randomBytes(BYTES));
  }

  /** The secret with these bytes (as read from the bootstrap record). */
  public static Secret of(byte[] bytes) {
    return new Secret(bytes.clone());
  }

  /** The raw bytes, for the bootstrap record only. */
  public byte[] bytes() {
    return key.getEncoded();
  }

  /** HMAC-SHA256 of the concatenated parts under this secret. */
  public byte[] mac(byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      for (byte[] part : parts) {
        mac.update(part);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    }
  }

  /** Constant-time comparison. */
  public static boolean same(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }

  /** {@code n} bytes from a {@link SecureRandom}. */
  public static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  @Override
  public String toString() {
    return "Secret[hidden]";
  }
}
