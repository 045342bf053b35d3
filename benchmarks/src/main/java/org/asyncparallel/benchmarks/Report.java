package org.asyncparallel.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.asyncparallel.benchmarks.Stats.Fmt;
import org.asyncparallel.benchmarks.Stats.Kind;
import org.asyncparallel.benchmarks.Stats.Summary;

/** Renders BENCHMARKS.md from one run's figures: tables, targets, and a "Why" per missed target. */
final class Report {
  private final Map<String, Summary> s;
  private final Map<String, Double> v;
  private final Map<String, String> notes;
  private final Map<String, List<String>> failures;
  private final Machine m;
  private final String command;
  private final double scale;
  private final List<String> missed = new ArrayList<>();
  private int targetsMet;
  private int targetsTotal;

  Report(Map<String, Summary> s, Map<String, Double> v, Map<String, String> notes,
      Map<String, List<String>> failures, Machine m, String command, double scale) {
    this.failures = failures;
    this.s = s;
    this.v = v;
    this.notes = notes;
    this.m = m;
    this.command = command;
    this.scale = scale;
  }

  /** A target: on the library's median, or on the ratio library ÷ baseline. */
  record Target(String label, boolean onRatio, boolean atMost, double bound, String why) {}

  /** One line of a table: a library figure next to one baseline. */
  record Row(String figure, String libKey, String libNote, String baseLabel, String baseKey, List<Target> targets) {}

  private static Target absMax(String label, double bound, String why) {
    return new Target(label, false, true, bound, why);
  }

  private static Target absMin(String label, double bound, String why) {
    return new Target(label, false, false, bound, why);
  }

  private static Target ratioMax(String label, double bound, String why) {
    return new Target(label, true, true, bound, why);
  }

  private static Target ratioMin(String label, double bound, String why) {
    return new Target(label, true, false, bound, why);
  }

  private double med(String key) {
    Summary x = s.get(key);
    return x == null ? Double.NaN : x.median();
  }

  private String show(String key) {
    Summary x = s.get(key);
    return x == null ? "not measured" : Fmt.value(x.kind(), x.median());
  }

  private static String t(double seconds) {
    return Double.isNaN(seconds) ? "?" : Fmt.time(seconds);
  }

