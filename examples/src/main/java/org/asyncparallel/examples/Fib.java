package org.asyncparallel.examples;

import static org.asyncparallel.examples.Examples.check;

import java.io.Serializable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.Parallel;

/**
 * Fibonacci by nested processes, as in the original {@code test/parallel_test.ml}: every call of
 * {@code fib} is a {@code Parallel.run}, whose task, for {@code n >= 2}, calls {@code fib(n - 1)},
 * waits for it, then calls {@code fib(n - 2)}. One process per call: 177 for {@code fib(10)}.
 * Each result also counts the processes that computed it.
 *
 * <p>Usage: {@code Fib [n]} (default 10).
 */
public final class Fib {
  private Fib() {}

  /** fib(n), and how many worker processes computed it. */
  record Result(int value, int processes) implements Serializable {}

  public static void main(String[] args) {
    Examples.runMain("Fib", Fib::run, args);
  }

  /** One worker process for this call, and (nested inside it) one for each recursive call. */
  static CompletableFuture<Result> fib(int n) {
    return Parallel.run(() -> {
      if (n < 2) {
        return new Result(n, 1);
      }
      Result f1 = fib(n - 1).join();
      Result f2 = fib(n - 2).join();
      return new Result(f1.value() + f2.value(), 1 + f1.processes() + f2.processes());
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
    Parallel.init();
    try {
      System.out.println("main pid " + Examples.pid() + ": computing fib(" + n + "), one process per call");
      long start = System.nanoTime();
      Result r = fib(n).join();
      System.out.printf("fib(%d) = %d, computed by %d worker processes in %.2f s%n",
          n, r.value(), r.processes(), Examples.seconds(start));
      check(r.value() == want[0], "fib(" + n + ") = " + r.value() + ", expected " + want[0]);
      check(r.processes() == want[1], r.processes() + " processes, expected " + want[1]);
    } finally {
      Parallel.shutdown().join();
    }
  }
}
