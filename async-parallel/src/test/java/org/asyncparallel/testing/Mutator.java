package org.asyncparallel.testing;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The fuzz tests' source of hostile bytes: random strings and mutations of valid ones (bit flips,
 * bytes and 32-bit lengths set to boundary values, insertions, deletions, duplications, cuts,
 * splices with another input). Seeded, so that a run can be repeated exactly: a failure prints
 * its seed and input. The iteration counts are bounded for CI; {@code -Dfuzz.iterations=N} (a
 * multiplier) and {@code -Dfuzz.seed=S} make longer or other runs by hand.
 *
 * <p>No coverage feedback: this is a mutation fuzzer, not a guided one (Jazzer's agent cannot
 * instrument JDK 25 classes; see {@code RELIABILITY.md}).
 */
public final class Mutator {
  /** 32-bit values at the edges of every length check on the wire. */
  public static final int[] BOUNDARY_INTS = {0, 1, 2, 4, 5, 37, 38, 69, 70, 127, 128, 255, 256, 4095, 4096,
      4097, 65535, 65536, 65537, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 64 << 20, (64 << 20) + 1,
      0x7ffffff0, Integer.MAX_VALUE, Integer.MIN_VALUE, -1, -2, 0xfffffff0};
  private static final byte[] BOUNDARY_BYTES = {0, 1, -1, 0x7f, (byte) 0x80, 0x10, 0x20, 0x41};

  private final long seed;
  private final Random random;

  public Mutator(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
  }

  /** A mutator seeded by {@code -Dfuzz.seed}, or by {@code defaultSeed}. */
  public static Mutator seeded(long defaultSeed) {
    return new Mutator(Long.getLong("fuzz.seed", defaultSeed));
  }

  /** {@code count} times the {@code -Dfuzz.iterations} multiplier (default 1). */
  public static int iterations(int count) {
    return Math.toIntExact((long) count * Integer.getInteger("fuzz.iterations", 1));
  }

  public long seed() {
    return seed;
  }

  public Random random() {
    return random;
  }

  /** Up to {@code maxLength} random bytes. */
  public byte[] randomBytes(int maxLength) {
    byte[] bytes = new byte[random.nextInt(maxLength + 1)];
    random.nextBytes(bytes);
    return bytes;
  }

  /** One to four random mutations of {@code input} (which is not changed). */
  public byte[] mutate(byte[] input) {
    return mutate(input, List.of());
  }

  /** One to four random mutations of {@code input}, splicing in pieces of {@code corpus}. */
  public byte[] mutate(byte[] input, List<byte[]> corpus) {
    byte[] bytes = input.clone();
    for (int n = 1 + random.nextInt(4); n > 0; n--) {
      bytes = mutateOnce(bytes, corpus);
    }
    return bytes;
  }

  private byte[] mutateOnce(byte[] bytes, List<byte[]> corpus) {
    int op = random.nextInt(10);
    if (bytes.length == 0 && op < 7) {
      op = 7; // only growing makes sense
    }
    switch (op) {
      case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
      case 1 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      case 2 -> bytes[random.nextInt(bytes.length)] = BOUNDARY_BYTES[random.nextInt(BOUNDARY_BYTES.length)];
      case 3 -> {
        if (bytes.length >= 4) {
          ByteBuffer.wrap(bytes).putInt(random.nextInt(bytes.length - 3),
              BOUNDARY_INTS[random.nextInt(BOUNDARY_INTS.length)]);
        }
      }
      case 4 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length)); // cut
      case 5 -> bytes = delete(bytes);
      case 6 -> bytes = duplicate(bytes);
      case 7 -> bytes = insert(bytes, randomBytes(16));
      case 8 -> {
        byte[] other = corpus.isEmpty() ? randomBytes(64) : corpus.get(random.nextInt(corpus.size()));
        bytes = splice(bytes, other);
      }
      default -> bytes = insert(bytes, bytes.length == 0 ? randomBytes(8) : Arrays.copyOfRange(bytes, 0,
          Math.min(bytes.length, 1 + random.nextInt(8))));
    }
    return bytes;
  }

  private byte[] delete(byte[] bytes) {
    int from = random.nextInt(bytes.length);
    int to = from + 1 + random.nextInt(Math.min(16, bytes.length - from));
    byte[] out = new byte[bytes.length - (to - from)];
    System.arraycopy(bytes, 0, out, 0, from);
    System.arraycopy(bytes, to, out, from, bytes.length - to);
    return out;
  }

  private byte[] duplicate(byte[] bytes) {
    int from = random.nextInt(bytes.length);
    int to = from + 1 + random.nextInt(Math.min(16, bytes.length - from));
    return insert(bytes, Arrays.copyOfRange(bytes, from, to));
  }

  private byte[] insert(byte[] bytes, byte[] piece) {
    int at = random.nextInt(bytes.length + 1);
    byte[] out = new byte[bytes.length + piece.length];
    System.arraycopy(bytes, 0, out, 0, at);
    System.arraycopy(piece, 0, out, at, piece.length);
    System.arraycopy(bytes, at, out, at + piece.length, bytes.length - at);
    return out;
  }

  private byte[] splice(byte[] bytes, byte[] other) {
    int head = random.nextInt(bytes.length + 1);
    int tail = other.length == 0 ? 0 : random.nextInt(other.length);
    byte[] out = Arrays.copyOf(bytes, head + other.length - tail);
    System.arraycopy(other, tail, out, head, other.length - tail);
    return out;
  }

  /** How a failing input is reported: the seed and the bytes, enough to replay it. */
  public String describe(byte[] input) {
    String hex = HexFormat.of().formatHex(input, 0, Math.min(input.length, 512));
    return "seed " + seed + ", input of " + input.length + " bytes: " + hex + (input.length > 512 ? "..." : "");
  }
}
