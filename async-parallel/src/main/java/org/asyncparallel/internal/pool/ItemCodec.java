package org.asyncparallel.internal.pool;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.asyncparallel.ParallelException;
import org.asyncparallel.internal.codec.Codec;

/**
 * The items and results of a chunk, as bytes. An array of only {@code Integer}s, only
 * {@code Long}s or only {@code Double}s (the common case of many small items) is written as its
 * numbers, 4 or 8 bytes each, which is many times faster than Java serialization of the boxes;
 * anything else is one Java-serialized {@code Object[]}, made and read by {@link Codec}.
 *
 * <pre>
 *   [u8 kind][u32 n][n × i32 | n × i64 | n × f64 bits]    kind 1 ints, 2 longs, 3 doubles
 *   [u8 0][Codec bytes of the Object[]]                   kind 0 anything else
 * </pre>
 */
final class ItemCodec {
  private static final byte OBJECTS = 0;
  private static final byte INTS = 1;
  private static final byte LONGS = 2;
  private static final byte DOUBLES = 3;
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private ItemCodec() {}

  /**
   * The bytes of these values.
   *
   * @param what what they are, for the error message
   * @throws ParallelException if a value cannot be serialized (naming its class)
   */
  static byte[] encode(Object[] values, String what) {
    int n = values.length;
    return switch (kindOf(values)) {
      case INTS -> {
        byte[] b = header(INTS, n, 4);
        for (int i = 0; i < n; i++) {
          INT.set(b, 5 + 4 * i, ((Integer) values[i]).intValue());
        }
        yield b;
      }
      case LONGS -> {
        byte[] b = header(LONGS, n, 8);
        for (int i = 0; i < n; i++) {
          LONG.set(b, 5 + 8 * i, ((Long) values[i]).longValue());
        }
        yield b;
      }
      case DOUBLES -> {
        byte[] b = header(DOUBLES, n, 8);
        for (int i = 0; i < n; i++) {
          LONG.set(b, 5 + 8 * i, Double.doubleToRawLongBits((Double) values[i]));
        }
        yield b;
      }
      default -> {
        byte[] body = Codec.encode(values, what);
        byte[] b = new byte[1 + body.length];
        b[0] = OBJECTS;
        System.arraycopy(body, 0, b, 1, body.length);
        yield b;
      }
    };
  }

  /**
   * The values of bytes made by {@link #encode}.
   *
   * @throws ParallelException if they do not decode here (a class missing, for example)
   */
  static Object[] decode(byte[] b, String what) {
    if (b.length == 0) {
      throw new ParallelException(what + " cannot be decoded: no bytes");
    }
    if (b[0] == OBJECTS) {
      byte[] body = new byte[b.length - 1];
      System.arraycopy(b, 1, body, 0, body.length);
      if (!(Codec.decode(body, what) instanceof Object[] values)) {
        throw new ParallelException(what + " cannot be decoded: not an array");
      }
      return values;
    }
    int n = b.length < 5 ? -1 : (int) INT.get(b, 1);
    int width = b[0] == INTS ? 4 : 8;
    if (b[0] < INTS || b[0] > DOUBLES || n < 0 || (long) n * width != b.length - 5) {
      throw new ParallelException(what + " cannot be decoded: malformed (kind " + b[0] + ", " + n + " values, "
          + b.length + " bytes)");
    }
    Object[] values = new Object[n];
    switch (b[0]) {
      case INTS -> {
        for (int i = 0; i < n; i++) {
          values[i] = (int) INT.get(b, 5 + 4 * i);
        }
      }
      case LONGS -> {
        for (int i = 0; i < n; i++) {
          values[i] = (long) LONG.get(b, 5 + 8 * i);
        }
      }
      default -> {
        for (int i = 0; i < n; i++) {
          values[i] = Double.longBitsToDouble((long) LONG.get(b, 5 + 8 * i));
        }
      }
    }
    return values;
  }

  /**
   * The index of the first value that cannot be serialized on its own, or -1 if each can: for an
   * error message that names the item.
   */
  static int firstUnserializable(Object[] values) {
    for (int i = 0; i < values.length; i++) {
      try (var out = new ObjectOutputStream(OutputStream.nullOutputStream())) {
        out.writeObject(values[i]);
      } catch (IOException | RuntimeException e) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] header(byte kind, int n, int width) {
    long size = 5 + (long) n * width;
    if (size > Integer.MAX_VALUE - 16) {
      throw new ParallelException(n + " values do not fit in one array of bytes");
    }
    byte[] b = new byte[(int) size];
    b[0] = kind;
    INT.set(b, 1, n);
    return b;
  }

  private static byte kindOf(Object[] values) {
    if (values.length == 0) {
      return INTS;
    }
    Class<?> first = values[0] == null ? null : values[0].getClass();
    byte kind = first == Integer.class ? INTS : first == Long.class ? LONGS : first == Double.class ? DOUBLES : OBJECTS;
    if (kind == OBJECTS) {
      return OBJECTS;
    }
    for (Object value : values) {
      if (value == null || value.getClass() != first) {
        return OBJECTS;
      }
    }
    return kind;
  }
}
