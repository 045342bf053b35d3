package org.asyncparallel.examples;

import static org.asyncparallel.examples.Examples.check;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.Parallel;

/**
 * Fibonacci by nested processes, as in the original {@code test/parallel_test.ml}: every call of
 * {@code fib} is a {@code Parallel.run}, whose task, for {@code n >= 2}, calls {@code fib(n - 1)},
 * waits for it, then calls {@code fib(n - 2)}. One process per call: 177 for {@code fib(10)}.
 * Each result also carries the pids of the processes that computed it.
 *
 * <p>Usage: {@code Fib [n]} (default 10).
 */
public final class Fib {
  private Fib() {}

  /** fib(n), and the pids of the worker processes that computed it, one per call. */
  record Result(int value, ArrayList<Long> pids) implements Serializable {}

  public static void main(String[] args) {
    Examples.runMain("Fib", Fib::run, args);
  }

  /** One worker process for this call, and (nested inside it) one for each recursive call. */
  static CompletableFuture<Result> fib(int n) {
    return Parallel.run(() -> {
      ArrayList<Long> pids = new ArrayList<>(List.of(ProcessHandle.current().pid()));
      if (n < 2) {
        return new Result(n, pids);
      }
      Result f1 = fib(n - 1).join();
      Result f2 = fib(n - 2).join();
      pids.addAll(f1.pids());
      pids.addAll(f2.pids());
      return new Result(f1.value() + f2.value(), pids);
    });
  }

  /** fib(n) computed locally, and the number of calls of the naive recursion. */
  static int[] expected(int n) {
    if (n < 2) {
      return new int[] {n, 1};
    }
    int[] a = expected(n - 1);
    int[] b = expected(n - 2);
    return new int[] {a[0] + b[0], 1 + a[1] + b[1]};
  }

  static void run(String[] args) throws Exception {
    int n = Examples.ints(args, List.of(10)).get(0);
    int[] want = expected(n);
    Examples.initRuntime();
    try {
      System.out.println("main pid " + Examples.pid() + ": computing fib(" + n + "), one process per call");
      long start = System.nanoTime();
      Result r = fib(n).join();
      int processes = new HashSet<>(r.pids()).size();
      System.out.printf("fib(%d) = %d, computed by %d worker processes (%d distinct pids, from %d to %d) in %.2f s%n",
          n, r.value(), r.pids().size(), processes, r.pids().stream().mapToLong(p -> p).min().orElse(0),
          r.pids().stream().mapToLong(p -> p).max().orElse(0), Examples.seconds(start));
      check(r.value() == want[0], "fib(" + n + ") = " + r.value() + ", expected " + want[0]);
      check(processes == want[1], processes + " distinct worker processes, expected " + want[1]);
      check(!r.pids().contains(Examples.pid()), "a call ran in the main process");
    } finally {
      Parallel.shutdown().join();
    }
  }
}
