package org.asyncparallel.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Fn;
import org.asyncparallel.ParallelException;
import org.asyncparallel.SerializableSupplier;
import org.asyncparallel.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Serializable lambdas and method references travel in a short encoding of their own (names and
 * captured values, no object stream) and come back working, with what they captured; malformed or
 * tampered bytes, missing classes and the filter give a {@link ParallelException} saying what.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LambdaValuesTest {
  record Point(int x, String label) implements Serializable {}

  static int twice(int x) {
    return 2 * x;
  }

  private final int offset = 100;

  @AfterEach
  void noFilter() {
    Codec.useFilter("");
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    return (T) Codec.decode(Codec.encode(value, "the lambda"), "the lambda");
  }

  @Test
  void lambdasComeBackWorkingWithWhatTheyCaptured() throws Exception {
    int n = 41;
    String word = "captured";
    Point point = new Point(3, "p");
    List<Integer> list = List.of(1, 2, 3);
    Task<Integer> inner = () -> n + 1;
    Task<String> task = () -> word + " " + n + " " + point + " " + list + " " + inner.call();
    Task<String> back = roundTrip(task);
    assertThat(back).isNotSameAs(task);
    assertThat(back.call()).isEqualTo("captured 41 Point[x=3, label=p] [1, 2, 3] 42");
    assertThat(((Task<Integer>) roundTrip((Task<Integer>) () -> 7)).call()).isEqualTo(7);
    assertThat(((Task<Object>) roundTrip((Task<Object>) () -> null)).call()).isNull();
  }

  @Test
  void methodReferencesComeBackToo() throws Exception {
    Fn<Integer, Integer> staticRef = LambdaValuesTest::twice;
    assertThat(roundTrip(staticRef).apply(21)).isEqualTo(42);
    String receiver = "abc";
    SerializableSupplier<Integer> boundRef = receiver::length;
    assertThat(roundTrip(boundRef).get()).isEqualTo(3);
  }

  @Test
  void aLambdaIsFarShorterThanItsObjectStream() throws Exception {
    int n = 5;
    Task<Integer> task = () -> n;
    byte[] bytes = Codec.encode(task, "the task");
    assertThat(LambdaValues.isLambda(bytes)).isTrue();
    var stream = new java.io.ByteArrayOutputStream();
    try (var out = new java.io.ObjectOutputStream(stream)) {
      out.writeObject(task);
    }
    assertThat(bytes.length).isLessThan(stream.size() / 2);
  }

  @Test
  void aLambdaThatCapturesSomethingUnserializableStillSaysWhat() {
    Object lock = new Object();
    Task<Integer> task = () -> lock.hashCode();
    assertThatThrownBy(() -> Codec.encode(task, "the task")).isInstanceOf(ParallelException.class)
        .hasMessageContaining("the task cannot be serialized: it refers to an instance of java.lang.Object")
        .hasMessageContaining("captures [java.lang.Object (not Serializable)]");
    Task<Integer> usesAField = () -> offset; // captures this test, which is not Serializable
    assertThatThrownBy(() -> Codec.encode(usesAField, "the task")).isInstanceOf(ParallelException.class)
        .hasMessageContaining(LambdaValuesTest.class.getName());
  }

  @Test
  void everyTruncationAndStrayByteIsAParallelException() {
    int n = 5;
    String s = "x";
    byte[] bytes = Codec.encode((Task<String>) () -> s + n, "the task");
    for (int cut = 1; cut < bytes.length; cut++) {
      byte[] prefix = Arrays.copyOf(bytes, cut);
      assertThatThrownBy(() -> Codec.decode(prefix, "the task")).as("cut to %d bytes", cut)
          .isExactlyInstanceOf(ParallelException.class);
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> Codec.decode(longer, "the task")).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("malformed lambda");
  }

  @Test
  void aLambdaTheCapturingClassDoesNotDefineIsRefused() {
    byte[] bytes = Codec.encode((Task<Integer>) () -> 1, "the task");
    byte[] tampered = replace(bytes, "lambda$", "lambdX$"); // an implementation method that does not exist
    assertThatThrownBy(() -> Codec.decode(tampered, "the task")).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("the task cannot be deserialized in this process")
        .hasMessageContaining("Invalid lambda deserialization");
  }

  @Test
  void aCapturingClassMissingHereIsNamed() {
    byte[] bytes = Codec.encode((Task<Integer>) () -> 1, "the task");
    byte[] tampered = replace(bytes, "LambdaValuesTest", "LambdaValuesTesX");
    assertThatThrownBy(() -> Codec.decode(tampered, "the task")).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("class org.asyncparallel.internal.codec.LambdaValuesTesX is not on its class path");
  }

  @Test
  void theFilterSeesTheCapturingClassAndEachCapturedValue() {
    Point point = new Point(1, "a");
    byte[] capturesAPoint = Codec.encode((SerializableSupplier<Point>) () -> point, "the task");
    byte[] capturesNothing = Codec.encode((Task<Integer>) () -> 1, "the task");
    Codec.useFilter("java.lang.*;!*");
    assertThatThrownBy(() -> Codec.decode(capturesNothing, "the task"))
        .hasMessageContaining("class " + LambdaValuesTest.class.getName() + " is rejected by the deserialization filter");
    Codec.useFilter(LambdaValuesTest.class.getName() + ";java.lang.*;!*");
    assertThat(Codec.decode(capturesNothing, "the task")).isInstanceOf(Task.class);
    assertThatThrownBy(() -> Codec.decode(capturesAPoint, "the task"))
        .hasMessageContaining("class " + Point.class.getName() + " is rejected by the deserialization filter");
  }

  /** The bytes with the first occurrence of {@code from} replaced by {@code to} (same length). */
  private static byte[] replace(byte[] bytes, String from, String to) {
    byte[] f = from.getBytes(StandardCharsets.UTF_8);
    byte[] t = to.getBytes(StandardCharsets.UTF_8);
    byte[] out = bytes.clone();
    for (int i = 0; i + f.length <= out.length; i++) {
      if (Arrays.equals(out, i, i + f.length, f, 0, f.length)) {
        System.arraycopy(t, 0, out, i, t.length);
        return out;
      }
    }
    throw new AssertionError(from + " is not in the bytes");
  }
}
