package org.asyncparallel.examples;

import static org.asyncparallel.examples.Examples.check;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.Parallel;

/**
 * The seed's deep example (OCaml {@code example/deep.ml}): {@code loop(d)} runs a cascade of
 * {@code d} processes, each started by the one before it, counting down to zero; the count comes
 * back up the chain. At depth 100, 100 worker JVMs are alive at once, each waiting for its child.
 *
 * <p>Usage: {@code DeepCascade [depth...]} (default 1 2 10 100; commas also separate).
 */
public final class DeepCascade {
  private DeepCascade() {}

  public static void main(String[] args) {
    Examples.runMain("DeepCascade", DeepCascade::run, args);
  }

  /**
   * Counts down through {@code i} nested worker processes. Static, so the task captures only the
   * int {@code i}: it is serialized, and a captured {@code this} would have to be too.
   */
  static CompletableFuture<Integer> loop(int i) {
    if (i == 0) {
      return CompletableFuture.completedFuture(0);
    }
    return Parallel.run(() -> {
      if (i == 1) {
        System.out.println("  bottom of the cascade reached in worker pid " + ProcessHandle.current().pid());
      }
      return loop(i - 1).join();
    }).thenApply(j -> j + 1);
  }

  static void run(String[] args) throws Exception {
    List<Integer> depths = Examples.ints(args, List.of(1, 2, 10, 100));
    Examples.initRuntime();
    try {
      System.out.println("main pid " + Examples.pid() + ": cascades of depths " + depths);
      for (int depth : depths) {
        long start = System.nanoTime();
        int d = loop(depth).join();
        System.out.printf("depth %3d: loop returned %3d through %3d nested worker processes in %.2f s%n",
            depth, d, depth, Examples.seconds(start));
        check(d == depth, "loop(" + depth + ") returned " + d);
      }
    } finally {
      Parallel.shutdown().join();
    }
  }
}
