package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.asyncparallel.testing.LocalRuntime;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A caller waiting in {@code get}/{@code join} for a {@code Pool.submit} reads the connection its
 * answer comes on itself, and gives that reading back when a second caller comes to wait or when
 * nobody has waited for a moment. Whatever the mix of callers, callbacks, maps, timeouts,
 * interrupts and dying workers, every answer reaches its own future; and {@code run}, whose
 * futures share the waiting code, still completes both ways.
 */
@ExtendWith({NoLeftoverProcesses.class, LocalRuntime.class})
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WaitingCallerTest {
  @Test
  void callersWaitingTogetherEachGetTheirOwnAnswers() throws Exception {
    try (Pool pool = Parallel.pool(1)) { // one worker: every caller waits on the same connection
      List<CompletableFuture<Void>> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int caller = t;
        callers.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < 200; i++) {
            int value = caller * 1_000 + i;
            assertThat(pool.submit(() -> value).join()).isEqualTo(value);
          }
        }, r -> Thread.ofPlatform().start(r)));
      }
      CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get(100, TimeUnit.SECONDS);
    }
  }

  @Test
  void anAnswerNobodyWaitsForArrivesRightAfterOneThatWasWaitedFor() throws Exception {
    try (Pool pool = Parallel.pool(1)) {
      for (int i = 0; i < 50; i++) {
        int value = i;
        assertThat(pool.submit(() -> value).get(30, TimeUnit.SECONDS)).isEqualTo(value); // read by this thread
        var done = new CountDownLatch(1);
        var got = new CompletableFuture<Integer>();
        pool.submit(() -> value + 1).whenComplete((v, e) -> { // nobody waits: the I/O thread must read it
          got.complete(v);
          done.countDown();
        });
        assertThat(done.await(30, TimeUnit.SECONDS)).as("the callback of call " + i + " ran").isTrue();
        assertThat(got.getNow(null)).isEqualTo(value + 1);
      }
    }
  }

  @Test
  void aMapRunsToTheEndWhileAnotherThreadWaitsForOneCallAfterAnother() throws Exception {
    try (Pool pool = Parallel.pool(2)) {
      var stop = new CompletableFuture<Void>();
      var caller = CompletableFuture.runAsync(() -> {
        for (int i = 0; !stop.isDone(); i++) {
          int value = i;
          assertThat(pool.submit(() -> value).join()).isEqualTo(value);
        }
      }, r -> Thread.ofPlatform().start(r));
      List<Integer> items = IntStream.range(0, 20_000).boxed().toList();
      for (int round = 0; round < 3; round++) {
        assertThat(pool.map(items, x -> x * 2)).isEqualTo(items.stream().map(x -> x * 2).toList());
      }
      stop.complete(null);
      caller.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aTimedWaitEndsOnTimeAndTheAnswerStillComesToALaterWait() throws Exception {
    try (Pool pool = Parallel.pool(1)) {
      pool.submit(() -> 0).get(30, TimeUnit.SECONDS); // the connection is open and has been read from here
      CompletableFuture<String> slow = pool.submit(() -> {
        Thread.sleep(1_500);
        return "late";
      });
      assertThatThrownBy(() -> slow.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
      assertThat(slow.get(30, TimeUnit.SECONDS)).isEqualTo("late");
    }
  }

  @Test
  void anInterruptedWaitEndsAndTheCallStillCompletes() throws Exception {
    try (Pool pool = Parallel.pool(1)) {
      pool.submit(() -> 0).get(30, TimeUnit.SECONDS);
      CompletableFuture<String> slow = pool.submit(() -> {
        Thread.sleep(1_500);
        return "done";
      });
      var outcome = new CompletableFuture<Throwable>();
      Thread waiter = Thread.ofPlatform().start(() -> {
        try {
          slow.get();
          outcome.complete(null);
        } catch (Throwable t) {
          outcome.complete(t);
        }
      });
      Thread.sleep(300);
      waiter.interrupt();
      assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
      waiter.join();
      var done = new CountDownLatch(1);
      slow.whenComplete((v, e) -> done.countDown()); // nobody waits any more
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(slow.getNow(null)).isEqualTo("done");
    }
  }

  @Test
  void aWorkerThatDiesWhileItsCallerReadsIsReplacedAndTheCallIsRunAgain() throws Exception {
    Path marker = Files.createTempFile("waiting-caller", ".died");
    Files.delete(marker);
    String path = marker.toString();
    try (Pool pool = Parallel.pool(1)) {
      pool.submit(() -> 0).get(30, TimeUnit.SECONDS);
      // the first attempt halts its worker; the attempt on the replacement answers
      CompletableFuture<String> call = pool.submit(() -> {
        Path m = Path.of(path);
        if (!Files.exists(m)) {
          Files.createFile(m);
          Thread.sleep(200); // the caller is waiting by now
          Runtime.getRuntime().halt(9);
        }
        return "second attempt";
      });
      assertThat(call.get(60, TimeUnit.SECONDS)).isEqualTo("second attempt");
    } finally {
      Files.deleteIfExists(marker);
    }
  }

  @Test
  void aRunsResultReachesItsWaitingCallerAndItsCallbacks() throws Exception {
    for (int i = 0; i < 20; i++) {
      int value = i;
      assertThat(Parallel.run(() -> value * 3).get(60, TimeUnit.SECONDS)).isEqualTo(value * 3);
      var done = new CountDownLatch(1);
      var got = new CompletableFuture<Integer>();
      Parallel.run(() -> value + 7).whenComplete((v, e) -> {
        got.complete(v);
        done.countDown();
      });
      assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
      assertThat(got.getNow(null)).isEqualTo(value + 7);
    }
    CompletableFuture<Object> failing = Parallel.run(() -> {
      throw new IllegalStateException("from the worker");
    });
    assertThatThrownBy(() -> failing.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(WorkerException.class).hasMessageContaining("from the worker");
  }
}
