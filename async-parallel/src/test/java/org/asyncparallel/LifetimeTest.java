package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.fixtures.OrphanMain;
import org.asyncparallel.fixtures.OutputMain;
import org.asyncparallel.fixtures.ReturnWithoutShutdownMain;
import org.asyncparallel.testing.Fixture;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every worker ends with its main process, however that process ends; output reaches the main. */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LifetimeTest {

  @Test
  void killMinus9OfTheMainProcessEndsEveryWorkerNestedOnesIncluded() throws Exception {
    try (Fixture main = Fixture.start(OrphanMain.class)) {
      List<Long> workers = awaitWorkers(main, 3);
      assertThat(workers).allMatch(Processes::isAlive);
      main.process().destroyForcibly(); // SIGKILL: no shutdown hook runs
      main.process().waitFor(10, TimeUnit.SECONDS);
      assertThat(Processes.awaitAllDead(workers, 5_000))
          .as("workers %s end within 5 s of their main process's kill -9", workers).isTrue();
    }
  }

  @Test
  void returningFromMainWithoutShutdownEndsTheWorkers() throws Exception {
    try (Fixture main = Fixture.start(ReturnWithoutShutdownMain.class)) {
      long worker = Long.parseLong(main.awaitLine("WORKER ", 30_000));
      assertThat(main.awaitExit(30)).isZero();
      assertThat(Processes.awaitAllDead(List.of(worker), 5_000)).isTrue();
    }
  }

  @Test
  void workersStdoutAndStderrReachTheMainProcess() throws Exception {
    try (Fixture main = Fixture.start(OutputMain.class)) {
      assertThat(main.awaitExit(60)).as(main.stderr()).isZero();
      assertThat(main.stdout()).contains("out from worker ", "out from nested worker", "result 2");
      assertThat(main.stderr()).contains("err from worker ", "err from nested worker");
    }
  }

  @Test
  void shutdownFailsPendingFuturesAndEndsEveryWorker() throws Exception {
    Parallel.init();
    var sleeper = Parallel.run(() -> {
      Thread.sleep(Long.MAX_VALUE);
      return 0;
    });
    var nested = Parallel.run(() -> Parallel.run(() -> {
      Thread.sleep(Long.MAX_VALUE);
      return 0;
    }).join());
    var server = Parallel.<String, String, String>spawn(hub -> {
      Thread.sleep(Long.MAX_VALUE);
      return "";
    }).get(30, TimeUnit.SECONDS);
    awaitDescendants(4);
    Parallel.shutdown().get(30, TimeUnit.SECONDS);
    for (var future : List.of(sleeper, nested, server.result())) {
      assertThat(future.handle((v, e) -> e).join()).isInstanceOf(WorkerDiedException.class)
          .hasMessageContaining("shut down");
    }
    assertThat(Processes.awaitNoDescendants(5_000)).isEmpty();
    assertThat(Parallel.shutdown()).as("idempotent").isDone();
  }

  private static void awaitDescendants(int n) throws InterruptedException {
    for (int i = 0; i < 600 && Processes.busyDescendants().size() < n; i++) {
      Thread.sleep(50);
    }
    assertThat(Processes.busyDescendants().size()).isGreaterThanOrEqualTo(n);
  }

  private static List<Long> awaitWorkers(Fixture main, int n) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      List<Long> pids = new ArrayList<>();
      for (String line : main.stdout().split("\n")) {
        if (line.startsWith("WORKER ")) {
          pids.add(Long.parseLong(line.substring(7).trim()));
        }
      }
      if (pids.size() >= n) {
        return pids;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("fewer than " + n + " workers reported; stdout:\n" + main.stdout()
        + "\nstderr:\n" + main.stderr());
  }
}
