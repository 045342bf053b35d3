package org.asyncparallel.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.asyncparallel.Parallel;
import org.asyncparallel.benchmarks.Stats.Kind;
import org.asyncparallel.benchmarks.Stats.Summary;

/**
 * The whole-process benchmark harness of issue 4. Measures the library next to baselines taken in
 * the same run (raw Java sockets between two JVMs, bare JVMs, Python multiprocessing), interleaving
 * library and baseline repetitions where they are compared, and writes BENCHMARKS.md.
 *
 * <p>Run it with {@code scripts/benchmarks.sh} (a real {@code java -cp} process: worker JVMs get
 * their class path from {@code java.class.path}). Options: {@code --out FILE} (default
 * BENCHMARKS.md), {@code --python SCRIPT} (the multiprocessing script), {@code --scale X}
 * (multiplies repetition counts; 1 is the documented run), {@code --command TEXT} (the command
 * line to print in the report), {@code --skip PHASE,...} (startup, python, messaging, trees,
 * memory: for trying the harness out; the report then says what is missing).
 */
public final class Benchmarks {
  static final double MB = 1e6;

  private final Map<String, Summary> s = new LinkedHashMap<>();
  private final Map<String, Double> v = new HashMap<>();
  private final Map<String, String> notes = new LinkedHashMap<>();
  private final Map<String, List<String>> failures = new LinkedHashMap<>();
  private final double scale;
  private final Path python;
  private final Path work;
  private Bare bare;
  private java.util.Set<String> skip = java.util.Set.of();

