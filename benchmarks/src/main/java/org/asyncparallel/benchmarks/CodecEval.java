package org.asyncparallel.benchmarks;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.asyncparallel.internal.codec.Codec;

/**
 * Issue 4's codec question: the library's codec (a short form for common values, else Java
 * serialization) against Apache Fory, on what a worker does. Run as a child JVM per measurement:
 * {@code cold CODEC} measures a fresh JVM's first round trip of a message, a record and a lambda
 * (the cost every worker pays, since each task gets a new JVM); {@code warm CODEC} the steady
 * cost per round trip (encode + decode) of typical messages. Prints {@code key=value} lines.
 */
public final class CodecEval {
  /** A typical small message of an application. */
  public record Sample(int id, String name, double value) implements Serializable {}

  private interface Round {
    Object trip(Object value) throws Exception;
  }

  private CodecEval() {}

  public static void main(String[] args) throws Exception {
    long entered = System.nanoTime();
    String mode = args[0];
    Round codec = args[1].equals("fory") ? fory() : (v -> Codec.decode(Codec.encode(v, "v"), "v"));
    if (mode.equals("cold")) {
      Supplier<Integer> lambda = (Supplier<Integer> & Serializable) () -> 42;
      check(codec.trip(new byte[64]) instanceof byte[]);
      check(codec.trip(new Sample(1, "one", 1.5)).equals(new Sample(1, "one", 1.5)));
      Object back = codec.trip(lambda);
      @SuppressWarnings("unchecked")
      int answer = ((Supplier<Integer>) back).get();
      check(answer == 42);
      System.out.println("firstTripMs=" + (System.nanoTime() - entered) / 1e6);
      return;
    }
    List<Integer> list = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      list.add(i);
    }
    Object[][] cases = {
        {"bytes64", new byte[64]},
        {"string", "a message of some twenty-odd chars"},
        {"record", new Sample(7, "seven", 7.5)},
        {"list100", list},
    };
    for (Object[] c : cases) {
      for (int i = 0; i < 50_000; i++) {
        codec.trip(c[1]);
      }
      int n = 200_000;
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        codec.trip(c[1]);
      }
      System.out.println(c[0] + "Us=" + (System.nanoTime() - t0) / 1e3 / n);
    }
  }

  private static Round fory() {
    Fory fory = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(false).build();
    return v -> fory.deserialize(fory.serialize(v));
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new IllegalStateException("a value did not survive the round trip");
    }
  }
}
