package org.asyncparallel.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * Medians and 90th percentiles (nearest rank). For a cost (a time, a size) the p90 is the 90th
 * percentile; for a rate it is the rate at the 90th percentile of the cost, i.e. the 10th
 * percentile of the rate: in both cases the slow side.
 */
final class Stats {
  private Stats() {}

  /** What a figure's numbers are. */
  enum Kind {
    /** seconds */
    TIME(false),
    /** messages per second */
    MSGS_PER_S(true),
    /** items per second */
    ITEMS_PER_S(true),
    /** bytes per second, shown as GB/s (10^9) */
    BYTES_PER_S(true),
    /** runs (processes) per second */
    RUNS_PER_S(true),
    /** bytes, shown as MiB */
    BYTES(false);

    final boolean higherIsBetter;

    Kind(boolean higherIsBetter) {
      this.higherIsBetter = higherIsBetter;
    }
  }

  /** A measured figure: median and p90 (slow side) of n samples. */
  record Summary(Kind kind, double median, double p90, int n) {
    static Summary of(Kind kind, double... samples) {
      if (samples.length == 0) {
        throw new IllegalArgumentException("no samples");
      }
      double[] s = samples.clone();
      Arrays.sort(s);
      double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
      double p = kind.higherIsBetter ? 0.10 : 0.90;
      int rank = (int) Math.ceil(p * s.length);
      double p90 = s[Math.max(0, Math.min(s.length - 1, rank - 1))];
      return new Summary(kind, median, p90, s.length);
    }

    static Summary of(Kind kind, List<Double> samples) {
      return of(kind, samples.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** "12.3 ms (p90 15.0 ms)" */
    String show() {
      return Fmt.value(kind, median) + " (p90 " + Fmt.value(kind, p90) + ")";
    }
  }

  /** Nanosecond samples to seconds. */
  static double[] seconds(long[] nanos) {
    double[] s = new double[nanos.length];
    for (int i = 0; i < nanos.length; i++) {
      s[i] = nanos[i] / 1e9;
    }
    return s;
  }

  /** Formatting of values by kind. */
  static final class Fmt {
    private Fmt() {}

    static String value(Kind kind, double v) {
      return switch (kind) {
        case TIME -> time(v);
        case MSGS_PER_S -> count(v) + " msgs/s";
        case ITEMS_PER_S -> count(v) + " items/s";
        case BYTES_PER_S -> String.format("%.2f GB/s", v / 1e9);
        case RUNS_PER_S -> String.format("%.1f runs/s", v);
        case BYTES -> String.format("%.1f MiB", v / (1 << 20));
      };
    }

    static String time(double seconds) {
      if (seconds < 1e-3) {
        return String.format("%.1f µs", seconds * 1e6);
      }
      if (seconds < 1) {
        return String.format(seconds < 0.01 ? "%.2f ms" : "%.1f ms", seconds * 1e3);
      }
      return String.format("%.2f s", seconds);
    }

    static String count(double v) {
      if (v >= 1e6) {
        return String.format("%.2f M", v / 1e6);
      }
      if (v >= 1e3) {
        return String.format("%.0f k", v / 1e3);
      }
      return String.format("%.0f", v);
    }

    static String ratio(double r) {
      if (r >= 100) {
        return String.format("%.0f×", r);
      }
      if (r >= 10) {
        return String.format("%.1f×", r);
      }
      if (r >= 0.1) {
        return String.format("%.2f×", r);
      }
      return String.format("%.3f×", r);
    }
  }
}