  String render() {
    var out = new StringBuilder();
    header(out);
    table(out, "Start-up of one fresh worker", """
        Sequential, one at a time. Each iteration runs, in this order, a bare `Hello`, a bare `Hello` \
        with the worker's JVM flags, a bare JVM round trip, `Parallel.run` of `() -> 1`, and \
        `Parallel.spawn` of a body that answers one message; 2 warm-up iterations are dropped. \
        Then a few more spawns whose first round trip starts only once the machine has settled (no \
        child process using CPU).""",
        List.of(
            new Row("`Parallel.run(() -> 1)` latency", "lib.run", null,
                "Python `Process` start+join (fork)", "py.process_fork_start_join",
                List.of(absMax("≤ 3 ms", 3e-3, whyRunAbs()),
                    ratioMax("≤ 1.1× Python fork", 1.1, whyRunPython()))),
            new Row("″", "lib.run", null, "bare JVM round trip", "bare.jvmRt",
                List.of(ratioMax("≥ 25× faster (ratio ≤ 0.04)", 1 / 25.0, whyRunJvm()))),
            new Row("″", "lib.run", null, "bare `java -cp <tiny> Hello`", "bare.hello", List.of()),
            new Row("`Parallel.spawn` alone (until the future completes)", "lib.spawn", null,
                "bare JVM round trip", "bare.jvmRt", List.of()),
            new Row("`Parallel.spawn` + one 64 B write/read round trip", "lib.spawnRt", null,
                "bare JVM round trip", "bare.jvmRt", List.of()),
            new Row("first round trip on a new channel, begun once the machine had settled after the spawn",
                "lib.firstRtSettled", null, "raw Java UDS ping-pong (warm)", "raw.uds.rt", List.of())));
    table(out, "Messaging through a spawned worker", String.format("""
        One spawned library worker (a hub echoing or counting), one raw UDS peer JVM and one raw TCP \
        peer JVM, alive together. Round trips: %s rounds of %s round trips each of library, raw \
        UDS, raw TCP (and the hand-off diagnostic), interleaved round by round after a warm-up \
        round; median and p90 are over single round trips. Throughput: %s interleaved rounds after \
        a warm-up round; per round the raw peers get %s × 64 B and %s × 1 MiB, the library %s × \
        64 B and %s × 1 MiB (`channel.write` of a `byte[]`, which travels as its plain bytes); the \
        receiver counts and answers once; the time runs from the first write to that answer.""",
            n("n.rtRounds"), n("n.rtCount"), n("n.tpRounds"),
            n("n.rawSmall"), n("n.rawBig"), n("n.libSmall"), n("n.libBig")),
        List.of(
            new Row("channel round trip, 64 B", "lib.rt", null, "raw Java UDS ping-pong", "raw.uds.rt",
                List.of(ratioMax("≤ 1.3× raw", 1.3, whyRoundTrip()))),
            new Row("″", "lib.rt", null, "raw Java TCP loopback ping-pong", "raw.tcp.rt", List.of()),
            new Row("″", "lib.rt", null, "Python `Pipe` ping-pong (64 B, send_bytes)", "py.pipe_pingpong_64", List.of()),
            new Row("″", "lib.rt", null, "Python `Pool.apply` round trip", "py.pool_apply", List.of()),
            new Row("one-way throughput, 64 B messages", "lib.tp64", null, "raw Java UDS", "raw.uds.tp64",
                List.of(absMin("≥ 1,000,000 msgs/s", 1e6, whySmall()),
                    ratioMin("≥ 50% of raw", 0.5, whySmall()))),
            new Row("″", "lib.tp64", null, "raw Java TCP loopback", "raw.tcp.tp64", List.of()),
            new Row("one-way throughput, 1 MiB messages", "lib.tp1m", null, "raw Java UDS", "raw.uds.tp1m",
                List.of(ratioMin("≥ 70% of raw", 0.7, whyBig()))),
            new Row("″", "lib.tp1m", null, "raw Java TCP loopback", "raw.tcp.tp1m", List.of())));
    table(out, "Many processes", String.format("""
        Wall time until every result is back. Wide: 100 runs started at once (the baseline: 100 bare \
        JVM round trips started at once). Deep: the seed's cascade, each worker running the next \
        (the baseline: a chain of 100 bare JVMs, each starting the next and reading its answer). \
        Fib 10: one process per call, fib(n-1) awaited before fib(n-2) starts, 177 processes (the \
        baseline: the same tree of bare JVMs). Sustained: %s trivial runs, at most %s in flight \
        (the baseline: as many bare JVM round trips, as many in flight). Library and baseline \
        repetitions alternate.""", n("n.sustainedTotal"), n("n.inFlight")),
        List.of(
            new Row("wide 100", "lib.wide", null, "100 bare JVM round trips at once", "bare.wide",
                List.of(absMax("≤ 5 s", 5, whyWide()))),
            new Row("deep 100", "lib.deep", null, "cascade of 100 bare JVMs", "bare.deep",
                List.of(absMax("≤ 5 s", 5, whyDeep()))),
            new Row("fib 10 (177 processes)", "lib.fib", null, "fib 10 tree of bare JVMs", "bare.fib", List.of()),
            new Row("sustained fresh-process runs", "lib.sustained", null, "bare JVM round trips, same concurrency",
                "bare.sustained", List.of())));
    table(out, "Memory", """
        Resident set (VmRSS from /proc/PID/status) of idle processes, read after all of them had \
        been idle for 2 s: 5 spawned library workers that have answered one message and wait on \
        their hub; 5 bare JVMs waiting on stdin with the default flags, and 5 with the worker's \
        flags. The target's MB is read as 10^6 bytes (the stricter reading).""",
        List.of(
            new Row("RSS of an idle spawned worker", "lib.rss", null, "idle bare JVM, default flags", "bare.rss",
                List.of(absMax("≤ 40 MB", 40 * Benchmarks.MB, whyRss()))),
            new Row("″", "lib.rss", null, "idle bare JVM, the worker's flags", "bare.rssFlags", List.of())));
    table(out, "Pools (Python's, for reference)", """
        `Parallel.pool` is measured by `PoolBench` (run at the end of the harness, in a section of \
        its own below, against Python's `Pool.map`, `Pool.apply` and Java RMI); this row keeps the \
        Python baseline of the main run.""",
        List.of(
            new Row("map of 10,000 trivial items (default chunking)", null,
                "see the pool section (`PoolBench`)", "Python `Pool.map`", "py.pool_map_10000",
                List.of())));
    codec(out);
    remote(out);
    diagnostics(out);
    baselines(out);
    missedSection(out);
    failuresSection(out);
    notesSection(out);
    return out.toString();
  }

  private String n(String key) {
    Double x = v.get(key);
    return x == null ? "?" : String.format("%,d", Math.round(x));
  }

  private void header(StringBuilder out) {
    out.append("# Benchmarks (issue 4)\n\n");
    out.append("Regenerate this file from the repository root with (the measurements of this run took ")
        .append(Fmt.time(m.elapsedSeconds)).append(" on the machine below, after the build):\n\n");
    out.append("```sh\n").append(command).append("\n```\n\n");
    out.append("""
        It builds the library and the `benchmarks` module (`scripts/mvn.sh -Pbenchmarks`, a profile \
        outside the default build), then runs the harness `org.asyncparallel.benchmarks.Benchmarks` \
        as a real `java -cp …` process (worker JVMs inherit its `java.class.path`), which measures \
        everything and rewrites this file. Every figure is printed next to a baseline measured in \
        the same run, as the ratio **library ÷ baseline** of the medians: for times above 1 means \
        the library is slower; for throughputs below 1 means it is slower. "p90" is the slow side: \
        the 90th percentile of a time, the 10th percentile of a rate. Nothing is pinned to CPUs.

        """);
    out.append("## Machine and run\n\n");
    out.append("| | |\n| --- | --- |\n");
    out.append("| date (UTC) | ").append(m.dateStart).append(" → ").append(m.dateEnd).append(" |\n");
    out.append("| CPUs (nproc) | ").append(m.nproc).append(" × ").append(m.model).append(" |\n");
    out.append("| memory | ").append(m.memory).append(" |\n");
    out.append("| kernel | ").append(m.kernel).append(" |\n");
    out.append("| JDK | ").append(m.jdk).append(" |\n");
    out.append("| Python | ").append(m.python).append(" |\n");
    out.append("| code measured | ").append(m.code.replace("|", "\\|")).append(" |\n");
    out.append("| run time | ").append(Fmt.time(m.elapsedSeconds))
        .append(scale == 1 ? "" : " (scale " + scale + ": repetition counts multiplied by it)").append(" |\n");
    out.append("| load average (1, 5, 15 min) | start: ").append(firstThree(m.loadStart))
        .append("; end: ").append(firstThree(m.loadEnd)).append(" |\n\n");
    if (m.busy()) {
      out.append("**The run shared the machine with other work**: the 1-minute load average was ")
          .append(firstThree(m.loadStart).split(",")[0]).append(" at the start on ").append(m.nproc)
          .append(" CPUs, and other processes were running (at the start: ")
          .append(summarize(m.othersAtStart)).append("; at the end: ").append(summarize(m.othersAtEnd))
          .append("). Absolute figures are therefore pessimistic and noisy; the ratios compare "
              + "library and baseline under the same conditions, since their repetitions were interleaved.\n\n");
    } else {
      out.append("The machine was otherwise idle during the run.\n\n");
    }
  }

