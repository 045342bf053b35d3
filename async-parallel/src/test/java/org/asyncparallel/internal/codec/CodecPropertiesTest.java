package org.asyncparallel.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.Serializable;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.asyncparallel.ParallelException;
import org.asyncparallel.testing.Mutator;

/**
 * Properties of {@link Codec}: generated values (strings, numbers, byte arrays, enums, records,
 * nested lists and maps) come back equal; the size check refuses exactly what does not fit; a
 * corrupted stream decodes to something or fails with a {@link ParallelException}, never with
 * another exception; a value nested too deeply for the decoding thread fails the same way.
 */
class CodecPropertiesTest {
  record Shape(int sides, String name, List<Object> parts) implements Serializable {}

  record Pair(Object left, Object right) implements Serializable {}

  private static final class Link implements Serializable {
    Link next;
  }

  private static Arbitrary<Object> leaves() {
    return Arbitraries.oneOf(List.of(
        Arbitraries.strings().ofMaxLength(40).map(s -> (Object) s),
        Arbitraries.strings().all().ofMaxLength(10).map(s -> (Object) s), // lone surrogates too
        Arbitraries.integers().map(i -> (Object) i),
        Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.doubles().withSpecialValue(Double.NaN).withSpecialValue(Double.NEGATIVE_INFINITY)
            .withSpecialValue(-0.0).map(d -> (Object) d),
        Arbitraries.bigIntegers().map(b -> (Object) b),
        Arbitraries.bigDecimals().map(b -> (Object) b),
        Arbitraries.chars().map(c -> (Object) c),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.of(TimeUnit.class).map(u -> (Object) u),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(300).map(b -> (Object) b),
        Arbitraries.just(null)));
  }

  private static Arbitrary<Object> values(int depth) {
    if (depth == 0) {
      return leaves();
    }
    Arbitrary<Object> inner = Arbitraries.lazy(() -> values(depth - 1));
    Arbitrary<List<Object>> list = inner.list().ofMaxSize(5);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, leaves()),
        net.jqwik.api.Tuple.of(1, list.map(l -> (Object) new ArrayList<>(l))),
        net.jqwik.api.Tuple.of(1, list.map(l -> (Object) new LinkedList<>(l))),
        net.jqwik.api.Tuple.of(1, Arbitraries.maps(Arbitraries.strings().ofMaxLength(8), inner).ofMaxSize(5)
            .map(m -> (Object) new HashMap<>(m))),
        net.jqwik.api.Tuple.of(1, Arbitraries.maps(Arbitraries.strings().ofMaxLength(8), inner).ofMaxSize(5)
            .map(m -> (Object) new TreeMap<>(m))),
        net.jqwik.api.Tuple.of(1, Combinators.combine(Arbitraries.integers(), Arbitraries.strings().ofMaxLength(8),
            list).as((n, s, l) -> (Object) new Shape(n, s, new ArrayList<>(l)))),
        net.jqwik.api.Tuple.of(1, Combinators.combine(inner, inner).as((a, b) -> (Object) new Pair(a, b))));
  }

  @Provide
  static Arbitrary<Object> values() {
    return values(4);
  }

  /** Equality that looks into byte arrays wherever they are. */
  static void assertDeepEqual(Object actual, Object expected, String path) {
    if (expected == null || actual == null) {
      assertThat(actual).as(path).isEqualTo(expected);
      return;
    }
    assertThat(actual.getClass()).as(path).isEqualTo(expected.getClass());
    if (expected instanceof byte[] bytes) {
      assertThat(Arrays.equals((byte[]) actual, bytes)).as(path).isTrue();
    } else if (expected instanceof List<?> list) {
      List<?> other = (List<?>) actual;
      assertThat(other).as(path).hasSameSizeAs(list);
      for (int i = 0; i < list.size(); i++) {
        assertDeepEqual(other.get(i), list.get(i), path + "[" + i + "]");
      }
    } else if (expected instanceof Map<?, ?> map) {
      Map<?, ?> other = (Map<?, ?>) actual;
      assertThat(other.keySet()).as(path).isEqualTo(map.keySet());
      for (var entry : map.entrySet()) {
        assertDeepEqual(other.get(entry.getKey()), entry.getValue(), path + "." + entry.getKey());
      }
    } else if (expected.getClass().isRecord()) {
      for (RecordComponent component : expected.getClass().getRecordComponents()) {
        try {
          assertDeepEqual(component.getAccessor().invoke(actual), component.getAccessor().invoke(expected),
              path + "." + component.getName());
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
    } else {
      assertThat(actual).as(path).isEqualTo(expected);
    }
  }

  @Property(tries = 1_000)
  void everyValueComesBackEqual(@ForAll("values") Object value) {
    assertDeepEqual(Codec.decode(Codec.encode(value, "a value"), "a value"), value, "value");
  }

  @Property(tries = 300)
  void theSizeCheckRefusesExactlyWhatDoesNotFit(@ForAll("values") Object value,
      @ForAll @Size(max = 40_000) byte[] blob, @ForAll @IntRange(min = 4096, max = 40_000) int maxFrameBytes) {
    Object both = new Pair(value, blob);
    byte[] plain = Codec.encode(both, "a value");
    if (plain.length <= maxFrameBytes - 65) {
      assertThat(Codec.encode(both, "a value", maxFrameBytes)).isEqualTo(plain);
    } else {
      assertThatThrownBy(() -> Codec.encode(both, "a value", maxFrameBytes))
          .isExactlyInstanceOf(ParallelException.class)
          .hasMessageContaining(plain.length + " bytes serialized")
          .hasMessageContaining("Config.maxMessageBytes = " + maxFrameBytes);
    }
  }

  /**
   * Runs with a filter that bounds arrays, depth and references, as a runtime facing hostile
   * authenticated peers should: without one, a mutated array length makes ObjectInputStream
   * allocate up to 2 GiB (see RELIABILITY.md).
   */
  @Property(tries = 3_000)
  void aCorruptedStreamDecodesToSomethingOrIsAParallelException(@ForAll("values") Object value, @ForAll long seed) {
    byte[] bytes = new Mutator(seed).mutate(Codec.encode(value, "a value"));
    Codec.useFilter("maxarray=100000;maxdepth=64;maxrefs=100000;maxbytes=1000000");
    try {
      Codec.decode(bytes, "a value");
    } catch (ParallelException e) {
      assertThat(e).hasMessageStartingWith("a value cannot be");
    } catch (RuntimeException | Error e) {
      fail("decoding a corrupted stream threw " + e + " (seed " + seed + ")", e);
    } finally {
      Codec.useFilter("");
    }
  }

  @Example
  void aValueTooDeepForTheDecodingThreadIsAParallelException() throws Exception {
    Link head = null;
    for (int i = 0; i < 5_000; i++) {
      Link link = new Link();
      link.next = head;
      head = link;
    }
    Link deep = head;
    byte[][] encoded = new byte[1][];
    Thread big = new Thread(null, () -> encoded[0] = Codec.encode(deep, "a list"), "big-stack", 256L << 20);
    big.start();
    big.join();
    assertThat(encoded[0]).as("encoded on a thread with a large stack").isNotNull();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread small = new Thread(null, () -> {
      try {
        Codec.decode(encoded[0], "a list");
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "small-stack", 128 * 1024);
    small.start();
    small.join();
    assertThat(failure.get()).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("a list cannot be deserialized in this process: it is nested too deeply")
        .hasCauseInstanceOf(StackOverflowError.class);
  }
}
