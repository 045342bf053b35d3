package org.asyncparallel.benchmarks;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.Remote;
import java.rmi.RemoteException;
import java.rmi.server.UnicastRemoteObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.asyncparallel.Parallel;
import org.asyncparallel.Pool;
import org.asyncparallel.Task;
import org.asyncparallel.benchmarks.Stats.Fmt;
import org.asyncparallel.benchmarks.Stats.Kind;
import org.asyncparallel.benchmarks.Stats.Summary;

/**
 * Pools (issue 6) next to their baselines, measured in the same run and interleaved round by
 * round: {@code Pool.map} of 10,000 and 1,000,000 trivial items against Python's
 * {@code multiprocessing.Pool.map} of the same items (default chunking, fork, as many workers as
 * processors on both sides); one-task-at-a-time {@code Pool.submit} round trips against Python's
 * {@code Pool.apply} and a Java RMI call to a server JVM on loopback. Writes (or replaces) the
 * section "Pools and map-reduce" of BENCHMARKS.md.
 *
 * <p>Run by {@link Benchmarks} at the end of its run, or alone (after {@code scripts/mvn.sh
 * -Pbenchmarks -pl benchmarks -am -Dmaven.test.skip=true package}):
 * {@code java -cp <benchmarks jar>:<benchmarks/target/lib/*> org.asyncparallel.benchmarks.PoolBench
 * [--out BENCHMARKS.md] [--scale X]}.
 */
public final class PoolBench {
  static final String SECTION = "## Pools and map-reduce";
  private static final String PYTHON_SECTION = "## Pools (Python's, for reference)";
  private static final int SMALL = 10_000;
  /**
   * The warm-up, the same on every side before any figure is kept: enough repetitions for the JIT
   * to have compiled the per-message paths of every JVM (a 10,000-item map crosses them only a few
   * times), as a JVM benchmark must.
   */
  private static final int WARM_SMALL = 300;
  private static final int WARM_BIG = 4;
  private static final int WARM_TRIPS = 3_000;
  private static final int BIG = 1_000_000;

  /** The Python side: a pool that runs the measurements it is asked for on stdin, one line each. */
  private static final String PYTHON = """
      import multiprocessing as mp, sys, time

      def trivial(x):
          return x

      def main():
          now = time.perf_counter
          with mp.get_context("fork").Pool() as pool:
              print("ready", pool._processes, flush=True)
              for line in sys.stdin:
                  cmd = line.split()
                  if not cmd or cmd[0] == "quit":
                      break
                  samples = []
                  if cmd[0] == "map":
                      n, reps = int(cmd[1]), int(cmd[2])
                      for _ in range(reps):
                          t0 = now()
                          out = pool.map(trivial, range(n))
                          dt = now() - t0
                          assert len(out) == n
                          samples.append(n / dt)
                  elif cmd[0] == "apply":
                      for _ in range(int(cmd[1])):
                          t0 = now()
                          pool.apply(trivial, (1,))
                          samples.append(now() - t0)
                  print(" ".join(repr(s) for s in samples), flush=True)

      main()
      """;

  /** The RMI baseline's remote interface: one call, one int back. */
  public interface Echo extends Remote {
    /** Returns {@code x}. */
    int call(int x) throws RemoteException;
  }

  /** The RMI server: its own JVM; prints its stub (serialized, base64) and serves until stdin ends. */
  public static final class RmiServer implements Echo {
    @Override
    public int call(int x) {
      return x;
    }

    public static void main(String[] args) throws Exception {
      System.setProperty("java.rmi.server.hostname", "127.0.0.1");
      var server = new RmiServer();
      Remote stub = UnicastRemoteObject.exportObject(server, 0);
      var bytes = new ByteArrayOutputStream();
      try (var out = new ObjectOutputStream(bytes)) {
        out.writeObject(stub);
      }
      System.out.println(Base64.getEncoder().encodeToString(bytes.toByteArray()));
      System.out.flush();
      while (System.in.read() >= 0) {
        // serve until the harness closes our stdin
      }
      UnicastRemoteObject.unexportObject(server, true);
      System.exit(0);
    }
  }

