package org.asyncparallel.chaos;

import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The soak's figures, as the block of lines it prints and writes to {@code target/chaos-soak.txt}. */
final class Figures {
  private Figures() {}

  static String of(Ledger ledger, Leaks leaks, HeapWatch heap, long heapAfterMib, long seed, Duration soak,
      double soakSeconds, double drainSeconds, int threads, int hosts, Duration machineTimeout) {
    var out = new StringBuilder();
    out.append("==== chaos soak figures ====\n");
    out.append(String.format("seed %d; soak %d s (ran %.1f s, then %.1f s to stop the faults and finish the "
        + "operations under way); %d workload threads; %d test hosts; machine timeout %d s%n",
        seed, soak.toSeconds(), soakSeconds, drainSeconds, threads, hosts, machineTimeout.toSeconds()));
    long started = ledger.total(ledger.started());
    long succeeded = ledger.total(ledger.succeeded());
    long failed = ledger.total(ledger.failedByKind());
    out.append(String.format("operations: %d started, %d succeeded (value checked), %d failed, %d never ended%n",
        started, succeeded, failed, started - succeeded - failed));
    out.append(String.format("  %-40s %8s %10s %7s%n", "kind", "started", "succeeded", "failed"));
    var started0 = Ledger.sorted(ledger.started());
    var succeeded0 = Ledger.sorted(ledger.succeeded());
    var failed0 = Ledger.sorted(ledger.failedByKind());
    for (String kind : new TreeSet<>(started0.keySet())) {
      out.append(String.format("  %-40s %8d %10d %7d%n", kind, started0.get(kind),
          succeeded0.getOrDefault(kind, 0L), failed0.getOrDefault(kind, 0L)));
    }
    out.append(String.format("echo messages checked (order, gaps, duplicates, contents): %,d%n", ledger.echoed()));
    out.append("failures by type: ").append(join(Ledger.sorted(ledger.failedByType()))).append('\n');
    out.append("failures explained by: ").append(join(Ledger.sorted(ledger.explainedBy()))).append('\n');
    ledger.samples().forEach((type, text) -> out.append("  e.g. ").append(type).append(": ").append(text).append('\n'));
    out.append(String.format("faults injected: %d: %s%n", ledger.total(ledger.faults()),
        join(Ledger.sorted(ledger.faults()))));
    out.append(String.format("known library issues tolerated (TODO, see KnownIssues; -Dasyncparallel.chaos.strict=true "
        + "fails on them): %s%n", join(Ledger.sorted(ledger.knownIssues()))));
    out.append(String.format("invariant violations: %d%n", ledger.violations().size()));
    ledger.violations().forEach(v -> out.append("  ").append(v).append('\n'));
    out.append(String.format("leaks: processes %d, file descriptors %d (baseline %d, after %d, slack %d), "
        + "threads %d (baseline %d, after %d), temporary files %d%n",
        leaks.processes().size() + leaks.hostProcesses().size(), leaks.fds(), leaks.baseline().fds().size(),
        leaks.after().fds().size(), ChaosSoakTest.FD_SLACK, leaks.threads(), leaks.baseline().threads().size(),
        leaks.after().threads().size(), leaks.tempFiles().size()));
    leaks.describe().forEach(l -> out.append("  ").append(l).append('\n'));
    out.append(String.format("heap of the test JVM: at most %d MiB used (sampled every 250 ms, garbage included); "
        + "at most %d MiB after a full GC (forced every 20 s); %d MiB after the soak; bound after a GC %d MiB "
        + "(-Xmx %d MiB)%n",
        heap.maxUsedMib(), heap.maxAfterGcMib(), heapAfterMib, ChaosSoakTest.HEAP_BOUND_MIB, heap.limitMib()));
    return out.toString();
  }

  private static String join(Map<String, Long> counts) {
    return counts.isEmpty() ? "none" : counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", "));
  }
}
