package org.asyncparallel.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.NotSerializableException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.ParallelException;
import org.asyncparallel.SerializableSupplier;
import org.asyncparallel.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CodecTest {
  record Point(int x, String label, List<Integer> path) implements Serializable {}

  /** Serializable, renamed in the byte stream to test a class that is missing here. */
  record Renamed(int value) implements Serializable {}

  static final class Unserializable {
    int value = 3;
  }

  private int field = 21;

  @Test
  void stringRoundTrips() {
    for (String s : new String[] {"", "hello", "ünïcødé ✓ \u0000 end", "x".repeat(100_000)}) {
      assertThat(Codec.decode(Codec.encode(s, "a string"), "a string")).isEqualTo(s);
    }
  }

  @Test
  void integerRoundTrips() {
    for (int i : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 4242}) {
      Object back = Codec.decode(Codec.encode(i, "an integer"), "an integer");
      assertThat(back).isInstanceOf(Integer.class).isEqualTo(i);
    }
  }

  @Test
  void nullRoundTrips() {
    assertThat(Codec.decode(Codec.encode(null, "nothing"), "nothing")).isNull();
  }

  @Test
  void recordRoundTrips() {
    var point = new Point(7, "seven", new ArrayList<>(List.of(1, 2, 3)));
    Object back = Codec.decode(Codec.encode(point, "a record"), "a record");
    assertThat(back).isInstanceOf(Point.class).isEqualTo(point).isNotSameAs(point);
  }

  @Test
  void serializableLambdaRoundTripsWithItsCaptures() throws Exception {
    int base = 20;
    String suffix = "!";
    Task<String> task = () -> (base * 2 + 2) + suffix;
    Object back = Codec.decode(Codec.encode(task, "the task"), "the task");
    assertThat(back).isInstanceOf(Task.class).isNotSameAs(task);
    @SuppressWarnings("unchecked")
    Task<String> decoded = (Task<String>) back;
    assertThat(decoded.call()).isEqualTo("42!");

    SerializableSupplier<Integer> ref = "abcd"::length;
    @SuppressWarnings("unchecked")
    var supplier = (SerializableSupplier<Integer>) Codec.decode(Codec.encode(ref, "a supplier"), "a supplier");
    assertThat(supplier.get()).isEqualTo(4);
  }

  @Test
  void lambdaCapturingANonSerializableObjectNamesItsClass() {
    var thing = new Unserializable();
    Task<Integer> task = () -> thing.value;
    assertThatThrownBy(() -> Codec.encode(task, "the task"))
        .isExactlyInstanceOf(ParallelException.class)
        .hasMessageStartingWith("the task cannot be serialized")
        .hasMessageContaining(Unserializable.class.getName())
        .hasMessageContaining("not Serializable")
        .cause()
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining(Unserializable.class.getName());
  }

  @Test
  void lambdaCapturingThisNamesTheEnclosingClass() {
    Task<Integer> task = () -> field * 2; // uses a field: captures this test instance
    assertThatThrownBy(() -> Codec.encode(task, "the task"))
        .isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining(CodecTest.class.getName())
        .hasMessageContaining("captures")
        .hasCauseInstanceOf(NotSerializableException.class);
  }

  @Test
  void plainNonSerializableValueNamesItsClass() {
    assertThatThrownBy(() -> Codec.encode(List.of(1, new Unserializable()), "the message"))
        .isExactlyInstanceOf(ParallelException.class)
        .hasMessageStartingWith("the message cannot be serialized")
        .hasMessageContaining(Unserializable.class.getName())
        .hasCauseInstanceOf(NotSerializableException.class);
  }

  @Test
  void garbageBytesFailWithParallelException() {
    var random = new Random(99);
    List<byte[]> garbage = new ArrayList<>(List.of(
        new byte[0],
        "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII),
        new byte[] {(byte) 0xac, (byte) 0xed},
        new byte[] {(byte) 0xac, (byte) 0xed, 0, 5},
        new byte[] {(byte) 0xac, (byte) 0xed, 0, 5, 0x73, 0x72, 0, 0x7f, 1}));
    for (int i = 0; i < 200; i++) {
      byte[] bytes = new byte[random.nextInt(64)];
      random.nextBytes(bytes);
      if (i % 2 == 0 && bytes.length >= 4) { // a valid stream header, then noise
        bytes[0] = (byte) 0xac;
        bytes[1] = (byte) 0xed;
        bytes[2] = 0;
        bytes[3] = 5;
      }
      garbage.add(bytes);
    }
    for (byte[] bytes : garbage) {
      assertThatThrownBy(() -> Codec.decode(bytes, "the message"))
          .as(Arrays.toString(bytes))
          .isInstanceOf(ParallelException.class)
          .hasMessageStartingWith("the message cannot be deserialized in this process");
    }
  }

  @Test
  void everyTruncationOfAValidEncodingFailsWithParallelException() {
    byte[] whole = Codec.encode(new Point(1, "one", List.of(1)), "a record");
    for (int n = 0; n < whole.length; n++) {
      byte[] prefix = Arrays.copyOf(whole, n);
      assertThatThrownBy(() -> Codec.decode(prefix, "a record"))
          .as("cut to %d of %d bytes", n, whole.length)
          .isInstanceOf(ParallelException.class);
    }
  }

  @Test
  void missingClassIsNamedInTheError() {
    byte[] bytes = Codec.encode(new Renamed(5), "a value");
    byte[] name = Renamed.class.getName().getBytes(StandardCharsets.UTF_8);
    int at = indexOf(bytes, name);
    assertThat(at).isNotNegative();
    bytes[at + name.length - 1] = 'X'; // ...CodecTest$RenameX: same length, no such class
    byte[] patched = bytes;
    assertThatThrownBy(() -> Codec.decode(patched, "a value"))
        .isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("CodecTest$RenameX")
        .hasMessageContaining("is not on its class path")
        .hasCauseInstanceOf(ClassNotFoundException.class);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