  private final double scale;
  private final Map<String, Summary> s = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  private int workers;
  private int pythonWorkers;
  private int rounds;
  private int smallReps;
  private int bigReps;
  private int trips;

  private PoolBench(double scale) {
    this.scale = scale;
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of("BENCHMARKS.md");
    double scale = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--scale" -> scale = Double.parseDouble(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    int status = run(out, scale) ? 0 : 1;
    Procs.killAll();
    System.exit(status);
  }

  /**
   * Measures and writes the section into {@code report} (creating the file if needed). Starts and
   * shuts down a runtime of its own. Returns false if a measurement failed (the section says so).
   */
  static boolean run(Path report, double scale) {
    var bench = new PoolBench(scale);
    long t0 = System.nanoTime();
    boolean ok = true;
    try {
      Parallel.init();
      bench.measure();
    } catch (Throwable e) {
      ok = false;
      e.printStackTrace();
      bench.notes.add("The run failed part-way (" + e + "); the figures after the failure are missing.");
    } finally {
      try {
        Parallel.shutdown().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("pool benchmarks: shutdown: " + e);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    try {
      write(report, bench.render(seconds));
      System.err.println("pool benchmarks: wrote the section \"" + SECTION.substring(3) + "\" of "
          + report.toAbsolutePath() + " in " + Fmt.time(seconds));
    } catch (IOException e) {
      System.err.println("pool benchmarks: cannot write " + report + ": " + e);
      ok = false;
    }
    return ok;
  }

  private int reps(int n) {
    return Math.max(1, (int) Math.round(n * scale));
  }

  private static void progress(String what) {
    System.err.printf("pool benchmarks: [%tT] %s%n", System.currentTimeMillis(), what);
  }

  /** Round after round, library and baselines alternate; the first round is a warm-up. */
  private void measure() throws Exception {
    workers = Runtime.getRuntime().availableProcessors();
    List<Integer> small = IntStream.range(0, SMALL).boxed().toList();
    List<Integer> big = IntStream.range(0, BIG).boxed().toList();
    rounds = Math.max(2, reps(5));
    smallReps = 10;
    bigReps = 2;
    trips = Math.max(100, reps(500));
    Map<String, List<Double>> samples = new LinkedHashMap<>();
    for (String k : List.of("lib.map10k", "py.map10k", "lib.map1m", "py.map1m", "lib.submit", "lib.channel",
        "py.apply", "rmi")) {
      samples.put(k, new ArrayList<>());
    }
    progress("pool of " + workers + " workers, Python's default pool, an RMI server; " + rounds
        + " rounds (the first a warm-up) of: map 10,000 x" + smallReps + ", map 1,000,000 x" + bigReps + ", "
        + trips + " round trips each");
    try (Pool pool = Parallel.pool(workers); Python py = new Python(); Rmi rmi = new Rmi();
        EchoWorker echo = new EchoWorker()) {
      pythonWorkers = py.workers;
      progress("warm-up: " + WARM_SMALL + " maps of 10,000 and " + WARM_BIG + " of 1,000,000 items, " + WARM_TRIPS
          + " round trips, on each side");
      libMap(pool, small, WARM_SMALL);
      py.run("map " + SMALL + " " + WARM_SMALL);
      libMap(pool, big, WARM_BIG);
      py.run("map " + BIG + " " + WARM_BIG);
      libSubmit(pool, WARM_TRIPS);
      echo.roundTrips(WARM_TRIPS);
      py.run("apply " + WARM_TRIPS);
      rmi.calls(WARM_TRIPS);
      for (int round = 0; round <= rounds; round++) {
        boolean keep = round > 0;
        add(samples.get("lib.map10k"), keep, libMap(pool, small, smallReps));
        add(samples.get("py.map10k"), keep, py.run("map " + SMALL + " " + smallReps));
        add(samples.get("lib.map1m"), keep, libMap(pool, big, bigReps));
        add(samples.get("py.map1m"), keep, py.run("map " + BIG + " " + bigReps));
        add(samples.get("lib.submit"), keep, libSubmit(pool, trips));
        add(samples.get("lib.channel"), keep, echo.roundTrips(trips));
        add(samples.get("py.apply"), keep, py.run("apply " + trips));
        add(samples.get("rmi"), keep, rmi.calls(trips));
        progress("round " + round + " of " + rounds + (keep ? "" : " (warm-up)") + " done");
      }
    }
    s.put("lib.map10k", Summary.of(Kind.ITEMS_PER_S, samples.get("lib.map10k")));
    s.put("py.map10k", Summary.of(Kind.ITEMS_PER_S, samples.get("py.map10k")));
    s.put("lib.map1m", Summary.of(Kind.ITEMS_PER_S, samples.get("lib.map1m")));
    s.put("py.map1m", Summary.of(Kind.ITEMS_PER_S, samples.get("py.map1m")));
    s.put("lib.submit", Summary.of(Kind.TIME, samples.get("lib.submit")));
    s.put("lib.channel", Summary.of(Kind.TIME, samples.get("lib.channel")));
    s.put("py.apply", Summary.of(Kind.TIME, samples.get("py.apply")));
    s.put("rmi", Summary.of(Kind.TIME, samples.get("rmi")));
  }

  private static void add(List<Double> to, boolean keep, List<Double> samples) {
    if (keep) {
      to.addAll(samples);
    }
  }

  /** Items per second of {@code reps} maps of the identity over these items. */
  private static List<Double> libMap(Pool pool, List<Integer> items, int reps) {
    List<Double> rates = new ArrayList<>();
    for (int i = 0; i < reps; i++) {
      long t0 = System.nanoTime();
      List<Integer> out = pool.map(items, PoolBench::trivial);
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (out.size() != items.size() || !out.get(out.size() - 1).equals(items.get(items.size() - 1))) {
        throw new IllegalStateException("Pool.map returned a wrong result");
      }
      rates.add(items.size() / seconds);
    }
    return rates;
  }

  static Integer trivial(Integer x) {
    return x;
  }

  /** Seconds per {@code submit(() -> 1)} round trip, one at a time. */
  private static List<Double> libSubmit(Pool pool, int n) throws Exception {
    Task<Integer> one = () -> 1;
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      int got = pool.submit(one).get(60, TimeUnit.SECONDS);
      times.add((System.nanoTime() - t0) / 1e9);
      if (got != 1) {
        throw new IllegalStateException("submit returned " + got);
      }
    }
    return times;
  }

  /** A spawned worker echoing a small message: the library's own round trip, the floor of submit's. */
  private static final class EchoWorker implements AutoCloseable {
    private final org.asyncparallel.Spawned<Object, Object, Integer> server;

    EchoWorker() {
      server = Parallel.spawn(Lib.server()).join();
    }

    List<Double> roundTrips(int n) throws InterruptedException {
      byte[] message = new byte[64];
      message[0] = 'E';
      List<Double> times = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        server.channel().write(message);
        server.channel().read();
        times.add((System.nanoTime() - t0) / 1e9);
      }
      return times;
    }

    @Override
    public void close() {
      server.channel().write("quit");
      server.result().orTimeout(60, TimeUnit.SECONDS).exceptionally(e -> 0).join();
    }
  }