  private static String firstThree(String loadavg) {
    String[] f = loadavg.split("\\s+");
    return f.length >= 3 ? f[0] + ", " + f[1] + ", " + f[2] : loadavg;
  }

  private static String summarize(List<String> names) {
    if (names.isEmpty()) {
      return "none";
    }
    var counts = new java.util.TreeMap<String, Integer>();
    names.forEach(n -> counts.merge(n, 1, Integer::sum));
    var parts = new ArrayList<String>();
    counts.forEach((k, c) -> parts.add(c + " × " + k));
    return String.join(", ", parts);
  }

  private void table(StringBuilder out, String title, String intro, List<Row> rows) {
    out.append("## ").append(title).append("\n\n").append(intro).append("\n\n");
    out.append("| figure | library median (p90) | baseline | baseline median (p90) | ratio | issue-4 target | met? |\n");
    out.append("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (Row r : rows) {
      Summary lib = r.libKey() == null ? null : s.get(r.libKey());
      Summary base = s.get(r.baseKey());
      String libCell = lib != null ? lib.show() + " n=" + lib.n()
          : (r.libNote() != null ? r.libNote() : "not measured");
      String baseCell = base != null ? base.show() + " n=" + base.n() : "not measured";
      libCell += failedCell(r.libKey());
      baseCell += failedCell(r.baseKey());
      double ratio = lib != null && base != null ? lib.median() / base.median() : Double.NaN;
      String ratioCell = Double.isNaN(ratio) ? "—" : ratioText(lib.kind(), ratio);
      var targetCells = new ArrayList<String>();
      var metCells = new ArrayList<String>();
      for (Target tg : r.targets()) {
        targetsTotal++;
        targetCells.add(tg.label());
        double value = tg.onRatio() ? ratio : (lib == null ? Double.NaN : lib.median());
        if (Double.isNaN(value)) {
          metCells.add("not measured");
          missed.add("- **" + clean(r.figure(), rows, r) + ", target " + tg.label() + "**: not measured in this run"
              + (failures.containsKey(r.libKey()) ? " (every repetition failed: see Failures)" : "") + ".\n");
          continue;
        }
        boolean met = tg.atMost() ? value <= tg.bound() : value >= tg.bound();
        if (met) {
          targetsMet++;
          metCells.add("**met**");
        } else {
          String by = by(tg, value, lib);
          metCells.add("**missed**: " + by);
          missed.add("- **" + clean(r.figure(), rows, r) + ", target " + tg.label() + "** (baseline: "
              + r.baseLabel() + "): measured " + (tg.onRatio() ? ratioText(lib.kind(), value) : lib.show())
              + "; missed: " + by + ".\n  **Why:** " + whyOnce(tg.why()) + "\n");
        }
      }
      out.append("| ").append(r.figure()).append(" | ").append(libCell).append(" | ").append(r.baseLabel())
          .append(" | ").append(baseCell).append(" | ").append(ratioCell).append(" | ")
          .append(targetCells.isEmpty() ? "—" : String.join("; ", targetCells)).append(" | ")
          .append(metCells.isEmpty() ? "—" : String.join("; ", metCells)).append(" |\n");
    }
    out.append("\n");
  }

  /** " — **k repetitions failed** (see Failures)" or "". */
  private String failedCell(String key) {
    List<String> f = key == null ? null : failures.get(key);
    if (f == null || f.isEmpty()) {
      return "";
    }
    return " — **" + f.size() + (f.size() == 1 ? " repetition" : " repetitions") + " failed** (see Failures)";
  }

  /** The figure's name, for a "″" (ditto) row the name of the row it repeats. */
  private static String clean(String figure, List<Row> rows, Row row) {
    if (!figure.equals("″")) {
      return figure;
    }
    String last = figure;
    for (Row r : rows) {
      if (!r.figure().equals("″")) {
        last = r.figure();
      }
      if (r == row) {
        break;
      }
    }
    return last;
  }

  private String lastWhy;

  /** The why text, or "as for the previous target" when it repeats the previous one. */
  private String whyOnce(String why) {
    if (why.equals(lastWhy)) {
      return "as for the previous target.";
    }
    lastWhy = why;
    return why;
  }

