package org.asyncparallel.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Body;
import org.asyncparallel.ParallelException;
import org.asyncparallel.SerializableSupplier;
import org.asyncparallel.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker rebuilds a {@code Task} or {@code Body} lambda around its body method instead of
 * linking the lambda (1.5-2 ms of a fresh JVM): it works as the lambda did, throws what it threw,
 * serializes back to the same lambda, and only the bodies of serializable lambdas are called so.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RebuiltLambdaTest implements Serializable {
  private final String name = "instance";

  /** Not a lambda's body, though named like one: it must never be called through a forged lambda. */
  @SuppressWarnings("unused")
  private static String lambda$forged$1a2b$0() {
    return "forged method ran";
  }

  private static Object roundTrip(Object value) {
    return Codec.decode(Codec.encode(value, "the lambda"), "the lambda");
  }

  @Test
  void aTaskComesBackRebuiltAndComputesWithWhatItCaptured() throws Exception {
    int n = 41;
    long big = 1L << 40;
    String word = "w";
    long[] numbers = {1, 2, 3};
    Task<Integer> inner = () -> n + 1;
    Task<String> task = () -> word + n + big + Arrays.toString(numbers) + inner.call();
    Object back = roundTrip(task);
    assertThat(back).isInstanceOf(RebuiltLambda.OfTask.class);
    assertThat(((Task<?>) back).call()).isEqualTo("w411099511627776[1, 2, 3]42");
    assertThat(((Task<?>) roundTrip((Task<Object>) () -> null)).call()).isNull();
  }

  @Test
  void aLambdaThatCapturesThisCallsItsBodyOnTheCapturedInstance() throws Exception {
    Task<String> usesAField = () -> name + "!";
    Object back = roundTrip(usesAField);
    assertThat(back).isInstanceOf(RebuiltLambda.OfTask.class);
    assertThat(((Task<?>) back).call()).isEqualTo("instance!");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aBodyComesBackRebuiltAndGetsItsHub() throws Exception {
    String prefix = "hub: ";
    Body<String, String, String> body = hub -> prefix + (hub == null ? "none" : "some");
    Object back = roundTrip(body);
    assertThat(back).isInstanceOf(RebuiltLambda.OfBody.class);
    assertThat(((Body<String, String, String>) back).apply(null)).isEqualTo("hub: none");
  }

  @Test
  void whatTheTaskThrowsComesOutUnwrapped() {
    Task<Integer> fails = () -> {
      throw new IOException("disk gone");
    };
    Task<?> back = (Task<?>) roundTrip(fails);
    assertThatThrownBy(back::call).isExactlyInstanceOf(IOException.class).hasMessage("disk gone");
    Task<Integer> errs = () -> {
      throw new StackOverflowError("deep");
    };
    assertThatThrownBy(((Task<?>) roundTrip(errs))::call).isExactlyInstanceOf(StackOverflowError.class);
  }

  @Test
  void itSerializesBackToTheSameLambda() throws Exception {
    int n = 7;
    Task<Integer> task = () -> n * 6;
    byte[] bytes = Codec.encode(task, "the task");
    Object back = Codec.decode(bytes, "the task");
    assertThat(Codec.encode(back, "the task")).isEqualTo(bytes);

    var stream = new ByteArrayOutputStream();
    try (var out = new ObjectOutputStream(stream)) {
      out.writeObject(back);
    }
    Object read;
    try (var in = new ObjectInputStream(new ByteArrayInputStream(stream.toByteArray()))) {
      read = in.readObject();
    }
    assertThat(read.getClass().isHidden()).as("the lambda itself, from Java serialization").isTrue();
    assertThat(((Task<?>) read).call()).isEqualTo(42);
  }

  @Test
  void otherInterfacesAndMethodReferencesAreLinkedAsBefore() throws Exception {
    int n = 3;
    SerializableSupplier<Integer> supplier = () -> n;
    Object back = roundTrip(supplier);
    assertThat(back).isNotInstanceOf(RebuiltLambda.class);
    assertThat(((SerializableSupplier<?>) back).get()).isEqualTo(3);
    Task<List<Integer>> reference = List::of;
    Object refBack = roundTrip(reference);
    assertThat(refBack).isNotInstanceOf(RebuiltLambda.class);
    assertThat(((Task<?>) refBack).call()).isEqualTo(List.of());
  }

  @Test
  void aForgedLambdaCannotCallAMethodThatIsNoSerializableLambdasBody() {
    byte[] bytes = Codec.encode((Task<String>) () -> "real", "the task");
    byte[] forged = withImplMethodName(bytes, "lambda$forged$1a2b$0"); // same descriptor, not synthetic
    assertThatThrownBy(() -> Codec.decode(forged, "the task")).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("the task cannot be deserialized in this process");
  }

  @Test
  void capturedValuesThatDoNotFitTheBodyAreRefused() {
    int n = 5;
    byte[] bytes = Codec.encode((Task<Integer>) () -> n + 1, "the task");
    byte[] wrongType = withCapturedValue(bytes, Codec.encode("five", "a value"));
    assertThatThrownBy(() -> Codec.decode(wrongType, "the task")).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("the task cannot be deserialized in this process");
  }

  // ---- the encoding's layout (LambdaValues): tag, 8 names (u2 length + UTF-8), kind, count, values

  private static String[] names(byte[] bytes) {
    var in = java.nio.ByteBuffer.wrap(bytes, 1, bytes.length - 1);
    String[] names = new String[8];
    for (int i = 0; i < 8; i++) {
      int length = Short.toUnsignedInt(in.getShort());
      names[i] = new String(bytes, in.position(), length, StandardCharsets.UTF_8);
      in.position(in.position() + length);
    }
    return names;
  }

  private static byte[] withImplMethodName(byte[] bytes, String implName) {
    String[] names = names(bytes);
    names[5] = implName;
    return rebuild(names, Arrays.copyOfRange(bytes, namesEnd(bytes), bytes.length));
  }

  private static byte[] withCapturedValue(byte[] bytes, byte[] value) {
    int end = namesEnd(bytes);
    var out = new ByteArrayOutputStream();
    out.write(bytes[end]); // kind
    out.write(1); // one captured value
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(value.length).array());
    out.writeBytes(value);
    return rebuild(names(bytes), out.toByteArray());
  }

  private static int namesEnd(byte[] bytes) {
    int at = 1;
    for (int i = 0; i < 8; i++) {
      at += 2 + (((bytes[at] & 0xff) << 8) | (bytes[at + 1] & 0xff));
    }
    return at;
  }

  private static byte[] rebuild(String[] names, byte[] rest) {
    var out = new ByteArrayOutputStream();
    out.write(LambdaValues.LAMBDA);
    for (String n : names) {
      byte[] utf8 = n.getBytes(StandardCharsets.UTF_8);
      out.write(utf8.length >> 8);
      out.write(utf8.length);
      out.writeBytes(utf8);
    }
    out.writeBytes(rest);
    return out.toByteArray();
  }

}
