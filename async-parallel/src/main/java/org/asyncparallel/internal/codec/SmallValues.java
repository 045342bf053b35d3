package org.asyncparallel.internal.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A short encoding for the values messages carry most (null, {@code byte[]}, {@code String},
 * {@code Integer}, {@code Long}, {@code Double}, {@code Boolean}): one tag byte and the value,
 * without the stream header and class descriptor that Java serialization writes for each message
 * (a 64-byte array is 91 bytes and about 2 µs each way through {@code ObjectOutputStream}, 65
 * bytes and a copy here). Every other value is Java-serialized, whose stream always begins with
 * {@code 0xAC}, a byte no tag here uses.
 *
 * <pre>
 *  +-----+----------------------------------------------+
 *  | tag | value: nothing, raw bytes, UTF-8, big-endian |
 *  +-----+----------------------------------------------+
 * </pre>
 */
final class SmallValues {
  static final byte NULL = 1;
  static final byte BYTES = 2;
  static final byte STRING = 3;
  static final byte INT = 4;
  static final byte LONG = 5;
  static final byte DOUBLE = 6;
  static final byte FALSE = 7;
  static final byte TRUE = 8;

  /** Strings longer than this go through Java serialization (UTF-8 encoding would double-scan them). */
  private static final int MAX_STRING_CHARS = 1 << 16;

  private SmallValues() {}

  /** The short encoding of {@code value}, or null when it has none (Java serialization then). */
  static byte[] encode(Object value) {
    // instanceof, not a pattern switch: see MessageCodec.encode
    if (value == null) {
      return new byte[] {NULL};
    }
    if (value instanceof byte[] bytes) {
      byte[] out = new byte[bytes.length + 1];
      out[0] = BYTES;
      System.arraycopy(bytes, 0, out, 1, bytes.length);
      return out;
    }
    if (value instanceof String s) {
      return encodeString(s);
    }
    if (value instanceof Integer i) {
      return ByteBuffer.allocate(5).put(INT).putInt(i).array();
    }
    if (value instanceof Long l) {
      return ByteBuffer.allocate(9).put(LONG).putLong(l).array();
    }
    if (value instanceof Double d) {
      return ByteBuffer.allocate(9).put(DOUBLE).putLong(Double.doubleToRawLongBits(d)).array();
    }
    if (value instanceof Boolean b) {
      return new byte[] {b ? TRUE : FALSE};
    }
    return null;
  }

  /** True when {@code bytes} were made by {@link #encode} (not by Java serialization). */
  static boolean isSmall(byte[] bytes) {
    return bytes.length > 0 && bytes[0] >= NULL && bytes[0] <= TRUE;
  }

  /**
   * Decodes bytes for which {@link #isSmall} holds.
   *
   * @throws IllegalArgumentException if their length does not fit their tag
   */
  static Object decode(byte[] bytes) {
    byte tag = bytes[0];
    int length = bytes.length - 1;
    return switch (tag) {
      case NULL -> expect(length, 0, null);
      case BYTES -> java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
      case STRING -> new String(bytes, 1, length, StandardCharsets.UTF_8);
      case INT -> expect(length, 4, ByteBuffer.wrap(bytes, 1, 4).getInt());
      case LONG -> expect(length, 8, ByteBuffer.wrap(bytes, 1, 8).getLong());
      case DOUBLE -> expect(length, 8, Double.longBitsToDouble(ByteBuffer.wrap(bytes, 1, 8).getLong()));
      case FALSE -> expect(length, 0, Boolean.FALSE);
      case TRUE -> expect(length, 0, Boolean.TRUE);
      default -> throw new IllegalArgumentException("unknown tag " + tag);
    };
  }

  private static byte[] encodeString(String s) {
    if (s.length() > MAX_STRING_CHARS) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      if (Character.isSurrogate(s.charAt(i))) {
        return null; // an unpaired surrogate would not survive UTF-8: let serialization keep it
      }
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[utf8.length + 1];
    out[0] = STRING;
    System.arraycopy(utf8, 0, out, 1, utf8.length);
    return out;
  }

  private static Object expect(int length, int wanted, Object value) {
    if (length != wanted) {
      throw new IllegalArgumentException("a value of tag-length " + length + " where " + wanted + " was expected");
    }
    return value;
  }
}