  private static String ratioText(Kind kind, double r) {
    if (kind == Kind.BYTES) {
      return Fmt.ratio(r) + (r >= 1 ? " (larger)" : " (smaller)");
    }
    if (kind.higherIsBetter) {
      return Fmt.ratio(r) + String.format(" (%.0f%% of baseline)", r * 100);
    }
    if (r >= 1) {
      return Fmt.ratio(r) + " (slower)";
    }
    return Fmt.ratio(r) + " (" + Fmt.ratio(1 / r) + " faster)";
  }

  /** By how much a target was missed. */
  private static String by(Target tg, double value, Summary lib) {
    if (tg.atMost()) {
      String factor = Fmt.ratio(value / tg.bound()) + " the bound";
      if (tg.onRatio()) {
        return factor + " (ratio " + Fmt.ratio(value) + " vs ≤ " + Fmt.ratio(tg.bound()) + ")";
      }
      return factor + " (" + Fmt.value(lib.kind(), value) + " vs ≤ " + Fmt.value(lib.kind(), tg.bound())
          + ", " + Fmt.value(lib.kind(), value - tg.bound()) + " over)";
    }
    String reached = String.format("reached %.0f%% of the bound, needs %s more", 100 * value / tg.bound(),
        Fmt.ratio(tg.bound() / value));
    if (tg.onRatio()) {
      return reached + String.format(" (%.0f%% of the baseline vs ≥ %.0f%%)", 100 * value, 100 * tg.bound());
    }
    return reached + " (" + Fmt.value(lib.kind(), value) + " vs ≥ " + Fmt.value(lib.kind(), tg.bound()) + ")";
  }

  private void codec(StringBuilder out) {
    table(out, "Codec: the library's against Apache Fory", """
        Issue 4 asks to evaluate Apache Fory (0.13.1) behind the codec interface. Each figure is \
        measured in child JVMs (`CodecEval`, Fory's jars added to their class path only). Cold: a \
        fresh JVM's first round trip (encode + decode) of a 64-byte array, a small record and a \
        serializable lambda, from `java` start to exit, as every worker pays it; warm: the \
        steady cost of one round trip, after 50,000 warm-up ones. Here the library is the \
        "library" column and Fory the baseline: a ratio below 1 means the library is faster. \
        Decision: the JDK codec stays. A worker is a fresh JVM per task, and Fory's first use \
        costs it a second or more of generated-code compilation (cold rows), while the short \
        form already makes the common messages cheap; Fory wins on records and collections once \
        warm, which long-lived pool workers might use one day as an option.""",
        List.of(
            new Row("cold: JVM start to first round trips done (wall)", "codec.jdk.cold", null,
                "Apache Fory", "codec.fory.cold", List.of()),
            new Row("cold: CPU of that JVM", "codec.jdk.coldCpu", null, "Apache Fory", "codec.fory.coldCpu", List.of()),
            new Row("warm: `byte[64]` round trip", "codec.jdk.bytes64", null, "Apache Fory", "codec.fory.bytes64", List.of()),
            new Row("warm: 34-char `String` round trip", "codec.jdk.string", null, "Apache Fory", "codec.fory.string", List.of()),
            new Row("warm: small record round trip", "codec.jdk.record", null, "Apache Fory", "codec.fory.record", List.of()),
            new Row("warm: `List` of 100 `Integer`s round trip", "codec.jdk.list100", null, "Apache Fory",
                "codec.fory.list100", List.of())));
  }

  private void remote(StringBuilder out) {
    table(out, "Remote hosts", String.format("""
        One test host: a network namespace with its own OpenSSH server and a veth link to this \
        machine (`scripts/testnet.sh up 1`), reached over ssh as a cluster machine. Every remote \
        worker is a fresh JVM started by the host's agent; as on this machine, the host keeps \
        spare workers started and connected (`Config.spareWorkers`, 2), so a `run` there takes a \
        spare. Links between machines are TCP with every frame sealed (AES-GCM). Sequential: a \
        `run` of `() -> 1`, a `spawn` (until its future completes), then `ssh HOST java -version`, \
        interleaved, each begun once the host's processes had stopped using CPU (the replacement \
        spares had booted); 2 warm-up iterations dropped. Round trips: %s round trips of 64 B to one spawned remote \
        worker, through its channel and through a raw Java TCP socket served by a plain thread of \
        the same worker, interleaved.""", n("n.remoteRt")),
        List.of(
            new Row("`Parallel.run(Where.on(host), () -> 1)` latency", "remote.run", null,
                "`ssh host java -version`", "remote.sshJava", List.of()),
            new Row("`Parallel.spawn(Where.on(host), ...)` latency", "remote.spawn", null,
                "`ssh host java -version`", "remote.sshJava", List.of()),
            new Row("channel round trip to a remote worker, 64 B", "remote.rt", null,
                "raw Java TCP ping-pong between the same two machines", "remote.rawTcp", List.of())));
  }