  // ------------------------------------------------------------------ the baselines' processes

  /** Python's pool, driven line by line. */
  private static final class Python implements AutoCloseable {
    private final Process process;
    private final BufferedReader in;
    private final PrintWriter out;
    final int workers;

    Python() throws IOException {
      process = Procs.start(new ProcessBuilder("python3", "-c", PYTHON).redirectError(ProcessBuilder.Redirect.INHERIT));
      in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      out = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      String ready = in.readLine();
      if (ready == null || !ready.startsWith("ready ")) {
        throw new IOException("python3 did not start its pool (it said: " + ready + ")");
      }
      workers = Integer.parseInt(ready.substring(6).trim());
    }

    List<Double> run(String command) throws IOException {
      out.println(command);
      String line = in.readLine();
      if (line == null) {
        throw new IOException("python3 ended during \"" + command + "\"");
      }
      List<Double> samples = new ArrayList<>();
      for (String f : line.trim().split("\\s+")) {
        samples.add(Double.parseDouble(f));
      }
      return samples;
    }

    @Override
    public void close() {
      out.println("quit");
      out.close();
      awaitOrKill(process);
    }
  }

  /** The RMI server JVM and a client stub to it. */
  private static final class Rmi implements AutoCloseable {
    private final Process process;
    private final Echo echo;

