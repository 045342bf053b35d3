package org.asyncparallel.examples;

import static org.asyncparallel.examples.Examples.check;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.Parallel;

/**
 * The wide example (OCaml {@code example/wide.ml}): {@code n} worker processes at once, child
 * {@code i} returning {@code i}; every child is started before any result is awaited, and the
 * results come back in order.
 *
 * <p>Usage: {@code Wide [n...]} (default 1 2 10 100; commas also separate).
 */
public final class Wide {
  private Wide() {}

  public static void main(String[] args) {
    Examples.runMain("Wide", Wide::run, args);
  }

  /** Child {@code i}'s task: returns {@code {i, its pid}}. Captures only the int. */
  static CompletableFuture<long[]> child(int i) {
    return Parallel.run(() -> new long[] {i, ProcessHandle.current().pid()});
  }

  static void run(String[] args) throws Exception {
    List<Integer> widths = Examples.ints(args, List.of(1, 2, 10, 100));
    Examples.initRuntime();
    try {
      System.out.println("main pid " + Examples.pid() + ": widths " + widths);
      for (int n : widths) {
        long start = System.nanoTime();
        List<CompletableFuture<long[]>> children = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          children.add(child(i)); // all started before any is joined
        }
        List<Long> results = new ArrayList<>();
        Set<Long> pids = new HashSet<>();
        for (CompletableFuture<long[]> c : children) {
          long[] r = c.join();
          results.add(r[0]);
          pids.add(r[1]);
        }
        System.out.printf("width %3d: results %s from %d distinct worker pids in %.2f s%n",
            n, abbreviate(results), pids.size(), Examples.seconds(start));
        for (int i = 0; i < n; i++) {
          check(results.get(i) == i, "child " + i + " returned " + results.get(i) + ": " + results);
        }
        check(pids.size() == n, n + " children ran in only " + pids.size() + " processes");
        check(!pids.contains(Examples.pid()), "a child ran in the main process");
      }
    } finally {
      Parallel.shutdown().join();
    }
  }

  private static String abbreviate(List<Long> values) {
    if (values.size() <= 10) {
      return values.toString();
    }
    return "[" + values.get(0) + ", " + values.get(1) + ", " + values.get(2) + ", ..., "
        + values.get(values.size() - 1) + "]";
  }
}