  private void diagnostics(StringBuilder out) {
    out.append("## Diagnostics (no targets; they explain the figures above)\n\n");
    out.append("| what | median (p90) | compared with | ratio |\n| --- | --- | --- | --- |\n");
    diag(out, "raw UDS ping-pong through session 1's thread structure, without the library "
        + "(writer + reader thread and a queue each on this side; reader thread, queue, echoing thread, "
        + "queue, writer thread on the far side; the library now has one I/O thread per process and "
        + "direct writes)", "raw.handoff.rt", "raw UDS ping-pong", "raw.uds.rt");
    diag(out, "library channel round trip", "lib.rt", "session 1's thread-structure ping-pong above", "raw.handoff.rt");
    diag(out, "library 64 B throughput with `prePack` once + `writePacked` (no per-message serialization "
        + "on the writing side)", "lib.tpPacked64", "library `write` 64 B", "lib.tp64");
    diag(out, "″", "lib.tpPacked64", "raw UDS 64 B", "raw.uds.tp64");
    diag(out, "library 1 MiB throughput with `prePack` + `writePacked`", "lib.tpPacked1m",
        "library `write` 1 MiB", "lib.tp1m");
    diag(out, "″", "lib.tpPacked1m", "raw UDS 1 MiB", "raw.uds.tp1m");
    diag(out, "Java serialization of a 64 B `byte[]`: write with a fresh `ObjectOutputStream` + read with a "
        + "fresh `ObjectInputStream` (one message's cost to its writer and reader), in the harness JVM",
        "ser.64", "raw UDS round trip", "raw.uds.rt");
    diag(out, "the same for a 1 MiB `byte[]`", "ser.1m", "raw UDS time per 1 MiB message",
        "raw.uds.tp1m.perMessage");
    diag(out, "bare `Hello` with the worker's flags (" + String.join(" ", Bare.WORKER_FLAGS) + ")",
        "bare.helloFlags", "bare `Hello`, default flags", "bare.hello");
    diag(out, "bare JVM round trip (start, connect back over UDS, send 8 bytes)", "bare.jvmRt",
        "bare `Hello`", "bare.hello");
    diag(out, "CPU (user+sys) of one `Parallel.run` worker JVM (sequential runs)", "cpu.run",
        "CPU of one bare JVM round trip", "cpu.jvmRt");
    diag(out, "CPU of one `Parallel.spawn` worker JVM (spawn + one round trip)", "cpu.spawn",
        "CPU of one bare JVM round trip", "cpu.jvmRt");
    diag(out, "CPU of one bare `Hello`", "cpu.hello", "CPU of one bare `Hello`, worker's flags", "cpu.helloFlags");
    diag(out, "CPU of the main process per `Parallel.run`", "rootcpu.run",
        "per bare JVM round trip (harness side)", "rootcpu.jvmRt");
    diag(out, "CPU per worker JVM during wide 100", "cpu.libWide", "per bare JVM during the bare wide 100",
        "cpu.bareWide");
    diag(out, "CPU per worker JVM during deep 100", "cpu.libDeep", "per bare JVM in the bare cascade",
        "cpu.bareDeep");
    diag(out, "CPU per worker JVM during fib 10", "cpu.libFib", "per bare JVM in the bare fib tree", "cpu.bareFib");
    diag(out, "CPU per worker JVM during the sustained runs", "cpu.libSustained",
        "per bare JVM round trip, sustained", "cpu.bareSustained");
    if (v.containsKey("classes.worker.total") && v.containsKey("classes.bare.total")) {
      out.append("| classes loaded by a `Parallel.run` worker (`-Xlog:class+load`): from a CDS archive (the JDK's, or the library's own when it has one) "
          + "/ from the JDK's modules (not archived) / from the class path / generated at run time (lambdas, "
          + "method handles) | ").append(classes("worker")).append(" | a bare JVM round trip | ")
          .append(classes("bare")).append(" |\n");
    }
    if (v.containsKey("classes.afterTask")) {
      out.append("| classes the logged worker loaded from the first class of the task's own code to its end "
          + "(while the caller waits) | ").append(n("classes.afterTask")).append(" classes over ")
          .append(t(v.get("classes.afterTaskSeconds"))).append(" | all the worker's classes | ")
          .append(n("classes.worker.total")).append(" |\n");
    }
    if (v.containsKey("threads.lib")) {
      out.append("| threads of an idle spawned worker | ").append(n("threads.lib"))
          .append(" | idle bare JVM, default flags / worker's flags | ").append(n("threads.bare")).append(" / ")
          .append(n("threads.bareFlags")).append(" |\n");
    }
    out.append("\nCPU times are the CPU (user + system) of the harness's child processes — reaped ones from "
        + "the harness's `cutime`+`cstime`, live ones from their `/proc/PID/stat` — between two moments "
        + "when the children had stopped using CPU; bare JVM trees include their descendants. When the "
        + "library keeps workers started ahead of demand, the replacement worker a run triggers is "
        + "counted with that run.\n\n");
  }

  private String classes(String who) {
    return n("classes." + who + ".total") + " = " + n("classes." + who + ".cds") + " / "
        + n("classes." + who + ".jdk") + " / " + n("classes." + who + ".classpath") + " / "
        + n("classes." + who + ".generated");
  }

  private void diag(StringBuilder out, String what, String key, String otherLabel, String otherKey) {
    Summary a = s.get(key);
    Summary b = s.get(otherKey);
    out.append("| ").append(what).append(" | ").append(a == null ? "not measured" : a.show() + " n=" + a.n())
        .append(" | ").append(otherLabel).append(": ").append(b == null ? "not measured" : b.show())
        .append(" | ").append(a != null && b != null ? ratioText(a.kind(), a.median() / b.median()) : "—")
        .append(" |\n");
  }

