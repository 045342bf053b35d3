package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.NotSerializableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.testing.LocalRuntime;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Parallel.run: results, every kind of failure, cancel; each in a real worker JVM. */
@ExtendWith({NoLeftoverProcesses.class, LocalRuntime.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunTest {
  record Point(int x, int y) implements java.io.Serializable {}

  static final class NotSerializable {}

  private static Throwable failureOf(CompletableFuture<?> future) {
    assertThatThrownBy(future::get).isInstanceOf(ExecutionException.class);
    return future.handle((v, e) -> e).join();
  }

  @Test
  void runsInAnotherProcessAndReturnsTheValue() throws Exception {
    long here = ProcessHandle.current().pid();
    long there = Parallel.run(() -> ProcessHandle.current().pid()).get();
    assertThat(there).isNotEqualTo(here);
    assertThat(Processes.awaitAllDead(List.of(there), 5_000)).as("the worker exits after its task").isTrue();
  }

  @Test
  void everyRunGetsABrandNewProcess() throws Exception {
    long first = Parallel.run(() -> ProcessHandle.current().pid()).get();
    long second = Parallel.run(() -> ProcessHandle.current().pid()).get();
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void returnsRecordsAndNull() throws Exception {
    int dx = 3;
    assertThat(Parallel.run(() -> new Point(1 + dx, 2)).get()).isEqualTo(new Point(4, 2));
    assertThat(Parallel.run(() -> (String) null).get()).isNull();
  }

  @Test
  void aThrowingTaskFailsWithWorkerExceptionCarryingTheRemoteTrace() {
    Throwable e = failureOf(Parallel.run(() -> {
      throw new IllegalArgumentException("bad input 17");
    }));
    assertThat(e).isInstanceOf(WorkerException.class);
    var we = (WorkerException) e;
    assertThat(we.remoteClassName()).isEqualTo("java.lang.IllegalArgumentException");
    assertThat(we.getMessage()).contains("IllegalArgumentException", "bad input 17", "at org.asyncparallel.RunTest");
  }

  @Test
  void anUnserializableCaptureFailsAtOnceNamingTheClass() throws Exception {
    // the workers of earlier tests (the archive's recording worker and the two it starts) end first
    assertThat(Processes.awaitNoDescendants(30_000)).as("nothing busy before the run").isEmpty();
    NotSerializable captured = new NotSerializable();
    CompletableFuture<String> future = Parallel.run(() -> captured.toString());
    assertThat(future).isCompletedExceptionally();
    Throwable e = failureOf(future);
    assertThat(e).isExactlyInstanceOf(ParallelException.class)
        .hasCauseInstanceOf(NotSerializableException.class)
        .hasMessageContaining(NotSerializable.class.getName());
    assertThat(Processes.busyDescendants()).as("no worker started for it").isEmpty();
  }

  @Test
  void anUnserializableResultIsAWorkerException() {
    Throwable e = failureOf(Parallel.run(() -> new NotSerializable()));
    assertThat(e).isInstanceOf(WorkerException.class).hasMessageContaining(NotSerializable.class.getName());
    assertThat(((WorkerException) e).remoteClassName()).isEqualTo("org.asyncparallel.ParallelException");
  }

  @Test
  void systemExitIsWorkerDiedWithTheStatus() {
    Throwable e = failureOf(Parallel.run(() -> {
      System.err.println("leaving with 3");
      System.exit(3);
      return 0;
    }));
    assertThat(e).isInstanceOf(WorkerDiedException.class)
        .hasMessageContaining("exited with status 3").hasMessageContaining("leaving with 3");
  }

  @Test
  void aTaskThatLeavesAThreadRunningStillEndsItsWorkerAndItsShutdownHooksRun(@TempDir Path dir) throws Exception {
    String hookFile = dir.resolve("hook").toString();
    long pid = Parallel.run(() -> {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> write(hookFile, "left a thread")));
      Thread forever = new Thread(() -> {
        try {
          Thread.sleep(600_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      forever.start(); // not a daemon: alone it would keep the JVM alive
      return ProcessHandle.current().pid();
    }).get();
    assertThat(Processes.awaitAllDead(List.of(pid), 10_000)).as("the worker ends").isTrue();
    assertThat(Files.readString(Path.of(hookFile))).isEqualTo("left a thread");
  }

  @Test
  void aTasksShutdownHookRunsWhenItsWorkerEnds(@TempDir Path dir) throws Exception {
    String hookFile = dir.resolve("hook").toString();
    long pid = Parallel.run(() -> {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> write(hookFile, "ended")));
      return ProcessHandle.current().pid();
    }).get();
    assertThat(Processes.awaitAllDead(List.of(pid), 10_000)).as("the worker ends").isTrue();
    assertThat(Files.readString(Path.of(hookFile))).isEqualTo("ended");
  }

  private static void write(String file, String text) {
    try {
      Files.writeString(Path.of(file), text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aTaskSeesTheJdksSecurityProviders() throws Exception {
    // workers start their Unix-socket support with a provider of the library's, for that class only
    List<String> here = java.util.Arrays.stream(java.security.Security.getProviders())
        .map(java.security.Provider::getName).toList();
    List<String> there = Parallel.run(() -> {
      List<String> names = new java.util.ArrayList<>(java.util.Arrays.stream(java.security.Security.getProviders())
          .map(java.security.Provider::getName).toList());
      names.add(new java.security.SecureRandom().getProvider().getName());
      names.add(java.security.SecureRandom.getInstance("NativePRNGNonBlocking").getProvider().getName());
      return names;
    }).get();
    List<String> expected = new java.util.ArrayList<>(here);
    expected.addAll(List.of("SUN", "SUN"));
    assertThat(there).isEqualTo(expected);
  }

  @Test
  void haltIsWorkerDiedWithTheStatus() {
    Throwable e = failureOf(Parallel.run(() -> {
      Runtime.getRuntime().halt(7);
      return 0;
    }));
    assertThat(e).isInstanceOf(WorkerDiedException.class).hasMessageContaining("exited with status 7");
  }

  @Test
  void killMinus9IsWorkerDiedNamingTheSignalAndStderr(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("pid");
    String path = pidFile.toString();
    CompletableFuture<Integer> future = Parallel.run(() -> {
      System.err.println("worker is about to sleep");
      System.err.flush();
      Files.writeString(Path.of(path), Long.toString(ProcessHandle.current().pid()));
      Thread.sleep(60_000);
      return 1;
    });
    long pid = awaitPid(pidFile);
    Thread.sleep(200); // let the stderr line reach the pump
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    Throwable e = failureOf(future);
    assertThat(e).isInstanceOf(WorkerDiedException.class)
        .hasMessageContaining("signal 9").hasMessageContaining("SIGKILL")
        .hasMessageContaining("worker is about to sleep").hasMessageContaining(Long.toString(pid));
  }

  @Test
  void cancellingTheFutureKillsTheWorker(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("pid");
    String path = pidFile.toString();
    CompletableFuture<Integer> future = Parallel.run(() -> {
      Files.writeString(Path.of(path), Long.toString(ProcessHandle.current().pid()));
      Thread.sleep(60_000);
      return 1;
    });
    long pid = awaitPid(pidFile);
    assertThat(future.cancel(true)).isTrue();
    assertThatThrownBy(future::get).isInstanceOf(CancellationException.class);
    assertThat(Processes.awaitAllDead(List.of(pid), 5_000)).as("worker " + pid + " killed").isTrue();
  }

  @Test
  void cancellingBeforeTheWorkerStartsLeavesNoProcess() throws Exception {
    for (int i = 0; i < 5; i++) {
      CompletableFuture<Integer> future = Parallel.run(() -> {
        Thread.sleep(60_000);
        return 1;
      });
      future.cancel(true);
    }
    assertThat(Processes.awaitNoDescendants(10_000)).isEmpty();
  }

  @Test
  void anUnknownMachineFailsAtOnce() {
    CompletableFuture<Integer> future = Parallel.run(Where.on("no-such-host"), () -> 1);
    assertThat(future).isCompletedExceptionally();
    Throwable e = failureOf(future);
    assertThat(e).isInstanceOf(UnknownMachineException.class).hasMessageContaining("no-such-host");
    assertThat(((UnknownMachineException) e).machine()).isEqualTo("no-such-host");
  }

  @Test
  void everyPlacementOfASingleMachineClusterRunsLocally() throws Exception {
    String me = Cluster.localOnly().masterMachine();
    for (Where where : List.of(Where.local(), Where.on(me), Where.random(), Where.roundRobin(),
        Where.randomIn(me), Where.chosenBy(() -> me))) {
      assertThat(Parallel.run(where, () -> 5).get()).as(where.toString()).isEqualTo(5);
    }
  }

  @Test
  void aChooserThatThrowsFailsTheRun() {
    Throwable e = failureOf(Parallel.run(Where.chosenBy(() -> {
      throw new IllegalStateException("no idea");
    }), () -> 1));
    assertThat(e).isInstanceOf(ParallelException.class).hasMessageContaining("no idea");
  }

  @Test
  void isWorkerMachineIsFalseOnTheMasterMachineEverywhere() throws Exception {
    assertThat(Parallel.isWorkerMachine()).isFalse();
    assertThat(Parallel.run(Parallel::isWorkerMachine).get()).isFalse();
  }

  @Test
  void initInsideAWorkerIsIllegal() {
    Throwable e = failureOf(Parallel.run(() -> {
      Parallel.init();
      return 0;
    }));
    assertThat(((WorkerException) e).remoteClassName()).isEqualTo(IllegalStateException.class.getName());
  }

  @Test
  void nestedRunsWorkFromWorkers() throws Exception {
    int depth = Parallel.run(() -> Parallel.run(() -> Parallel.run(() -> 1).join() + 1).join() + 1).get();
    assertThat(depth).isEqualTo(3);
  }

  @Test
  void aNestedFailureTravelsUpAsWorkerException() {
    Throwable e = failureOf(Parallel.run(() -> Parallel.run(() -> {
      throw new ArithmeticException("deep down");
    }).join()));
    assertThat(e).isInstanceOf(WorkerException.class).hasMessageContaining("deep down");
  }

  @Test
  void cancellingANestedRunFromAWorkerKillsItsWorker(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("pid");
    String path = pidFile.toString();
    boolean cancelled = Parallel.run(() -> {
      CompletableFuture<Integer> inner = Parallel.run(() -> {
        Files.writeString(Path.of(path), Long.toString(ProcessHandle.current().pid()));
        Thread.sleep(60_000);
        return 1;
      });
      while (!Files.exists(Path.of(path)) || Files.size(Path.of(path)) == 0) {
        Thread.sleep(10); // until the inner worker has written its whole pid, not just made the file
      }
      return inner.cancel(true);
    }).get();
    assertThat(cancelled).isTrue();
    long pid = awaitPid(pidFile);
    assertThat(Processes.awaitAllDead(List.of(pid), 5_000)).isTrue();
  }

  static long awaitPid(Path pidFile) throws Exception {
    for (int i = 0; i < 1000; i++) {
      if (Files.exists(pidFile)) {
        String text = Files.readString(pidFile).trim();
        if (!text.isEmpty()) {
          return Long.parseLong(text);
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the worker never wrote its pid");
  }
}