  private Benchmarks(double scale, Path python, Path work) {
    this.scale = scale;
    this.python = python;
    this.work = work;
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of("BENCHMARKS.md");
    Path python = Path.of("benchmarks/src/main/python/mp_bench.py");
    double scale = 1;
    String command = "scripts/benchmarks.sh";
    java.util.Set<String> skip = java.util.Set.of();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--python" -> python = Path.of(args[++i]);
        case "--scale" -> scale = Double.parseDouble(args[++i]);
        case "--command" -> command = args[++i];
        case "--skip" -> skip = java.util.Set.of(args[++i].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path work = Files.createTempDirectory("ap-bench-");
    var b = new Benchmarks(scale, python, work);
    b.skip = skip;
    Machine machine = Machine.describe();
    long t0 = System.nanoTime();
    int status = 0;
    try {
      b.runAll();
    } catch (Throwable e) {
      status = 1;
      System.err.println("benchmarks: a measurement failed: " + e);
      e.printStackTrace();
      b.notes.put("failure", "The run failed part-way (" + e + "); figures after the failure are missing.");
    } finally {
      Procs.killAll();
      try {
        Parallel.shutdown().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("benchmarks: shutdown: " + e);
      }
      if (b.bare != null) {
        b.bare.close();
      }
      deleteTree(work);
    }
    machine.finish((System.nanoTime() - t0) / 1e9);
    String report = new Report(b.s, b.v, b.notes, b.failures, machine, command, scale).render();
    Files.writeString(out, report);
    System.err.println("benchmarks: wrote " + out.toAbsolutePath() + " in "
        + Stats.Fmt.time(machine.elapsedSeconds));
    status |= PoolBench.run(out, scale) ? 0 : 1;
    System.exit(status);
  }

  private int reps(int n) {
    return Math.max(2, (int) Math.round(n * scale));
  }

  private int count(int n) {
    return Math.max(100, (int) Math.round(n * scale));
  }

  private static void progress(String what) {
    System.err.printf("benchmarks: [%tT] %s%n", System.currentTimeMillis(), what);
  }

  private void put(String key, Kind kind, List<Double> samples) {
    if (!samples.isEmpty()) {
      s.put(key, Summary.of(kind, samples));
    }
  }

  private void runAll() throws Exception {
    bare = new Bare(work);
    init(org.asyncparallel.Config.builder().build());
    // Does the library start workers ahead of demand? Count worker JVMs alive 2 s after init.
    Thread.sleep(2000);
    v.put("spares", (double) ProcessHandle.current().children()
        .filter(p -> p.isAlive() && p.info().commandLine().orElse("").contains("WorkerMain")).count());
    for (String phase : List.of("startup", "python", "messaging", "trees", "memory", "classes", "codec", "remote")) {
      if (skip.contains(phase)) {
        notes.put("skipped-" + phase, "The phase \"" + phase + "\" was skipped (--skip): its figures are missing.");
        continue;
      }
      long t0 = System.nanoTime();
      try {
        switch (phase) {
          case "startup" -> startup();
          case "python" -> python();
          case "messaging" -> messaging();
          case "trees" -> trees();
          case "memory" -> memory();
          case "remote" -> remote();
          case "codec" -> codec();
          default -> classes();
        }
      } catch (Exception e) {
        e.printStackTrace();
        failed("phase " + phase + " (its remaining figures are missing)", e, (System.nanoTime() - t0) / 1e9);
        Procs.killAll();
        quiet(Duration.ofSeconds(60));
      }
    }
  }

  /**
   * The codec evaluation ({@link CodecEval}): the library's codec against Apache Fory, each in
   * child JVMs whose class path adds Fory's jars (kept off this harness's class path, so the
   * library's workers never carry them). Cold: a fresh JVM's first round trip, as every worker
   * pays it; warm: the steady cost per message.
   */
  private void codec() throws Exception {
    Path lib = Path.of("benchmarks/target/codec-lib");
    if (!Files.isDirectory(lib)) {
      notes.put("codec", "The codec evaluation did not run: benchmarks/target/codec-lib is missing.");
      return;
    }
    progress("codec: the library's codec vs Apache Fory");
    StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
    try (var jars = Files.list(lib)) {
      jars.filter(j -> j.toString().endsWith(".jar")).sorted().forEach(j -> cp.append(':').append(j.toAbsolutePath()));
    }
    for (String codec : List.of("jdk", "fory")) {
      List<Double> cold = new ArrayList<>();
      List<Double> coldCpu = new ArrayList<>();
      for (int i = 0; i < reps(5); i++) {
        double cpu0 = Procs.reapedChildrenCpuSeconds();
        long t0 = System.nanoTime();
        codecRun(cp.toString(), "cold", codec);
        cold.add((System.nanoTime() - t0) / 1e9);
        coldCpu.add(Procs.reapedChildrenCpuSeconds() - cpu0);
      }
      put("codec." + codec + ".cold", Kind.TIME, cold);
      put("codec." + codec + ".coldCpu", Kind.TIME, coldCpu);
      for (var e : codecRun(cp.toString(), "warm", codec).entrySet()) {
        put("codec." + codec + "." + e.getKey(), Kind.TIME, List.of(e.getValue() / 1e6));
      }
    }
  }

  private static java.util.Map<String, Double> codecRun(String classPath, String mode, String codec) throws Exception {
    Process p = Procs.start(Procs.java("-XX:+UseSerialGC", "-XX:-UsePerfData", "-cp", classPath,
        CodecEval.class.getName(), mode, codec).redirectErrorStream(true));
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      Procs.kill(p);
      throw new IllegalStateException("CodecEval " + mode + " " + codec + " failed: " + out);
    }
    var values = new java.util.LinkedHashMap<String, Double>();
    for (String line : out.split("\n")) {
      var m = java.util.regex.Pattern.compile("^(\\w+)(Us|Ms)=([0-9.]+)$").matcher(line.trim());
      if (m.matches()) {
        values.put(m.group(1), Double.parseDouble(m.group(3)) * (m.group(2).equals("Us") ? 1 : 1000));
      }
    }
    return values;
  }

  /**
   * The remote-host figures ({@link Remote}): the local runtime is shut down for them, and a
   * local one started again after.
   */
  private void remote() throws Exception {
    Path repo = Path.of("").toAbsolutePath();
    String why = Remote.unavailable(repo);
    if (why != null) {
      notes.put("remote", "The remote-host figures were not measured: " + why + ".");
      return;
    }
    progress("remote host: run, spawn, round trips");
    Parallel.shutdown().get(60, TimeUnit.SECONDS);
    try {
      new Remote(repo, s, v).measure(reps(12));
    } finally {
      init(org.asyncparallel.Config.builder().build());
    }
  }

