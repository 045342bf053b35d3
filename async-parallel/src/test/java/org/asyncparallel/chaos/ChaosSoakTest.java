package org.asyncparallel.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Cluster;
import org.asyncparallel.Config;
import org.asyncparallel.Parallel;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Spawned;
import org.asyncparallel.Where;
import org.asyncparallel.internal.runtime.ProcessRuntime;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.Processes;
import org.asyncparallel.testing.TestNet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chaos soak (issue 5). A mixed workload ({@link Operations}: runs, nested runs, spawned echo
 * servers, hubs with many clients, echo storms over channels, on this machine and on three test
 * hosts) runs on {@value #DEFAULT_THREADS} threads while faults are injected: SIGKILL and
 * SIGSTOP/SIGCONT of random workers, closes of random channels ({@link Injector}), and cut-off,
 * frozen and crashed hosts ({@link HostFaults}).
 *
 * <p>Checked throughout: every future completes within a bound, with a checked value or a typed
 * failure ({@code ParallelException} and its subclasses, with a message) that an injected fault
 * explains; on every channel, messages arrive in order, none lost, duplicated or corrupted while
 * both ends live ({@link Msg#check}). Checked at the end, against a baseline taken after a
 * warm-up cycle: no process left (here or on the hosts), no file descriptor, library thread,
 * socket directory or temporary file left, and the heap after a full collection below
 * {@value #HEAP_BOUND_MIB} MiB throughout. The figures are printed and written to
 * {@code target/chaos-soak.txt}.
 *
 * <p>{@code -Dasyncparallel.chaos.seconds=600} runs it longer (default {@value #DEFAULT_SECONDS}, at
 * least 30);
 * {@code -Dasyncparallel.chaos.seed=N} and {@code -Dasyncparallel.chaos.threads=N} set the
 * seed (printed) and the number of workload threads. Thread interleavings differ from run to run
 * whatever the seed.
 */
@ExtendWith(NoLeftoverProcesses.class)
class ChaosSoakTest {
  static final long DEFAULT_SECONDS = 90;
  static final int DEFAULT_THREADS = 6;
  static final long HEAP_BOUND_MIB = 256;
  /** Descriptors the JDK may open lazily after the baseline (a jar's, a random source's). */
  static final int FD_SLACK = 4;
  static final Duration MACHINE_TIMEOUT = Duration.ofSeconds(6);
  /** At least 30 s: host 2's cut must outlast the machine timeout before the soak ends. */
  static final Duration SOAK = Duration.ofSeconds(Math.max(30, Long.getLong("asyncparallel.chaos.seconds",
      DEFAULT_SECONDS)));
  static final long SEED = Long.getLong("asyncparallel.chaos.seed", System.currentTimeMillis());
  static final int THREADS = Integer.getInteger("asyncparallel.chaos.threads", DEFAULT_THREADS);
  static final int HOSTS = 3;

  static TestNet net;

  @BeforeAll
  static void up() throws Exception {
    net = TestNet.up(HOSTS);
  }

  @AfterAll
  static void down() throws Exception {
    net.close();
  }

  @AfterEach
  void endTheRuntime() throws Exception {
    try {
      Parallel.shutdown().get(60, TimeUnit.SECONDS);
    } catch (IllegalStateException notStarted) {
      // the test ended before init
    }
  }

  @Test
  void aMixedWorkloadKeepsItsInvariantsWhileWorkersDieStopAndLoseTheirChannelsAndHostsFail() {
    // every phase is bounded by itself; this only catches a harness that hangs
    assertTimeoutPreemptively(SOAK.plusMinutes(15), this::soak);
  }

  private Config config() {
    return Config.builder().cluster(new Cluster(Places.MASTER, net.hosts())).sshCommand(net.sshCommand())
        .machineTimeout(MACHINE_TIMEOUT).build();
  }

  private void soak() throws Exception {
    System.out.printf("chaos soak: seed %d, %d s, %d workload threads%n", SEED, SOAK.toSeconds(), THREADS);
    Path warmUpDirectory = warmUp();
    LeakProbe baseline = LeakProbe.take(net, List.of(1, 2));
    var ledger = new Ledger();
    Parallel.init(config());
    Path soakDirectory = ProcessRuntime.current().settings().socketDirectory();
    var hostFaults = new HostFaults(ledger, net, SOAK, MACHINE_TIMEOUT);
    List<String> hostnames = new ArrayList<>();
    for (int i = 1; i <= HOSTS; i++) {
      hostnames.add(net.hostname(i));
    }
    var places = new Places(net.hosts(), hostnames, hostFaults::isLost);
    var heap = new HeapWatch();
    double[] seconds;
    try {
      heap.start();
      seconds = chaos(ledger, places, hostFaults);
      checkHealth(ledger, places);
      shutdown(ledger);
    } finally {
      heap.close();
    }
    var leaks = Leaks.await(net, baseline, List.of(warmUpDirectory, soakDirectory));
    long heapAfterMib = heap.usedAfterGc() >> 20;
    String figures = Figures.of(ledger, leaks, heap, heapAfterMib, SEED, SOAK, seconds[0], seconds[1], THREADS,
        HOSTS, MACHINE_TIMEOUT);
    System.out.println(figures);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target", "chaos-soak.txt"), figures, StandardCharsets.UTF_8);

    assertThat(ledger.violations()).as("invariant violations; the last faults injected:\n%s\n%s",
        String.join("\n", ledger.faultLog()), figures).isEmpty();
    assertThat(leaks.describe()).as("leaks").isEmpty();
    assertThat(Math.max(heap.maxAfterGcMib(), heapAfterMib)).as("heap used after a full GC, MiB")
        .isLessThan(HEAP_BOUND_MIB);
    assertThat(ledger.total(ledger.succeeded())).as("operations that succeeded").isPositive();
    assertThat(ledger.total(ledger.faults())).as("faults injected").isPositive();
  }

  /**
   * Runs the workload and the injectors for {@link #SOAK}, then stops the faults (resuming,
   * healing and restarting what is down) and lets the operations under way end. Returns how long
   * the soak and that drain took, in seconds.
   */
  private static double[] chaos(Ledger ledger, Places places, HostFaults hostFaults) throws Exception {
    var watchdog = new Workload.Watchdog();
    var injector = new Injector(ledger, net, HOSTS, SEED);
    var workload = new Workload(ledger, new Operations(ledger, injector, places, watchdog), THREADS, SEED);
    long start = System.nanoTime();
    long drainStart;
    try {
      workload.start();
      injector.start();
      hostFaults.start();
      Thread.sleep(SOAK.toMillis());
    } finally {
      drainStart = System.nanoTime();
      try {
        injector.close();
        hostFaults.close();
      } finally {
        workload.close();
        watchdog.close();
      }
    }
    return new double[] {(drainStart - start) / 1e9, (System.nanoTime() - drainStart) / 1e9};
  }

  /**
   * One cycle of every kind of work, here and on each host, then a shutdown: it starts what the
   * JDK and the library start once per JVM, so that the baseline taken after it is the state a
   * clean soak returns to. Returns its runtime's socket directory (which must be gone by then).
   */
  private Path warmUp() throws Exception {
    Parallel.init(config());
    Path directory = ProcessRuntime.current().settings().socketDirectory();
    for (String machine : List.of(Places.MASTER, net.host(1), net.host(2), net.host(3))) {
      Tasks.Answer a = Parallel.run(Places.where(machine), Tasks.nested(7, List.of(Places.where(machine)), 0))
          .get(120, TimeUnit.SECONDS);
      assertThat(a.value()).isEqualTo(Tasks.expected(7, 1));
    }
    Spawned<Msg, Msg, Integer> server = Parallel.spawn(Where.on(net.host(1)), Tasks.echoServer(false))
        .get(120, TimeUnit.SECONDS);
    var client = new EchoClient(server.channel(), 0, 100, 8, true);
    client.greet();
    client.run();
    server.channel().close();
    assertThat(server.result().get(60, TimeUnit.SECONDS)).isEqualTo(100);
    var echo = new HubEcho("warm-up");
    assertThat(Parallel.run(Tasks.echoClient(echo.hub().openChannel(), 1, 100, 4, false)).get(60, TimeUnit.SECONDS))
        .isEqualTo(100);
    assertThat(echo.closeAndJoin()).isTrue();
    Parallel.shutdown().get(60, TimeUnit.SECONDS);
    assertThat(Processes.awaitNoDescendants(15_000)).as("processes left by the warm-up").isEmpty();
    assertThat(net.awaitNoProcesses(20_000)).as("processes left on the hosts by the warm-up").isEmpty();
    return directory;
  }

  /** After the chaos the runtime must still work, and a lost host must refuse work at once. */
  private void checkHealth(Ledger ledger, Places places) {
    for (String machine : List.of(Places.MASTER, net.host(1))) {
      try {
        Tasks.Answer a = Parallel.run(Places.where(machine), Tasks.compute(42, 0)).get(90, TimeUnit.SECONDS);
        if (a.value() != Tasks.expected(42, 0) || !a.host().equals(places.hostnameOf(machine))) {
          ledger.violation("after the soak, a run on " + machine + " returned " + a);
        }
      } catch (Exception e) {
        ledger.violation("after the soak, a run on " + machine + " failed: " + Ledger.describe(e, 1500));
      }
    }
    try {
      Throwable refused = Parallel.run(Where.on(net.host(2)), Tasks.compute(1, 0)).handle((v, e) -> e)
          .get(30, TimeUnit.SECONDS);
      if (!(refused instanceof ParallelException) || !refused.getMessage().contains("lost")) {
        ledger.violation("after the soak, a run on the lost host " + net.host(2) + " ended with " + refused);
      }
    } catch (Exception e) {
      ledger.violation("after the soak, a run on the lost host did not end within 30 s: " + e);
    }
  }

  private static void shutdown(Ledger ledger) {
    try {
      Parallel.shutdown().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      ledger.violation("HANG: shutdown did not complete within 60 s: " + Ledger.describe(e, 1500));
    }
  }
}