    Rmi() throws Exception {
      process = Procs.start(Procs.java("-cp", System.getProperty("java.class.path"), RmiServer.class.getName())
          .redirectError(ProcessBuilder.Redirect.INHERIT));
      String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
      if (line == null) {
        throw new IOException("the RMI server did not start");
      }
      try (var stub = new ObjectInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(line.trim())))) {
        echo = (Echo) stub.readObject();
      }
    }

    List<Double> calls(int n) throws RemoteException {
      List<Double> times = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        int got = echo.call(i);
        times.add((System.nanoTime() - t0) / 1e9);
        if (got != i) {
          throw new IllegalStateException("RMI returned " + got);
        }
      }
      return times;
    }

    @Override
    public void close() throws IOException {
      process.getOutputStream().close();
      awaitOrKill(process);
    }
  }

  /** Waits up to 30 s for a baseline process to end, then kills it (and keeps the interrupt flag). */
  private static void awaitOrKill(Process process) {
    try {
      if (process.waitFor(30, TimeUnit.SECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Procs.kill(process);
  }

  // ------------------------------------------------------------------ the report

  private String render(double seconds) {
    var out = new StringBuilder();
    out.append(SECTION).append(" (issue 6)\n\n");
    out.append(String.format(Locale.ROOT, """
        Measured by `PoolBench` (%s, %s, load average at the end: %s). A pool of %d library workers \
        (`Parallel.pool(%d)`, automatic chunking) and Python's `multiprocessing.Pool()` (fork, %s \
        workers, default chunking), both alive through the run, plus an RMI server JVM on loopback. \
        After a warm-up on every side (%d maps of 10,000 items, %d of 1,000,000 and %,d round trips of \
        each kind: the JIT must have compiled the paths a message takes in each JVM, which a \
        10,000-item map crosses only a few times), %d rounds alternate library and baselines, the \
        first one also unrecorded: per round, %d maps of \
        10,000 and %d of 1,000,000 trivial items (the identity over a list of ints, built once; \
        Python maps `range(n)`), then %d one-at-a-time round trips of each: \
        `pool.submit(() -> 1).get()`, a 64 B `write`/`read` on a channel to a spawned echoing \
        worker, Python's `pool.apply(trivial, (1,))`, and an RMI call `echo.call(i)`. Throughput is \
        items divided by the wall time of one `map` call; p90 is the slow side.

        """, Fmt.time(seconds), scale == 1 ? "scale 1" : "scale " + scale, loadAverage(), workers, workers,
        pythonWorkers == 0 ? "?" : Integer.toString(pythonWorkers), WARM_SMALL, WARM_BIG, WARM_TRIPS, rounds,
        smallReps, bigReps, trips));
    out.append("| figure | library median (p90) | baseline | baseline median (p90) | ratio | goal | met? |\n");
    out.append("| --- | --- | --- | --- | --- | --- | --- |\n");
    row(out, "`Pool.map` of 10,000 trivial items", "lib.map10k", "Python `Pool.map`", "py.map10k",
        "≥ Python's throughput", true, 1);
    row(out, "`Pool.map` of 1,000,000 trivial items", "lib.map1m", "Python `Pool.map`", "py.map1m",
        "≥ Python's throughput", true, 1);
    row(out, "`Pool.submit` round trip, one at a time", "lib.submit", "Java RMI call, loopback", "rmi",
        "≤ an RMI call", false, 1);
    row(out, "″", "lib.submit", "Python `Pool.apply` round trip", "py.apply", "—", false, Double.NaN);
    row(out, "″", "lib.submit", "the library's channel round trip (64 B, spawned echo worker)", "lib.channel", "—",
        false, Double.NaN);
    row(out, "channel round trip (64 B, spawned echo worker)", "lib.channel", "Java RMI call, loopback", "rmi", "—",
        false, Double.NaN);
    out.append('\n');
    out.append("""
        A `submit` round trip is a channel round trip to the worker's hub (last row: the floor), plus \
        the serialization of the task (a lambda: about 5 us to write and 15-30 us to read back, \
        measured alone) and of the call's record and the result on both sides. Both sides read \
        their socket on the waiting thread, as RMI does: the worker's loop reads its hub's one \
        client, and a caller waiting in `get` borrows its worker's link (the I/O thread takes it \
        back 2 ms after the last borrower left, for answers nobody waits for). Each thread wake-up \
        costs this VM tens of microseconds of CPU, so the ratios swing between runs. An RMI call \
        writes and reads a blocking socket on the calling thread.

        """);
    for (String note : notes) {
      out.append("**Note:** ").append(note).append("\n\n");
    }
    return out.toString();
  }

  private void row(StringBuilder out, String figure, String libKey, String baseLabel, String baseKey, String goal,
      boolean higherIsBetter, double bound) {
    Summary lib = s.get(libKey);
    Summary base = s.get(baseKey);
    String libCell = lib == null ? "not measured" : lib.show() + " n=" + lib.n();
    String baseCell = base == null ? "not measured" : base.show() + " n=" + base.n();
    String ratio = "—";
    String met = "—";
    if (lib != null && base != null) {
      double r = lib.median() / base.median();
      ratio = higherIsBetter ? Fmt.ratio(r) + String.format(Locale.ROOT, " (%.0f%% of baseline)", r * 100)
          : r >= 1 ? Fmt.ratio(r) + " (slower)" : Fmt.ratio(r) + " (" + Fmt.ratio(1 / r) + " faster)";
      if (!Double.isNaN(bound)) {
        boolean ok = higherIsBetter ? r >= bound : r <= bound;
        met = ok ? "**met**" : "**missed**: " + (higherIsBetter
            ? String.format(Locale.ROOT, "reached %.0f%% of the baseline", r * 100)
            : Fmt.ratio(r) + " the baseline's time");
      }
    } else if (!Double.isNaN(bound)) {
      met = "not measured";
    }
    out.append("| ").append(figure).append(" | ").append(libCell).append(" | ").append(baseLabel).append(" | ")
        .append(baseCell).append(" | ").append(ratio).append(" | ").append(goal).append(" | ").append(met)
        .append(" |\n");
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  /**
   * Puts the section into the report: in place of an earlier one, else right after the main run's
   * section "Pools (Python's, for reference)" (whose text points below), else before "Remote
   * hosts", else at the end.
   */
  static void write(Path report, String section) throws IOException {
    String text = Files.exists(report) ? Files.readString(report, StandardCharsets.UTF_8) : "";
    String result;
    int at = text.indexOf(SECTION);
    if (at >= 0) {
      int end = text.indexOf("\n## ", at + 3);
      result = text.substring(0, at) + section + (end < 0 ? "" : text.substring(end + 1));
    } else {
      int python = text.indexOf(PYTHON_SECTION);
      int before = python >= 0 ? text.indexOf("\n## ", python + 3) + 1 : text.indexOf("## Remote hosts");
      result = before <= 0 ? text + (text.isEmpty() || text.endsWith("\n\n") ? "" : "\n") + section
          : text.substring(0, before) + section + text.substring(before);
    }
    Files.writeString(report, result, StandardCharsets.UTF_8);
  }
}