  private void baselines(StringBuilder out) {
    out.append("## Every baseline of this run\n\n| baseline | median (p90) | n |\n| --- | --- | --- |\n");
    String[][] all = {
        {"bare `java -cp <tiny dir> Hello`, start + exit (default flags)", "bare.hello"},
        {"bare `Hello` with the worker's flags", "bare.helloFlags"},
        {"bare JVM round trip: start a JVM that connects back over UDS and sends one result", "bare.jvmRt"},
        {"raw Java UDS ping-pong, 64 B, round trip", "raw.uds.rt"},
        {"raw Java TCP loopback ping-pong, 64 B, round trip", "raw.tcp.rt"},
        {"raw Java UDS one-way, 64 B messages", "raw.uds.tp64"},
        {"raw Java TCP loopback one-way, 64 B messages", "raw.tcp.tp64"},
        {"raw Java UDS one-way, 1 MiB messages", "raw.uds.tp1m"},
        {"raw Java TCP loopback one-way, 1 MiB messages", "raw.tcp.tp1m"},
        {"Python `multiprocessing` `Process` start + join, fork", "py.process_fork_start_join"},
        {"Python `Pool.apply` round trip (default pool size)", "py.pool_apply"},
        {"Python `Pipe` ping-pong, 64 B (`send_bytes`/`recv_bytes`)", "py.pipe_pingpong_64"},
        {"Python `Pool.map` of 10,000 trivial items, default chunking (items/s)", "py.pool_map_10000"},
        {"100 bare JVM round trips at once", "bare.wide"},
        {"cascade of 100 bare JVMs", "bare.deep"},
        {"fib 10 tree of bare JVMs (177 JVMs)", "bare.fib"},
        {"bare JVM round trips, sustained", "bare.sustained"},
        {"RSS of an idle bare JVM (default flags)", "bare.rss"},
        {"RSS of an idle bare JVM (the worker's flags)", "bare.rssFlags"},
    };
    for (String[] b : all) {
      Summary x = s.get(b[1]);
      out.append("| ").append(b[0]).append(" | ").append(x == null ? "not measured" : x.show()).append(" | ")
          .append(x == null ? "—" : String.valueOf(x.n())).append(" |\n");
    }
    out.append("\nThe raw-socket baselines are two JVMs (this harness and a bare peer JVM) over one blocking "
        + "`SocketChannel` with 64 KiB buffered streams on each side (TCP_NODELAY on TCP); throughput "
        + "writes all messages then waits for the peer's one-byte answer that it has read them all. "
        + "The bare JVMs run from a directory holding only the harness's JDK-only `tiny` classes.\n\n");
  }

  private void missedSection(StringBuilder out) {
    out.append("## Targets: ").append(targetsMet).append(" of ").append(targetsTotal).append(" met\n\n");
    if (missed.isEmpty()) {
      out.append("Every target was met in this run.\n\n");
      return;
    }
    out.append("Missed targets, by how much, and why (the diagnosis is drawn from this run's own figures):\n\n");
    missed.forEach(out::append);
    out.append("\n");
  }

  private void failuresSection(StringBuilder out) {
    if (failures.isEmpty()) {
      return;
    }
    out.append("## Failures\n\nRepetitions that failed in this run (not retried; medians are over the others):\n\n");
    failures.forEach((key, list) -> {
      for (String f : list) {
        out.append("- `").append(key).append("`, ").append(f).append("\n");
      }
    });
    out.append("\n");
  }

  private void notesSection(StringBuilder out) {
    var lines = new ArrayList<String>();
    notes.forEach((k, x) -> {
      if (!k.equals("python") && !k.equals("workerThreads") && !k.equals("workerCommand")) {
        lines.add("- " + x);
      }
    });
    if (!lines.isEmpty()) {
      out.append("## Notes\n\n").append(String.join("\n", lines)).append("\n");
    }
  }

  // ---------------------------------------------------------------- the "Why" lines

  /** What the run showed about pre-started workers and class-data archives. */
  private String startPolicy() {
    Double spares = v.get("spares");
    String cmd = notes.getOrDefault("workerCommand", "?");
    boolean archive = cmd.contains("SharedArchiveFile") || cmd.contains("AOTCache");
    String archiveText = cmd.equals("?") ? "" : archive
        ? " Workers do get a class-data archive option (their command line: `" + cmd + "`)."
        : " Workers get no CDS/AOT archive of the library's classes (their command line: `" + cmd + "`).";
    if (spares == null) {
      return "whether workers are started ahead of demand was not observed in this run." + archiveText;
    }
    if (spares == 0) {
      return "every `Parallel.run` starts a brand-new JVM after it is called: no worker JVM was alive 2 s "
          + "after `init` in this run, so nothing is started or warmed in advance." + archiveText;
    }
    return String.format("the library kept %d worker JVM(s) started ahead of demand (alive 2 s after `init`, "
        + "before anything was asked).", Math.round(spares)) + archiveText;
  }

