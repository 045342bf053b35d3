package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.Processes;
import org.asyncparallel.testing.Resources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The echo test of the original ({@code test/parallel_test.ml}) at full size with every process
 * alive at once: an echo server, 100 clients started together, each starting 4 sub-workers
 * together; all 500 echo their own id through the one server, then wait at a gate in the main
 * process until all 500 are there. Then they are released, and the main process must be back to
 * the descriptors and threads it had before.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ManyWorkersTest {
  private static final int CLIENTS = 100;
  private static final int SUB_WORKERS = 4;
  private static final int WORKERS = CLIENTS * (1 + SUB_WORKERS);
  private static final Duration BOUND = Duration.ofMinutes(6);

  @BeforeAll
  static void init() {
    // Small workers: 500 JVMs share the machine's memory (about 25 MB private each, so this test
    // needs some 13 GB) and its cores (about 0.4 s of CPU each). ArchiveRelocationMode=0 maps the
    // shared class archive where it was made instead of at a random address, so its pages stay
    // shared (relocated, they are copied into each worker: about 6 MB each).
    Parallel.init(Config.builder()
        .workerJvmOptions("-Xms4m", "-Xmx48m", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-Xss512k",
            "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0")
        .build());
  }

  @AfterAll
  static void shutdown() {
    Parallel.shutdown().join();
  }

  /** The echo server: echoes every message; returns how many it echoed when told "bye". */
  private static Integer echoServer(Hub<String, String> hub) {
    int echoes = 0;
    for (HubEvent.Data<String> m : hub.listenSimple()) {
      if (m.message().equals("bye")) {
        return echoes;
      }
      hub.send(m.client(), m.message());
      echoes++;
    }
    throw new IllegalStateException("the hub closed before bye");
  }

  /**
   * One process's part: an echo of its id through the server, then its pid to the gate, then it
   * waits there for "go".
   */
  private static long meet(Channel<String, String> echo, Channel<Long, String> gate, String id)
      throws InterruptedException {
    echo.write(id);
    String back = echo.read();
    if (!back.equals(id)) {
      throw new IllegalStateException("sent " + id + ", the echo server answered " + back);
    }
    long pid = ProcessHandle.current().pid();
    gate.write(pid);
    String word = gate.read();
    if (!word.equals("go")) {
      throw new IllegalStateException("the gate said " + word);
    }
    return pid;
  }

  private static Task<Long> subWorker(Channel<String, String> echo, Channel<Long, String> gate, String id) {
    return () -> meet(echo, gate, id);
  }

  /** Client {@code i}: starts its sub-workers, meets, then returns its pid and theirs. */
  private static Task<List<Long>> client(Channel<String, String> echo, Channel<Long, String> gate, int i) {
    return () -> {
      List<CompletableFuture<Long>> subs = new ArrayList<>();
      for (int k = 0; k < SUB_WORKERS; k++) {
        subs.add(Parallel.run(subWorker(echo, gate, i + "." + k)));
      }
      List<Long> pids = new ArrayList<>();
      pids.add(meet(echo, gate, Integer.toString(i)));
      for (CompletableFuture<Long> sub : subs) {
        pids.add(sub.join());
      }
      return pids;
    };
  }

  @Test
  void fiveHundredWorkersAliveAtOnceEchoAndLeaveNothingBehind() throws Exception {
    echoRound(2, 1); // loads every class and pool this test uses, so the baseline is steady
    awaitSharedArchive();
    Resources baseline = Resources.now();

    long start = System.nanoTime();
    Resources peak = echoRound(CLIENTS, SUB_WORKERS);
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

    List<String> left = awaitBaseline(baseline);
    System.out.printf("%d workers alive at once: %d s in all; main process before: %d fds, %d threads (%d busy),"
            + " %d MB resident; with all alive: %d fds, %d threads (%d busy), %d MB resident%n",
        WORKERS, seconds, baseline.fdCount(), baseline.allThreads(), busy(baseline), baseline.residentMegabytes(),
        peak.fdCount(), peak.allThreads(), busy(peak), peak.residentMegabytes());
    assertThat(peak.fdCount() - baseline.fdCount()).as("each worker holds descriptors while alive")
        .isGreaterThanOrEqualTo(WORKERS);
    assertThat(left).as("left over in the main process after the workers ended").isEmpty();
  }

  private static int busy(Resources r) {
    return r.busyThreads().values().stream().mapToInt(Integer::intValue).sum();
  }

  /**
   * Runs the echo test with {@code clients} clients of {@code subWorkers} sub-workers each; returns
   * the main process's resources while all of them were alive.
   */
  private static Resources echoRound(int clients, int subWorkers) throws Exception {
    int workers = clients * (1 + subWorkers);
    Spawned<String, String, Integer> server = Parallel.spawn(ManyWorkersTest::echoServer)
        .get(BOUND.toSeconds(), TimeUnit.SECONDS);
    Channel<String, String> echo = server.channel();
    Hub<Long, String> gate = Parallel.hub();
    Channel<Long, String> gateChannel = gate.openChannel();
    List<CompletableFuture<List<Long>>> runs = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      runs.add(Parallel.run(subWorkers == SUB_WORKERS ? client(echo, gateChannel, i) : fewer(echo, gateChannel, i)));
    }

    Set<Long> arrived = awaitArrivals(gate, runs, workers);
    assertThat(arrived).as("every process at the gate is alive").allMatch(Processes::isAlive);
    Resources peak = Resources.now();
    Duration cpu = ProcessHandle.current().descendants().map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
        .reduce(Duration.ZERO, Duration::plus);
    System.out.printf("%d workers at the gate; their CPU time so far: %d ms, %d ms each%n",
        workers, cpu.toMillis(), cpu.toMillis() / workers);

    gate.sendToAll("go");
    Set<Long> returned = new HashSet<>();
    for (CompletableFuture<List<Long>> run : runs) {
      returned.addAll(run.get(BOUND.toSeconds(), TimeUnit.SECONDS));
    }
    assertThat(returned).as("the pids the clients report are those that came to the gate").isEqualTo(arrived);

    echo.write("bye");
    assertThat(server.result().get(BOUND.toSeconds(), TimeUnit.SECONDS)).as("echoes").isEqualTo(workers);
    echo.close();
    gateChannel.close();
    gate.close();
    assertThat(Processes.awaitAllDead(List.copyOf(arrived), BOUND.toMillis())).as("every worker has ended").isTrue();
    return peak;
  }

  /**
   * Waits (bounded) until new workers map the shared class archive that the first worker records
   * (see {@code ClassSharingTest}), so that the 500 start as workers normally do.
   */
  private static void awaitSharedArchive() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      List<String> arguments = Parallel.run(() -> List.of(ProcessHandle.current().info().arguments().orElseThrow()))
          .get(BOUND.toSeconds(), TimeUnit.SECONDS);
      if (arguments.stream().anyMatch(a -> a.startsWith("-XX:AOTCache=") || a.startsWith("-XX:SharedArchiveFile="))) {
        return;
      }
      Thread.sleep(200);
    }
  }

  /** A client of the warm-up round, with one sub-worker. */
  private static Task<List<Long>> fewer(Channel<String, String> echo, Channel<Long, String> gate, int i) {
    return () -> {
      CompletableFuture<Long> sub = Parallel.run(subWorker(echo, gate, i + ".0"));
      List<Long> pids = new ArrayList<>();
      pids.add(meet(echo, gate, Integer.toString(i)));
      pids.add(sub.join());
      return pids;
    };
  }

  /** Waits until {@code workers} distinct pids have arrived at the gate; fails if a run fails first. */
  private static Set<Long> awaitArrivals(Hub<Long, String> gate, List<CompletableFuture<List<Long>>> runs,
      int workers) throws Exception {
    Set<Long> arrived = new HashSet<>();
    long deadline = System.nanoTime() + BOUND.toNanos();
    var inbox = gate.listenSimple();
    while (arrived.size() < workers) {
      for (CompletableFuture<List<Long>> run : runs) {
        if (run.isDone()) {
          run.get(); // a failed run throws here; none may return before "go"
          throw new AssertionError("a client returned before the gate opened: " + run.get());
        }
      }
      assertThat(System.nanoTime()).as(arrived.size() + " of " + workers + " at the gate").isLessThan(deadline);
      Optional<HubEvent.Data<Long>> next = inbox.poll(Duration.ofSeconds(1));
      next.ifPresent(m -> assertThat(arrived.add(m.message())).as("pid " + m.message() + " twice").isTrue());
    }
    return arrived;
  }

  /**
   * Waits (bounded) until the main process holds no more descriptors or busy threads than in
   * {@code baseline}; returns what it still holds beyond it.
   */
  private static List<String> awaitBaseline(Resources baseline) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<String> beyond;
    while (!(beyond = Resources.now().beyond(baseline)).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    return beyond;
  }
}