  /**
   * Waits until the harness's child processes have stopped using CPU (their total CPU, reaped and
   * live, grows by less than 20 ms over 200 ms), so that one measurement neither overlaps the tail
   * of the previous one (a worker exiting, a pre-started worker booting) nor gets its CPU. True if
   * that happened within the timeout (else a note says so).
   */
  private boolean quiet(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    double before = Procs.childrenCpuSeconds();
    while (System.nanoTime() < deadline) {
      Thread.sleep(200);
      double after = Procs.childrenCpuSeconds();
      if (after >= before && after - before < 0.02) {
        return true;
      }
      before = after;
    }
    String now = java.time.LocalTime.now().withNano(0).toString();
    notes.merge("busy", "Child processes of the harness were still using CPU when the harness stopped "
        + "waiting for them to settle (the next measurement overlapped them), at: " + now, (a, b) -> a + ", " + now);
    return false;
  }

  /**
   * Parallel.init, tried up to three times: a failed attempt is recorded in the report (an init
   * has been seen to fail when other processes start runtimes at the same moment).
   */
  private void init(org.asyncparallel.Config config) {
    for (int attempt = 1; ; attempt++) {
      long t0 = System.nanoTime();
      try {
        Parallel.init(config);
        return;
      } catch (RuntimeException e) {
        failed("Parallel.init", e, (System.nanoTime() - t0) / 1e9);
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  // ---------------------------------------------------------------- start-up of one process

  /**
   * Interleaved, one of each per iteration: bare Hello (default flags and the worker's flags), the
   * bare JVM round trip, Parallel.run of a trivial task, Parallel.spawn (+ one round trip). After
   * each, waits until the children are idle again, so the CPU time of each kind of process is known.
   */
  private void startup() throws Exception {
    int warm = 2;
    int n = reps(15);
    progress("start-up: " + warm + " warm-up + " + n + " iterations of {Hello, Hello with worker flags,"
        + " bare JVM round trip, run, spawn}");
    Map<String, List<Double>> t = new LinkedHashMap<>();
    Map<String, List<Double>> cpu = new LinkedHashMap<>();
    Map<String, List<Double>> rootCpu = new LinkedHashMap<>();
    for (String k : List.of("hello", "helloFlags", "jvmRt", "run", "spawn", "spawnRt")) {
      t.put(k, new ArrayList<>());
      cpu.put(k, new ArrayList<>());
      rootCpu.put(k, new ArrayList<>());
    }
    for (int i = 0; i < warm + n; i++) {
      boolean keep = i >= warm;
      measure(keep, "hello", t, cpu, rootCpu, () -> new double[] {bare.hello(List.of())});
      measure(keep, "helloFlags", t, cpu, rootCpu, () -> new double[] {bare.hello(Bare.WORKER_FLAGS)});
      measure(keep, "jvmRt", t, cpu, rootCpu,
          () -> new double[] {bare.roundTrip().get(60, TimeUnit.SECONDS) / 1e9});
      measure(keep, "run", t, cpu, rootCpu, () -> new double[] {Lib.run()});
      measure(keep, "spawn", t, cpu, rootCpu, Lib::spawn);
    }
    // The first round trip on a new channel, once the machine has settled after the spawn.
    List<Double> firstRt = new ArrayList<>();
    for (int i = 0; i < reps(5); i++) {
      long t0 = System.nanoTime();
      try {
        firstRt.add(Lib.firstRoundTripAfter(() -> quiet(Duration.ofSeconds(10))));
      } catch (Exception e) {
        failed("lib.firstRtSettled", e, (System.nanoTime() - t0) / 1e9);
      }
      quiet(Duration.ofSeconds(10));
    }
    put("lib.firstRtSettled", Kind.TIME, firstRt);
    put("bare.hello", Kind.TIME, t.get("hello"));
    put("bare.helloFlags", Kind.TIME, t.get("helloFlags"));
    put("bare.jvmRt", Kind.TIME, t.get("jvmRt"));
    put("lib.run", Kind.TIME, t.get("run"));
    put("lib.spawn", Kind.TIME, t.get("spawn"));
    put("lib.spawnRt", Kind.TIME, t.get("spawnRt"));
    for (String k : List.of("hello", "helloFlags", "jvmRt", "run", "spawn")) {
      put("cpu." + k, Kind.TIME, cpu.get(k));
      put("rootcpu." + k, Kind.TIME, rootCpu.get(k));
    }
  }

  private static final Map<String, String> STARTUP_KEYS = Map.of("hello", "bare.hello",
      "helloFlags", "bare.helloFlags", "jvmRt", "bare.jvmRt", "run", "lib.run", "spawn", "lib.spawn");

  @FunctionalInterface
  private interface Measured {
    double[] get() throws Exception;
  }

  private void measure(boolean keep, String key, Map<String, List<Double>> t,
      Map<String, List<Double>> cpu, Map<String, List<Double>> rootCpu, Measured m) throws Exception {
    quiet(Duration.ofSeconds(10));
    double c0 = Procs.childrenCpuSeconds();
    double r0 = Procs.ownCpuSeconds();
    double[] times;
    long t0 = System.nanoTime();
    try {
      times = m.get();
    } catch (Exception e) {
      failed(STARTUP_KEYS.get(key), e, (System.nanoTime() - t0) / 1e9);
      quiet(Duration.ofSeconds(30));
      return;
    }
    boolean reaped = quiet(Duration.ofSeconds(10));
    double c1 = Procs.childrenCpuSeconds();
    double r1 = Procs.ownCpuSeconds();
    if (keep) {
      t.get(key).add(times[0]);
      if (times.length > 1) {
        t.get(key + "Rt").add(times[1]);
      }
      if (reaped) {
        cpu.get(key).add(c1 - c0);
      }
      rootCpu.get(key).add(r1 - r0);
    }
  }

  // ---------------------------------------------------------------- Python multiprocessing

  private void python() throws Exception {
    progress("python multiprocessing (fork): Process start+join, Pool.apply, Pool.map, Pipe ping-pong");
    notes.put("python", Procs.output("python3", "--version"));
    if (!Files.isRegularFile(python)) {
      notes.put("pythonFailure", "the script " + python + " was not found");
      return;
    }
    Process p = Procs.start(new ProcessBuilder("python3", python.toString(), Double.toString(scale))
        .redirectError(ProcessBuilder.Redirect.INHERIT));
    p.getOutputStream().close();
    List<String> lines = new ArrayList<>();
    try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        lines.add(line);
      }
    }
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      Procs.kill(p);
    }
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 3) {
        continue;
      }
      List<Double> samples = new ArrayList<>();
      for (int i = 2; i < f.length; i++) {
        samples.add(Double.parseDouble(f[i]));
      }
      put("py." + f[0], f[1].equals("s") ? Kind.TIME : Kind.ITEMS_PER_S, samples);
    }
    if (!s.containsKey("py.pipe_pingpong_64")) {
      notes.put("pythonFailure", "the Python script exited " + p.exitValue() + " with incomplete output");
    }
  }

  // ---------------------------------------------------------------- messaging

  /**
   * One spawned library server, one raw UDS peer and one raw TCP peer, all alive together;
   * library and raw repetitions interleaved round by round, the first round a warm-up.
   */
  private void messaging() throws Exception {
    progress("messaging: round trips and one-way throughput, library vs raw UDS/TCP, interleaved");
    try (Raw uds = Raw.open("uds", work, bare.tinyClasses);
        Raw tcp = Raw.open("tcp", work, bare.tinyClasses);
        Lib.Server lib = new Lib.Server()) {
      int rtRounds = reps(5);
      int rtCount = count(4000);
      Map<String, List<Double>> rt = new LinkedHashMap<>();
      for (String k : List.of("uds", "tcp", "handoff", "lib")) {
        rt.put(k, new ArrayList<>());
      }
      for (int round = 0; round <= rtRounds; round++) {
        boolean keep = round > 0;
        add(rt.get("uds"), keep, uds.echo(rtCount, 64));
        add(rt.get("tcp"), keep, tcp.echo(rtCount, 64));
        add(rt.get("handoff"), keep, uds.handoffEcho(rtCount, 64));
        add(rt.get("lib"), keep, lib.echo(rtCount, 64));
      }
      put("raw.uds.rt", Kind.TIME, rt.get("uds"));
      put("raw.tcp.rt", Kind.TIME, rt.get("tcp"));
      put("raw.handoff.rt", Kind.TIME, rt.get("handoff"));
      put("lib.rt", Kind.TIME, rt.get("lib"));

      progress("messaging: one-way throughput, 64 B and 1 MiB messages");
      int tpRounds = reps(7);
      int rawSmall = count(1_000_000);
      int libSmall = rawSmall; // the same count: a short round would weigh each round's ramp-up
      int rawBig = Math.max(16, (int) Math.round(256 * scale));
      int libBig = Math.max(16, (int) Math.round(128 * scale));
      Map<String, List<Double>> tp = new LinkedHashMap<>();
      for (String k : List.of("uds64", "tcp64", "lib64", "libPacked64", "uds1m", "tcp1m", "lib1m", "libPacked1m")) {
        tp.put(k, new ArrayList<>());
      }
      int mib = 1 << 20;
      for (int round = 0; round <= tpRounds; round++) {
        boolean keep = round > 0;
        rate(tp.get("uds64"), keep, rawSmall, uds.sink(rawSmall, 64));
        rate(tp.get("tcp64"), keep, rawSmall, tcp.sink(rawSmall, 64));
        rate(tp.get("lib64"), keep, libSmall, lib.sink(libSmall, 64, false));
        rate(tp.get("libPacked64"), keep, libSmall, lib.sink(libSmall, 64, true));
        rate(tp.get("uds1m"), keep, (double) rawBig * mib, uds.sink(rawBig, mib));
        rate(tp.get("tcp1m"), keep, (double) rawBig * mib, tcp.sink(rawBig, mib));
        rate(tp.get("lib1m"), keep, (double) libBig * mib, lib.sink(libBig, mib, false));
        rate(tp.get("libPacked1m"), keep, (double) libBig * mib, lib.sink(libBig, mib, true));
      }
      put("raw.uds.tp64", Kind.MSGS_PER_S, tp.get("uds64"));
      put("raw.tcp.tp64", Kind.MSGS_PER_S, tp.get("tcp64"));
      put("lib.tp64", Kind.MSGS_PER_S, tp.get("lib64"));
      put("lib.tpPacked64", Kind.MSGS_PER_S, tp.get("libPacked64"));
      put("raw.uds.tp1m", Kind.BYTES_PER_S, tp.get("uds1m"));
      put("raw.uds.tp1m.perMessage", Kind.TIME, tp.get("uds1m").stream().map(r -> mib / r).toList());
      put("raw.tcp.tp1m", Kind.BYTES_PER_S, tp.get("tcp1m"));
      put("lib.tp1m", Kind.BYTES_PER_S, tp.get("lib1m"));
      put("lib.tpPacked1m", Kind.BYTES_PER_S, tp.get("libPacked1m"));
      progress("messaging: Java serialization of the messages, in this JVM");
      put("ser.64", Kind.TIME, serialization(64, 20_000, reps(7)));
      put("ser.1m", Kind.TIME, serialization(1 << 20, Math.max(20, (int) Math.round(100 * scale)), reps(7)));
      v.put("n.tpRounds", (double) tpRounds);
      v.put("n.rtCount", (double) rtCount);
      v.put("n.rtRounds", (double) rtRounds);
      v.put("n.rawSmall", (double) rawSmall);
      v.put("n.libSmall", (double) libSmall);
      v.put("n.rawBig", (double) rawBig);
      v.put("n.libBig", (double) libBig);
    }
  }

  /**
   * Seconds per message to serialize a byte[] of this size with a fresh ObjectOutputStream and read
   * it back with a fresh ObjectInputStream (what a channel message costs its writer and its reader
   * when each message is its own stream); one sample per round of {@code count}, after five
   * warm-up rounds (the JIT needs about 100,000 small messages before the figure settles).
   */
  private static List<Double> serialization(int size, int count, int rounds) throws Exception {
    byte[] msg = new byte[size];
    List<Double> perMessage = new ArrayList<>();
    int warm = 5;
    for (int round = 0; round < warm + rounds; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < count; i++) {
        var bytes = new java.io.ByteArrayOutputStream(256);
        try (var out = new java.io.ObjectOutputStream(bytes)) {
          out.writeObject(msg);
        }
        try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
          if (((byte[]) in.readObject()).length != size) {
            throw new IllegalStateException("serialization round trip lost bytes");
          }
        }
      }
      if (round >= warm) {
        perMessage.add((System.nanoTime() - t0) / 1e9 / count);
      }
    }
    return perMessage;
  }

  private static void add(List<Double> to, boolean keep, long[] nanos) {
    if (keep) {
      for (long n : nanos) {
        to.add(n / 1e9);
      }
    }
  }

  private static void rate(List<Double> to, boolean keep, double amount, double seconds) {
    if (keep) {
      to.add(amount / seconds);
    }
  }

  // ---------------------------------------------------------------- many processes

  private void trees() throws Exception {
    int wideReps = reps(3);
    int deepReps = reps(2);
    int fibReps = Math.max(1, (int) Math.round(scale));
    int sustainedReps = 1;
    int width = 100;
    int depth = 100;
    int fibN = 10;
    int sustainedTotal = Math.max(40, (int) Math.round(100 * scale));
    int inFlight = 8;
    v.put("n.sustainedTotal", (double) sustainedTotal);
    v.put("n.inFlight", (double) inFlight);

    progress("wide " + width + " x" + wideReps + " (library, then 100 bare JVM round trips at once)");
    List<Double> lw = new ArrayList<>();
    List<Double> bw = new ArrayList<>();
    List<Double> lwCpu = new ArrayList<>();
    List<Double> bwCpu = new ArrayList<>();
    for (int i = 0; i < wideReps; i++) {
      timed("lib.wide", lw, lwCpu, width, () -> Lib.wide(width));
      timed("bare.wide", bw, bwCpu, width, () -> bareWide(width));
    }
    put("lib.wide", Kind.TIME, lw);
    put("bare.wide", Kind.TIME, bw);
    put("cpu.libWide", Kind.TIME, lwCpu);
    put("cpu.bareWide", Kind.TIME, bwCpu);

    progress("deep " + depth + " x" + deepReps + " (library cascade, then a cascade of bare JVMs)");
    List<Double> ld = new ArrayList<>();
    List<Double> bd = new ArrayList<>();
    List<Double> ldCpu = new ArrayList<>();
    List<Double> bdCpu = new ArrayList<>();
    for (int i = 0; i < deepReps; i++) {
      timed("lib.deep", ld, ldCpu, depth, () -> Lib.deep(depth));
      timed("bare.deep", bd, bdCpu, depth, () -> bare.tree("deep", depth, depth));
    }
    put("lib.deep", Kind.TIME, ld);
    put("bare.deep", Kind.TIME, bd);
    put("cpu.libDeep", Kind.TIME, ldCpu);
    put("cpu.bareDeep", Kind.TIME, bdCpu);

    progress("fib " + fibN + " x" + fibReps + " (177 processes; library, then bare JVMs)");
    List<Double> lf = new ArrayList<>();
    List<Double> bf = new ArrayList<>();
    List<Double> lfCpu = new ArrayList<>();
    List<Double> bfCpu = new ArrayList<>();
    for (int i = 0; i < fibReps; i++) {
      timed("lib.fib", lf, lfCpu, 177, () -> Lib.fibTime(fibN, 55));
      timed("bare.fib", bf, bfCpu, 177, () -> bare.tree("fib", fibN, 55));
    }
    put("lib.fib", Kind.TIME, lf);
    put("bare.fib", Kind.TIME, bf);
    put("cpu.libFib", Kind.TIME, lfCpu);
    put("cpu.bareFib", Kind.TIME, bfCpu);

    progress("sustained: " + sustainedTotal + " runs, " + inFlight + " in flight (library, then bare JVM round trips)");
    List<Double> ls = new ArrayList<>();
    List<Double> bs = new ArrayList<>();
    List<Double> lsCpu = new ArrayList<>();
    List<Double> bsCpu = new ArrayList<>();
    for (int i = 0; i < sustainedReps; i++) {
      timed("lib.sustained", ls, lsCpu, sustainedTotal, () -> Lib.sustained(sustainedTotal, inFlight));
      timed("bare.sustained", bs, bsCpu, sustainedTotal, () -> bareSustained(sustainedTotal, inFlight));
    }
    put("lib.sustained", Kind.RUNS_PER_S, ls.stream().map(t -> sustainedTotal / t).toList());
    put("bare.sustained", Kind.RUNS_PER_S, bs.stream().map(t -> sustainedTotal / t).toList());
    put("cpu.libSustained", Kind.TIME, lsCpu);
    put("cpu.bareSustained", Kind.TIME, bsCpu);
  }

  @FunctionalInterface
  private interface Timed {
    double seconds() throws Exception;
  }

  /**
   * Runs one repetition of the figure {@code key}; records its wall time and, once the children
   * are idle again, CPU per process. A failed repetition is recorded (and reported), not retried.
   */
  private void timed(String key, List<Double> times, List<Double> cpuPerProcess, int processes, Timed t)
      throws Exception {
    quiet(Duration.ofSeconds(30));
    double c0 = Procs.childrenCpuSeconds();
    long t0 = System.nanoTime();
    try {
      times.add(t.seconds());
    } catch (Exception e) {
      failed(key, e, (System.nanoTime() - t0) / 1e9);
      quiet(Duration.ofSeconds(60));
      return;
    }
    if (quiet(Duration.ofSeconds(30))) {
      cpuPerProcess.add((Procs.childrenCpuSeconds() - c0) / processes);
    }
  }

  private void failed(String key, Throwable e, double afterSeconds) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getClass().getSimpleName() + ": " + String.valueOf(root.getMessage()).replace('\n', ' ').trim();
    failures.computeIfAbsent(key, k -> new ArrayList<>())
        .add(String.format("after %s: %s", Stats.Fmt.time(afterSeconds), message));
    progress("FAILED " + key + " after " + Stats.Fmt.time(afterSeconds) + ": " + message);
  }

  /** n bare JVM round trips started at once: seconds until every result is here. */
  private double bareWide(int n) throws Exception {
    long t0 = System.nanoTime();
    List<CompletableFuture<Long>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fs.add(bare.roundTrip());
    }
    for (CompletableFuture<Long> f : fs) {
      f.get(120, TimeUnit.SECONDS);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /** total bare JVM round trips, at most inFlight at once: seconds for all. */
  private double bareSustained(int total, int inFlight) throws Exception {
    var slots = new Semaphore(inFlight);
    var done = new CountDownLatch(total);
    var failure = new AtomicReference<Throwable>();
    long t0 = System.nanoTime();
    for (int i = 0; i < total; i++) {
      slots.acquire();
      bare.roundTrip().whenComplete((x, e) -> {
        if (e != null) {
          failure.compareAndSet(null, e);
        }
        slots.release();
        done.countDown();
      });
    }
    Bare.check(done.await(120, TimeUnit.SECONDS), "bare sustained round trips did not finish");
    if (failure.get() != null) {
      throw new IllegalStateException("a bare round trip failed", failure.get());
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  // ---------------------------------------------------------------- memory

  /**
   * RSS of idle processes: spawned library workers that have answered one message and wait on
   * their hub; bare JVMs (default flags, and the worker's flags) that wait on stdin. All started
   * together, then left alone for two seconds before /proc/PID/status is read.
   */
  private void memory() throws Exception {
    int n = 5;
    progress("memory: RSS of " + n + " idle spawned workers and " + n + " + " + n + " idle bare JVMs");
    List<Lib.Server> servers = new ArrayList<>();
    List<Process> plain = List.of();
    List<Process> flagged = List.of();
    try {
      for (int i = 0; i < n; i++) {
        servers.add(new Lib.Server());
      }
      plain = bare.idle(n, List.of());
      flagged = bare.idle(n, Bare.WORKER_FLAGS);
      Thread.sleep(2000);
      List<Double> libRss = new ArrayList<>();
      List<Double> libThreads = new ArrayList<>();
      for (Lib.Server sv : servers) {
        libRss.add((double) Procs.rssBytes(sv.pid));
        libThreads.add((double) Procs.threads(sv.pid));
      }
      List<Double> plainRss = new ArrayList<>();
      List<Double> plainThreads = new ArrayList<>();
      for (Process p : plain) {
        plainRss.add((double) Procs.rssBytes(p.pid()));
        plainThreads.add((double) Procs.threads(p.pid()));
      }
      List<Double> flaggedRss = new ArrayList<>();
      List<Double> flaggedThreads = new ArrayList<>();
      for (Process p : flagged) {
        flaggedRss.add((double) Procs.rssBytes(p.pid()));
        flaggedThreads.add((double) Procs.threads(p.pid()));
      }
      notes.put("workerThreads", Procs.threadNames(servers.get(0).pid));
      notes.put("workerCommand", ProcessHandle.of(servers.get(0).pid).flatMap(h -> h.info().commandLine())
          .orElse("?").replaceAll("(-cp|-classpath) \\S+", "$1 …"));
      put("lib.rss", Kind.BYTES, libRss);
      put("bare.rss", Kind.BYTES, plainRss);
      put("bare.rssFlags", Kind.BYTES, flaggedRss);
      v.put("threads.lib", Summary.of(Kind.BYTES, libThreads).median());
      v.put("threads.bare", Summary.of(Kind.BYTES, plainThreads).median());
      v.put("threads.bareFlags", Summary.of(Kind.BYTES, flaggedThreads).median());
    } finally {
      for (Lib.Server sv : servers) {
        try {
          sv.close();
        } catch (Exception e) {
          System.err.println("benchmarks: closing a server: " + e);
        }
      }
      Bare.endIdle(plain);
      Bare.endIdle(flagged);
    }
  }

  // ---------------------------------------------------------------- class loading

  /**
   * Which classes a worker loads, and from where: restarts the runtime with
   * {@code -Xlog:class+load} for workers, runs one trivial task, and logs a bare JVM round trip the
   * same way. Last, since it restarts the runtime.
   */
  private void classes() throws Exception {
    progress("class loading: one run and one bare JVM round trip with -Xlog:class+load");
    Parallel.shutdown().get(60, TimeUnit.SECONDS);
    Path logs = Files.createDirectories(work.resolve("class-logs"));
    init(org.asyncparallel.Config.builder()
        .workerJvmOptions("-Xlog:class+load:file=" + logs.resolve("worker-%p.log")).build());
    quiet(Duration.ofSeconds(15)); // workers started ahead of demand, if any, are ready now
    Lib.run();
    bare.roundTrip(List.of("-Xlog:class+load:file=" + logs.resolve("bare-%p.log"))).get(60, TimeUnit.SECONDS);
    quiet(Duration.ofSeconds(10));
    String taskPackage = Lib.class.getPackageName() + ".";
    try (var files = Files.list(logs)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        List<String> lines = Files.readAllLines(f).stream().filter(l -> l.contains("source: ")).toList();
        boolean ranTask = lines.stream().anyMatch(l -> l.contains("] " + taskPackage));
        String who = f.getFileName().toString().startsWith("bare") ? "bare" : ranTask ? "worker" : null;
        if (who == null) {
          continue; // a worker started ahead of demand that has run nothing
        }
        Map<String, Integer> by = new LinkedHashMap<>();
        int firstTaskLine = -1;
        for (int i = 0; i < lines.size(); i++) {
          String line = lines.get(i);
          if (firstTaskLine < 0 && line.contains("] " + taskPackage)) {
            firstTaskLine = i;
          }
          String src = line.substring(line.indexOf("source: ") + 8);
          String kind = src.startsWith("shared objects file") ? "cds"
              : src.startsWith("jrt:/") ? "jdk"
              : src.startsWith("file:") ? "classpath"
              : "generated"; // lambda and method-handle classes spun at run time
          by.merge(kind, 1, Integer::sum);
        }
        v.put("classes." + who + ".total", (double) lines.size());
        for (String k : List.of("cds", "jdk", "classpath", "generated")) {
          v.put("classes." + who + "." + k, (double) by.getOrDefault(k, 0));
        }
        if (who.equals("worker") && firstTaskLine >= 0) {
          // from the first class of the task's own code to the worker's last class load
          v.put("classes.afterTask", (double) (lines.size() - firstTaskLine));
          v.put("classes.afterTaskSeconds",
              uptime(lines.get(lines.size() - 1)) - uptime(lines.get(firstTaskLine)));
        }
      }
    }
  }

  /** The JVM uptime of a -Xlog line "[0.345s][info]...". */
  private static double uptime(String line) {
    try {
      return Double.parseDouble(line.substring(1, line.indexOf("s]")));
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
