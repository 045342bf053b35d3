package org.asyncparallel.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Config;
import org.asyncparallel.Parallel;
import org.asyncparallel.Task;

/**
 * A probe for A/B runs of worker start-up changes (not part of the report): the CPU its worker
 * JVMs used, per worker, for {@code N} sequential trivial runs (with the median `run` latency) or a
 * cascade of depth {@code N}. Extra arguments become {@code Config.workerJvmOptions}. Run each
 * variant a few times, alternating, after one run that builds the class archive for its options:
 *
 * <pre>
 * java -cp &lt;benchmarks jar&gt;:&lt;library jar&gt; org.asyncparallel.benchmarks.WorkerCpuProbe 60 deep -Dsome.option=1
 * java -cp ... org.asyncparallel.benchmarks.WorkerCpuProbe 40 runs
 * </pre>
 *
 * Session 9 found with it that {@code -Djdk.reflect.useNativeAccessorOnly=true} takes a cascade's
 * worker from ~75 to ~61 ms of CPU, and that deserializing the task through
 * {@code $deserializeLambda$} rather than {@code RebuiltLambda} does about as much for the
 * cascade but makes a trivial `run` ~0.5 ms slower.
 */
public final class WorkerCpuProbe {
  private WorkerCpuProbe() {}

  /** CPU of reaped children (cutime + cstime), in clock ticks (10 ms here). */
  private static long childTicks() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
  }

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    boolean deep = args[1].equals("deep");
    List<String> options = new ArrayList<>(Arrays.asList(args).subList(2, args.length));
    Parallel.init(Config.builder().workerJvmOptions(options.toArray(new String[0])).build());
    Thread.sleep(1500); // the spares start
    long t0 = System.nanoTime();
    String latency = "";
    if (deep) {
      Parallel.run(cascade(n)).get(120, TimeUnit.SECONDS);
    } else {
      long[] each = new long[n];
      for (int i = 0; i < n; i++) {
        long s = System.nanoTime();
        Parallel.run(() -> 1).get(60, TimeUnit.SECONDS);
        each[i] = System.nanoTime() - s;
        Thread.sleep(Long.getLong("probe.pauseMillis", 150)); // the replacement spare starts
      }
      Arrays.sort(each);
      latency = String.format("run median %.2f ms, p90 %.2f ms; ", each[n / 2] / 1e6, each[n * 9 / 10] / 1e6);
    }
    long wall = System.nanoTime() - t0;
    Parallel.shutdown().get(60, TimeUnit.SECONDS);
    Thread.sleep(300);
    long cpuMillis = childTicks() * 10;
    int workers = n + 2; // and the two spares started at init
    System.out.printf("%s%s wall %.2f s; workers' CPU %d ms over about %d workers: %.1f ms each%n",
        latency, deep ? "cascade" : "runs", wall / 1e9, cpuMillis, workers, (double) cpuMillis / workers);
  }

  private static Task<Integer> cascade(int n) {
    return () -> n <= 1 ? 1 : Parallel.run(cascade(n - 1)).get() + 1;
  }
}
