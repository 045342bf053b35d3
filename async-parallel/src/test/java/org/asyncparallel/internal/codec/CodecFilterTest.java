package org.asyncparallel.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.ParallelException;
import org.asyncparallel.SerializableSupplier;
import org.asyncparallel.Where;
import org.asyncparallel.fixtures.Gadget;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.HubAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Codec} with a deserialization filter, in one process: what the pattern decides, what
 * is allowed whatever it says (the library's classes, a lambda's machinery), which limits still
 * apply to those, and what a refusal says.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class CodecFilterTest {
  /** This class's own types and nothing else: no java.lang, no java.util. */
  private static final String ONLY_THIS_CLASS = "org.asyncparallel.internal.codec.CodecFilterTest*;!*";

  record Point(int x, int y) implements Serializable {}

  @AfterEach
  void noFilter() {
    Codec.useFilter("");
  }

  private static Object roundTrip(Object value) {
    return Codec.decode(Codec.encode(value, "a value"), "a value");
  }

  @Test
  void withoutAFilterEverythingSerializableDecodes() {
    assertThat(roundTrip(List.of(1, "two"))).isEqualTo(List.of(1, "two"));
  }

  @Test
  void theApplicationsAllowedClassesPassAndOthersAreRefusedByName() {
    Codec.useFilter(ONLY_THIS_CLASS);
    int readsBefore = Gadget.READS.get();
    assertThat(roundTrip(new Point(1, 2))).isEqualTo(new Point(1, 2));
    assertThatThrownBy(() -> roundTrip(new Gadget(Path.of("unused"))))
        .isExactlyInstanceOf(ParallelException.class)
        .hasMessage("a value cannot be deserialized in this process: class " + Gadget.class.getName()
            + " is rejected by the deserialization filter \"" + ONLY_THIS_CLASS + "\" (Config.deserializationFilter)");
    assertThatThrownBy(() -> roundTrip(List.of(1)))
        .hasMessageContaining("is rejected by the deserialization filter");
    assertThat(Gadget.READS.get() - readsBefore).as("gadgets that ran").isZero();
  }

  @Test
  void lambdasAndTheLibrarysClassesPassWhateverThePatternSays() {
    Codec.useFilter(ONLY_THIS_CLASS);
    Point captured = new Point(3, 4);
    SerializableSupplier<Point> lambda = () -> new Point(captured.y(), captured.x());
    @SuppressWarnings("unchecked")
    var back = (SerializableSupplier<Point>) roundTrip(lambda);
    assertThat(back.get()).isEqualTo(new Point(4, 3));
    var address = new HubAddress(new Endpoint("m", "/tmp/x.sock", "10.0.0.1", 7), 9);
    assertThat(roundTrip(address)).isEqualTo(address);
    assertThat(roundTrip(Where.on("m"))).isEqualTo(Where.on("m"));
  }

  @Test
  void aLambdaStillHasItsCapturedValuesChecked() {
    Codec.useFilter(ONLY_THIS_CLASS);
    Integer captured = 5; // java.lang.Integer: not allowed by the pattern
    SerializableSupplier<Integer> lambda = () -> captured + 1;
    assertThatThrownBy(() -> roundTrip(lambda))
        .hasMessageContaining("class java.lang.Integer is rejected by the deserialization filter");
  }

  @Test
  void theLimitsOfThePatternApplyToTheLibrarysClassesToo() {
    Codec.useFilter("maxdepth=1;" + ONLY_THIS_CLASS);
    var address = new HubAddress(new Endpoint("m", "/tmp/x.sock"), 9);
    assertThatThrownBy(() -> roundTrip(address))
        .hasMessageContaining("a value past a limit (depth 2")
        .hasMessageContaining("is rejected by the deserialization filter");
    Codec.useFilter("maxarray=1;" + ONLY_THIS_CLASS);
    Point a = new Point(1, 1);
    Point b = new Point(2, 2);
    SerializableSupplier<Point> twoCaptures = () -> a.x() > 0 ? a : b;
    assertThatThrownBy(() -> roundTrip(twoCaptures))
        .hasMessageContaining("an array java.lang.Object[] of length 2 is rejected");
  }

  /**
   * A 30-byte stream can claim a 2 GiB array: without a filter ObjectInputStream allocates it
   * before it finds the stream too short (an OutOfMemoryError in a small heap); {@code maxarray}
   * refuses it before the allocation.
   */
  @Test
  void maxarrayRefusesAHugeClaimedArrayBeforeAllocatingIt() throws IOException {
    var stream = new ByteArrayOutputStream();
    try (var out = new ObjectOutputStream(stream)) {
      out.writeObject(new byte[16]);
    }
    byte[] bytes = stream.toByteArray();
    ByteBuffer.wrap(bytes).putInt(bytes.length - 16 - 4, 0x7ffffff0); // the array's length field
    Codec.useFilter("maxarray=1000000");
    assertThatThrownBy(() -> Codec.decode(bytes, "a value"))
        .isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("an array byte[] of length 2147483632 is rejected by the deserialization filter");
  }

  /** Values in the short encoding meet the filter as Java serialization would have shown them. */
  @Test
  void valuesOfTheShortEncodingAreFilteredLikeSerializedOnes() {
    Codec.useFilter(ONLY_THIS_CLASS);
    assertThatThrownBy(() -> roundTrip(42)).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("class java.lang.Integer is rejected by the deserialization filter");
    assertThatThrownBy(() -> roundTrip(true)).hasMessageContaining("class java.lang.Boolean is rejected");
    assertThat(roundTrip("a string")).isEqualTo("a string"); // strings are not shown to filters
    assertThat(roundTrip(null)).isNull();
    assertThat((byte[]) roundTrip(new byte[10])).hasSize(10); // a primitive array: limits only
    Codec.useFilter("maxarray=5");
    assertThatThrownBy(() -> roundTrip(new byte[10])).hasMessageContaining("an array byte[] of length 10 is rejected");
    Codec.useFilter("java.lang.Integer;!*");
    assertThat(roundTrip(7)).isEqualTo(7);
  }

  @Test
  void aBadPatternIsAnIllegalArgument() {
    assertThatThrownBy(() -> Codec.useFilter("maxdepth=deep")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Codec.useFilter(";")).isInstanceOf(IllegalArgumentException.class);
  }
}
