package org.asyncparallel.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.asyncparallel.ParallelException;
import org.junit.jupiter.api.Test;

/** The short encoding of common message values, and its fallback to Java serialization. */
class SmallValuesTest {
  @Test
  void commonValuesRoundTripInTheShortForm() {
    List<Object> values = Arrays.asList(null, "", "héllo wörld ✓", 0, -7, Integer.MAX_VALUE, 42L,
        Long.MIN_VALUE, 3.25, Double.NaN, -0.0, true, false);
    for (Object value : values) {
      byte[] bytes = Codec.encode(value, "a value");
      assertThat(SmallValues.isSmall(bytes)).as("%s is short-encoded", value).isTrue();
      assertThat(Codec.decode(bytes, "a value")).isEqualTo(value);
    }
    byte[] array = {1, 2, 3, -1};
    byte[] encoded = Codec.encode(array, "a value");
    assertThat(encoded).hasSize(5);
    assertThat((byte[]) Codec.decode(encoded, "a value")).isEqualTo(array);
  }

  @Test
  void aSixtyFourByteArrayCostsOneByteMore() {
    assertThat(Codec.encode(new byte[64], "a value")).hasSize(65);
  }

  @Test
  void stringsWithLoneSurrogatesAndOtherValuesGoThroughJavaSerialization() {
    String lone = "a\uD800b";
    byte[] bytes = Codec.encode(lone, "a value");
    assertThat(SmallValues.isSmall(bytes)).isFalse();
    assertThat(Codec.decode(bytes, "a value")).isEqualTo(lone);
    List<Integer> list = List.of(1, 2);
    byte[] listBytes = Codec.encode(new java.util.ArrayList<>(list), "a value");
    assertThat(listBytes[0]).isEqualTo((byte) 0xAC);
    assertThat(Codec.decode(listBytes, "a value")).isEqualTo(list);
  }

  @Test
  void aShortFormWithTheWrongLengthIsAClearError() {
    assertThatThrownBy(() -> Codec.decode(new byte[] {SmallValues.INT, 1, 2}, "the message"))
        .isInstanceOf(ParallelException.class).hasMessageContaining("the message cannot be decoded");
  }
}