  private String whyRunAbs() {
    double rt = med("bare.jvmRt");
    if (!onDemand()) {
      return String.format(startPolicy().replace("%", "%%") + " So the JVM's start is off the critical path, "
              + "but a run that finds a ready worker still took %s (%s the 3 ms target; a bare JVM round trip "
              + "took %s, a Python fork %s): the task goes to the worker, is deserialized and run there, and "
              + "the result comes back through the main process, each hop a thread hand-off (see the channel "
              + "round trip). The worker maps the task's classes from the class archive (recorded by the "
              + "program's first worker, which ran a task) and calls the task's lambda body without linking "
              + "the lambda (`RebuiltLambda`: linking a serializable lambda took 1.5-2 ms of a fresh JVM); a "
              + "worker logged with `-Xlog:class+load` in a separate run at the end, whose extra option gives it "
              + "no archive, loaded %s classes over %s from the first class of the task's code on. "
              + "Each run also makes the main process start "
              + "a replacement worker, once the run has ended (so that its boot does not compete with the run "
              + "for the CPU): %s of children's CPU per run (a bare JVM round trip: %s) on %d CPUs; the main "
              + "process itself spent %s of CPU per run. A worker "
              + "loads %s classes, %s of them outside any CDS archive (a bare JVM round trip: %s and %s).",
          show("lib.run"), Fmt.ratio(med("lib.run") / 3e-3), show("bare.jvmRt"), show("py.process_fork_start_join"),
          n("classes.afterTask"), t(v.getOrDefault("classes.afterTaskSeconds", Double.NaN)), t(med("cpu.run")), t(med("cpu.jvmRt")), m.nproc, t(med("rootcpu.run")), n("classes.worker.total"),
          nonCds("worker"), n("classes.bare.total"), nonCds("bare"));
    }
    return String.format(startPolicy().replace("%", "%%") + " "
            + "In this run a bare JVM that does nothing but connect back already took %s (%s the 3 ms "
            + "target) and a bare `Hello` %s, so no design that starts the JVM on demand can reach 3 ms. "
            + "The library adds %s on top of the bare round trip: its worker used %s of CPU against %s for "
            + "the bare JVM (it loads %s classes, %s of them outside any CDS archive, against %s and %s "
            + "for the bare JVM: the library's classes, Java serialization, the HMAC handshake's crypto and "
            + "random-number providers, virtual threads, lambdas spun at run time), and the main process "
            + "spent %s of CPU per run. "
            + "Reaching the target needs workers started (and their classes loaded) before they are asked for.",
        t(rt), Fmt.ratio(rt / 3e-3), t(med("bare.hello")), t(med("lib.run") - rt), t(med("cpu.run")),
        t(med("cpu.jvmRt")), n("classes.worker.total"), nonCds("worker"), n("classes.bare.total"),
        nonCds("bare"), t(med("rootcpu.run")));
  }

  private String nonCds(String who) {
    Double total = v.get("classes." + who + ".total");
    Double cds = v.get("classes." + who + ".cds");
    return total == null || cds == null ? "?" : String.format("%,d", Math.round(total - cds));
  }

  /** True when this run showed no worker started ahead of demand. */
  private boolean onDemand() {
    Double spares = v.get("spares");
    return spares == null || spares == 0;
  }

  private String preStarted() {
    return String.format("%s A run that finds a ready worker took %s: %s the bare JVM round trip (%s) and "
            + "%s a Python fork (%s), because the task still travels to a worker JVM, and its result back "
            + "through the main process (see the ≤ 3 ms line).",
        startPolicy(), show("lib.run"), Fmt.ratio(med("lib.run") / med("bare.jvmRt")), show("bare.jvmRt"),
        Fmt.ratio(med("lib.run") / med("py.process_fork_start_join")), show("py.process_fork_start_join"));
  }

  private String whyRunPython() {
    if (!onDemand()) {
      return preStarted();
    }
    return String.format("Python's fork start method copies an already-initialised interpreter (%s per "
            + "start + join here), while a JVM cannot be "
            + "forked: each run pays a whole JVM start-up (%s for a bare `Hello`) plus the library's "
            + "own start-up work (see the 3 ms line). Only a pre-started worker can answer in Python-fork time.",
        show("py.process_fork_start_join"), t(med("bare.hello")));
  }

  private String whyRunJvm() {
    if (!onDemand()) {
      return preStarted();
    }
    return String.format("the target presumes a run that does not start a JVM; today a run *is* a JVM "
            + "round trip plus the library's work, so it is %s the bare JVM round trip (%s vs %s) instead "
            + "of 25× faster. Its worker JVM used %s of CPU vs %s for the bare one.",
        Fmt.ratio(med("lib.run") / med("bare.jvmRt")), show("lib.run"), show("bare.jvmRt"),
        t(med("cpu.run")), t(med("cpu.jvmRt")));
  }

  private String whyRoundTrip() {
    double raw = med("raw.uds.rt");
    double lib = med("lib.rt");
    return String.format("a raw ping-pong wakes two threads per round trip (each side's reader is its "
            + "consumer), and so does the library's since session 4: a thread waiting in `read` (or a hub's "
            + "taker while the hub has one client) reads its socket itself instead of being handed each "
            + "message by the process's I/O thread, and a writer on an idle link writes the frame itself. "
            + "The library's extra %s per round trip (%s vs %s) is its work per message on both sides: "
            + "framing, the short-form encoding (a tag and a copy for a `byte[]`) and decoding, the inbox "
            + "(a lock and a queue), and a reader that waits in a selector rather than in a blocking read: "
            + "3 system calls per message on each side (write, epoll_wait, read; since session 9 a reader "
            + "that emptied the socket waits before it reads, which saved a fourth) against a blocking "
            + "socket's 2 (write, read). The socket stays non-blocking because any thread may write to it "
            + "and none may wait for the network. On this VM a wake-up that crosses CPUs costs tens of "
            + "microseconds, which makes the ratio swing between runs.",
        t(lib - raw), show("lib.rt"), t(raw));
  }

  private static double clamp(double percent) {
    return Math.max(0, Math.min(100, percent));
  }

