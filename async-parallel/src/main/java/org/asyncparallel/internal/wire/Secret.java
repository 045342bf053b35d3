package org.asyncparallel.internal.wire;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;

/**
 * The runtime's shared secret: 32 random bytes drawn at {@code init}, handed to workers on their
 * stdin pipe, never printed. Every connection proves knowledge of it (see {@link Handshake}).
 */
public final class Secret {
  /** Length of the secret and of every MAC, in bytes. */
  public static final int BYTES = 32;
  private final byte[] key;

  private Secret(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a secret has " + BYTES + " bytes, not " + bytes.length);
    }
    this.key = bytes;
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
    return key.clone();
  }

  /** HMAC-SHA256 of the concatenated parts under this secret. */
  public byte[] mac(byte[]... parts) {
    return Sha256.hmac(key, parts);
  }

  /** Constant-time comparison. */
  public static boolean same(byte[] a, byte[] b) {
    if (a.length != b.length) {
      return false;
    }
    int difference = 0;
    for (int i = 0; i < a.length; i++) {
      difference |= a[i] ^ b[i];
    }
    return difference == 0;
  }

  /**
   * {@code n} unpredictable bytes: from {@code /dev/urandom} (the kernel's CSPRNG, the source the
   * JDK's NativePRNG reads too, without the ~50 ms the JDK's security providers take to start in a
   * new JVM), or from a {@link SecureRandom} where there is none.
   */
  public static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    try (InputStream urandom = new FileInputStream("/dev/urandom")) {
      if (urandom.readNBytes(bytes, 0, n) == n) {
        return bytes;
      }
    } catch (IOException e) {
      // not Linux-like: the JDK's generator below
    }
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  @Override
  public String toString() {
    return "Secret[hidden]";
  }
}