  private String whySmall() {
    double lib = med("lib.tp64");
    double raw = med("raw.uds.tp64");
    return String.format("the raw baseline appends 64-byte records to a buffered stream and reads them "
            + "back from one; the library handles each message as one: the caller frames it and copies it "
            + "into the connection's outbox (a segment of whole frames) under its lock, the I/O thread "
            + "writes the segments in few large writes, and on the other side the hub's body thread reads "
            + "the socket itself, cuts each frame, queues a read's frames in the inbox at once, then takes "
            + "and decodes them one by one (a lock and a backpressure count each): %s per message against "
            + "%s for raw UDS, on %d CPUs shared by the three busy threads.",
        t(1 / lib), t(1 / raw), m.nproc);
  }

  private String whyBig() {
    return String.format("since session 9 a 1 MiB message is copied once on each side, as in the raw "
            + "baseline: the writer's array into pooled direct buffers, from which it is written (no clone, "
            + "no JDK copy into a direct buffer, no heap object for the collector to copy), and on the "
            + "reading side from the pooled buffers it was read into to the reader's own array, made only "
            + "once the message is whole. What remains: the reader's array is new for every message "
            + "(allocated and zeroed: the raw baseline reuses one array), the writing is split between the "
            + "caller (the copy) and the I/O thread (the writes), which wake each other when the socket is "
            + "full, and a worker's small heap collects every few messages. With `prePack` + `writePacked` "
            + "the library reached %s (%.0f%% of raw UDS %s); with `write` %s.",
        show("lib.tpPacked1m"), 100 * med("lib.tpPacked1m") / med("raw.uds.tp1m"), show("raw.uds.tp1m"),
        show("lib.tp1m"));
  }

  private String whyWide() {
    double cpu = med("cpu.libWide");
    return String.format("100 fresh JVMs on %d CPUs. Each library worker used %s of CPU in the wide "
            + "runs, so even with perfect parallelism 100 of them need %s of wall time on %d CPUs; 100 "
            + "bare JVMs that only connect back used %s each and took %s. 100 fresh JVMs cannot "
            + "meet 5 s on this machine unless each costs under %s of CPU.",
        m.nproc, t(cpu), t(100 * cpu / m.nproc), m.nproc, t(med("cpu.bareWide")), show("bare.wide"),
        t(5.0 * m.nproc / 100));
  }

  private String whyDeep() {
    if (!onDemand()) {
      return String.format("the cascade is sequential: 100 runs, each asked for only when the previous worker "
              + "runs its task. Each step took %s (%s in all), far more than the %s of a single run that finds "
              + "a ready worker and comparable to the CPU one worker JVM needs (%s in this cascade): %s worker(s) "
              + "kept ahead of demand are used up by the first steps, and from then on every step waits for a "
              + "JVM to be started for it, on %d CPUs shared with the replacements. A cascade of 100 bare JVMs "
              + "took %s (%s CPU each).",
          t(med("lib.deep") / 100), show("lib.deep"), show("lib.run"), t(med("cpu.libDeep")),
          n("spares"), m.nproc, show("bare.deep"), t(med("cpu.bareDeep")));
    }
    return String.format("the cascade is sequential: 100 runs, each asked for only when the previous "
            + "worker runs its task, so its time is about 100 × the latency of one run (%s each "
            + "here: %s, against %s measured for a single sequential `run`). A cascade of 100 bare JVMs took "
            + "%s. Each worker used %s of CPU (bare: %s).",
        t(med("lib.deep") / 100), show("lib.deep"), show("lib.run"), show("bare.deep"), t(med("cpu.libDeep")),
        t(med("cpu.bareDeep")));
  }

  private String whyRss() {
    double lib = med("lib.rss");
    double bare = med("bare.rss");
    double flags = med("bare.rssFlags");
    return String.format("an idle bare JVM already has %s here (%s with the worker's flags), so a worker "
            + "that is a whole JVM starts near the bound; the library's worker adds %s over the bare JVM "
            + "with the same flags. Measured in session 10 (smaps, native memory tracking): the compiler's "
            + "arena chunks, which HotSpot keeps pooled until its 5-second cleaning (~1 MB at this 2-second "
            + "reading), what the worker allocates while it starts, its threads (%s threads vs %s for the "
            + "bare JVM; the worker's: %s; ~90 KB of touched stack each), and the code and class metadata of "
            + "the library's path. Since session 10 the worker's class archive holds no training data (~0.7 "
            + "MiB), workers compile fewer methods with profiling while they start (~0.9 MiB), and its "
            + "socket buffers start small. About 13 MB of a worker's RSS is its class archive's read-write "
            + "part, which the JVM relocates (so writes) as it maps it; mapped where it was made "
            + "(`ArchiveRelocationMode=0`, a diagnostic option) the same pages count as file pages instead: "
            + "the RSS stays. Tried without effect: `-XX:TrimNativeHeapInterval`, fewer malloc arenas, a "
            + "smaller young generation, reading the RSS after 12 s instead of 2; not taken: "
            + "`-XX:StackShadowPages=10` (-0.3 MiB, but a stack overflow in native code could crash the "
            + "worker) and a C1-only worker (-2.3 MiB, but long tasks lose C2's code).",
        Fmt.value(Kind.BYTES, bare), Fmt.value(Kind.BYTES, flags), Fmt.value(Kind.BYTES, lib - flags),
        n("threads.lib"), n("threads.bareFlags"), notes.getOrDefault("workerThreads", "?"));
  }
}
