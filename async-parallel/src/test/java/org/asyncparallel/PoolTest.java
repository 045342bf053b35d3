package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.NotSerializableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.asyncparallel.internal.pool.ProgressBar;
import org.asyncparallel.testing.LocalRuntime;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pools on this machine: map, mapUnordered, mapReduce and submit with real worker JVMs; item
 * failures; workers killed, halted and replaced mid-map; bounded memory for an endless input;
 * the initializer; progress; configuration errors; close.
 */
@ExtendWith({NoLeftoverProcesses.class, LocalRuntime.class})
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PoolTest {
  record Word(String text, int length) implements java.io.Serializable {}

  static final class NotSerializable {}

  /** Per-worker state set by the initializer. */
  static final class State {
    static int initialized;
    static String loadedBy;
  }

  static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  static long pid() {
    return ProcessHandle.current().pid();
  }

  // ------------------------------------------------------------------ results

  @Test
  void mapReturnsEveryResultInInputOrder() {
    try (Pool pool = Parallel.pool(2)) {
      assertThat(pool.size()).isEqualTo(2);
      List<Integer> doubled = pool.map(range(10_000), x -> 2 * x);
      assertThat(doubled).isEqualTo(IntStream.range(0, 10_000).map(x -> 2 * x).boxed().toList());
      List<Word> words = pool.map(List.of("a", "bb", "ccc"), s -> new Word(s, s.length()));
      assertThat(words).containsExactly(new Word("a", 1), new Word("bb", 2), new Word("ccc", 3));
      List<Long> longs = pool.map(range(1000), x -> (long) x * Integer.MAX_VALUE);
      assertThat(longs.get(999)).isEqualTo(999L * Integer.MAX_VALUE);
      List<Double> halves = pool.map(range(5), x -> x / 2.0);
      assertThat(halves).containsExactly(0.0, 0.5, 1.0, 1.5, 2.0);
      List<String> withNulls = pool.map(range(4), x -> x % 2 == 0 ? null : "odd " + x);
      assertThat(withNulls).containsExactly(null, "odd 1", null, "odd 3");
      assertThat(pool.map(List.<Integer>of(), x -> x)).isEmpty();
    }
  }

  @Test
  void itemsAreComputedInTheWorkersNotHere() {
    try (Pool pool = Parallel.pool(2)) {
      Set<Long> pids = new HashSet<>(pool.map(range(200), x -> pid()));
      assertThat(pids).doesNotContain(pid()).hasSizeBetween(1, 2);
      Set<Long> again = new HashSet<>(pool.map(range(200), x -> pid()));
      assertThat(pids).as("the same long-lived workers serve every map").containsAll(again);
    }
  }

  @Test
  void aPlainIterableOfUnknownLengthIsMappedInOrder() {
    Iterable<Integer> items = () -> IntStream.range(0, 50_000).iterator();
    try (Pool pool = Parallel.pool(2)) {
      List<Integer> results = pool.map(items, x -> x + 1);
      assertThat(results).hasSize(50_000);
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i)).isEqualTo(i + 1);
      }
    }
  }

  @Test
  void mapUnorderedDeliversEachResultOnceWithItsIndex() throws Exception {
    try (Pool pool = Parallel.pool(2)) {
      Inbox<Indexed<String>> results = pool.mapUnordered(range(3000), x -> "r" + x);
      Map<Long, String> seen = new HashMap<>();
      for (Indexed<String> r : results) {
        assertThat(seen.put(r.index(), r.value())).as("index %d delivered twice", r.index()).isNull();
      }
      assertThat(seen).hasSize(3000);
      seen.forEach((i, v) -> assertThat(v).isEqualTo("r" + i));
      assertThatThrownBy(results::take).isInstanceOf(ChannelClosedException.class);
    }
  }

  @Test
  void mapReduceCombinesEveryResult() {
    try (Pool pool = Parallel.pool(2)) {
      long sum = pool.mapReduce(LongStream.rangeClosed(1, 100_000).boxed().toList(), x -> x * x, Long::sum);
      assertThat(sum).isEqualTo(LongStream.rangeClosed(1, 100_000).map(x -> x * x).sum());
      HashMap<String, Integer> counts = pool.mapReduce(List.of("a b a", "b c", "a"), PoolTest::countWords,
          PoolTest::merge);
      assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("a", 3, "b", 2, "c", 1));
      assertThatThrownBy(() -> pool.mapReduce(List.<Long>of(), x -> x, Long::sum))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one item");
    }
  }

  static HashMap<String, Integer> countWords(String text) {
    var counts = new HashMap<String, Integer>();
    for (String w : text.split(" ")) {
      counts.merge(w, 1, Integer::sum);
    }
    return counts;
  }

  static HashMap<String, Integer> merge(HashMap<String, Integer> a, HashMap<String, Integer> b) {
    var all = new HashMap<>(a);
    b.forEach((k, v) -> all.merge(k, v, Integer::sum));
    return all;
  }

  @Test
  void severalMapsAtOnceShareTheWorkers() throws Exception {
    try (Pool pool = Parallel.pool(2)) {
      var first = CompletableFuture.supplyAsync(() -> pool.map(range(20_000), x -> x + 1));
      var second = CompletableFuture.supplyAsync(() -> pool.map(range(20_000), x -> x - 1));
      var third = CompletableFuture.supplyAsync(() -> pool.mapReduce(range(20_000), x -> 1, Integer::sum));
      assertThat(first.get(60, TimeUnit.SECONDS).get(19_999)).isEqualTo(20_000);
      assertThat(second.get(60, TimeUnit.SECONDS).get(0)).isEqualTo(-1);
      assertThat(third.get(60, TimeUnit.SECONDS)).isEqualTo(20_000);
    }
  }

  // ------------------------------------------------------------------ submit

  @Test
  void submitRunsEachTaskOnALongLivedWorker() throws Exception {
    try (Pool pool = Parallel.pool(2)) {
      List<CompletableFuture<Long>> pids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        pids.add(pool.submit(PoolTest::pid));
      }
      Set<Long> distinct = new HashSet<>();
      for (var f : pids) {
        distinct.add(f.get(30, TimeUnit.SECONDS));
      }
      assertThat(distinct).doesNotContain(pid()).hasSizeBetween(1, 2);
      int x = 20;
      assertThat(pool.submit(() -> x + 1).get(30, TimeUnit.SECONDS)).isEqualTo(21);
    }
  }

  @Test
  void submitFuturesAnswerEveryWayOfWaiting() throws Exception {
    try (Pool pool = Parallel.pool(2)) {
      assertThat(pool.submit(() -> 1).thenApply(x -> x + 1).get(30, TimeUnit.SECONDS)).isEqualTo(2);
      assertThat(pool.submit(() -> 2).join()).isEqualTo(2);
      assertThat(pool.submit(() -> 3).get()).isEqualTo(3);
      CompletableFuture<Integer> slow = pool.submit(() -> {
        Thread.sleep(500);
        return 4;
      });
      assertThatThrownBy(() -> slow.get(10, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
      assertThat(slow.get(30, TimeUnit.SECONDS)).isEqualTo(4);
      assertThat(slow).isCompletedWithValue(4);
      List<CompletableFuture<Integer>> many = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        int n = i;
        many.add(pool.submit(() -> n * n));
      }
      CompletableFuture.allOf(many.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      for (int i = 0; i < 50; i++) {
        assertThat(many.get(i)).isCompletedWithValue(i * i);
      }
      assertThatThrownBy(() -> pool.submit(() -> {
        throw new IllegalStateException("joined");
      }).join()).isInstanceOf(java.util.concurrent.CompletionException.class)
          .hasCauseInstanceOf(WorkerException.class).hasMessageContaining("joined");
    }
  }

  @Test
  void submitFailuresArriveInTheFuture() throws Exception {
    try (Pool pool = Parallel.pool(1)) {
      Throwable thrown = pool.submit(() -> {
        throw new IllegalArgumentException("bad task 9");
      }).handle((v, e) -> e).get(30, TimeUnit.SECONDS);
      assertThat(thrown).isInstanceOf(WorkerException.class).hasMessageContaining("bad task 9")
          .hasMessageContaining("at org.asyncparallel.PoolTest");
      assertThat(((WorkerException) thrown).remoteClassName()).isEqualTo("java.lang.IllegalArgumentException");

      NotSerializable captured = new NotSerializable();
      CompletableFuture<String> unsendable = pool.submit(() -> captured.toString());
      assertThat(unsendable).isCompletedExceptionally();
      assertThat(unsendable.handle((v, e) -> e).get()).isExactlyInstanceOf(ParallelException.class)
          .hasCauseInstanceOf(NotSerializableException.class).hasMessageContaining(NotSerializable.class.getName());

      Throwable badResult = pool.submit(() -> new NotSerializable()).handle((v, e) -> e).get(30, TimeUnit.SECONDS);
      assertThat(badResult).isInstanceOf(WorkerException.class).hasMessageContaining(NotSerializable.class.getName());
      assertThat(pool.submit(() -> "still serving").get(30, TimeUnit.SECONDS)).isEqualTo("still serving");
    }
  }

  // ------------------------------------------------------------------ failures of items

  @Test
  void anItemWhoseFunctionThrowsFailsTheMapNamingItsIndex() {
    try (Pool pool = Parallel.pool(2)) {
      assertThatThrownBy(() -> pool.map(range(1000), x -> {
        if (x == 417) {
          throw new IllegalStateException("cannot do " + x);
        }
        return x;
      })).isInstanceOfSatisfying(WorkerException.class, e -> {
        assertThat(e.remoteClassName()).isEqualTo("java.lang.IllegalStateException");
        assertThat(e.getMessage()).contains("item 417 ", "cannot do 417", "the function threw",
            "at org.asyncparallel.PoolTest");
      });
      assertThat(pool.map(range(10), x -> x)).as("the pool goes on").hasSize(10);
    }
  }

  @Test
  void aFailedMapUnorderedDeliversWhatCameThenThrows() {
    try (Pool pool = Parallel.pool(PoolConfig.builder().workersPerMachine(1).chunkSize(10).build())) {
      Inbox<Indexed<Integer>> results = pool.mapUnordered(range(100), x -> {
        if (x == 55) {
          throw new ArithmeticException("no " + x);
        }
        return x;
      });
      List<Long> got = new ArrayList<>();
      assertThatThrownBy(() -> results.forEach(r -> got.add(r.index())))
          .isInstanceOf(WorkerException.class).hasMessageContaining("item 55 ").hasMessageContaining("no 55");
      assertThat(got).hasSizeLessThanOrEqualTo(50).allMatch(i -> i < 50);
    }
  }

  @Test
  void aReducerThatThrowsInAWorkerFailsNamingAnItem() {
    try (Pool pool = Parallel.pool(PoolConfig.builder().workersPerMachine(1).chunkSize(100).build())) {
      assertThatThrownBy(() -> pool.mapReduce(range(100), x -> x, (a, b) -> {
        if (b == 42) {
          throw new IllegalArgumentException("will not add 42");
        }
        return a + b;
      })).isInstanceOf(WorkerException.class).hasMessageContaining("item 42 ")
          .hasMessageContaining("the reducer threw");
    }
  }

  @Test
  void unserializableFunctionsItemsAndResultsAreNamed() {
    try (Pool pool = Parallel.pool(1)) {
      NotSerializable captured = new NotSerializable();
      assertThatThrownBy(() -> pool.map(range(3), x -> captured.hashCode() + x))
          .isExactlyInstanceOf(ParallelException.class).hasCauseInstanceOf(NotSerializableException.class)
          .hasMessageContaining("the function").hasMessageContaining(NotSerializable.class.getName());
      List<Object> items = new ArrayList<>(List.of(1, 2, new NotSerializable()));
      assertThatThrownBy(() -> pool.map(items, x -> x))
          .isInstanceOf(ParallelException.class).hasMessageContaining("item 2 ")
          .hasMessageContaining(NotSerializable.class.getName());
      assertThatThrownBy(() -> pool.map(range(5), x -> x == 3 ? new NotSerializable() : x))
          .isInstanceOf(WorkerException.class).hasMessageContaining("item 3 ")
          .hasMessageContaining(NotSerializable.class.getName());
    }
  }

  @Test
  void anIteratorThatThrowsFailsTheMapWithItsException() {
    Iterable<Integer> broken = () -> new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Integer next() {
        if (i == 30) {
          throw new IllegalStateException("the input broke at 30");
        }
        return i++;
      }
    };
    try (Pool pool = Parallel.pool(1)) {
      assertThatThrownBy(() -> pool.map(broken, x -> x)).isInstanceOf(ParallelException.class)
          .hasMessageContaining("iterator").hasRootCauseMessage("the input broke at 30");
    }
  }

  // ------------------------------------------------------------------ dead workers

  /**
   * Item 500 writes its worker's pid and sleeps, the first time only; the test kills that worker
   * with SIGKILL. Its chunk goes to another worker, the dead one is replaced, and every result
   * comes exactly once.
   */
  @Test
  void aWorkerKilledMidMapIsReplacedAndNothingIsLostOrRepeated(@TempDir Path dir) throws Exception {
    String marker = dir.resolve("marker").toString();
    String pidFile = dir.resolve("pid").toString();
    try (Pool pool = Parallel.pool(PoolConfig.builder().workersPerMachine(2).chunkSize(20).build())) {
      Inbox<Indexed<Integer>> results = pool.mapUnordered(range(1000), x -> {
        if (x == 500 && !Files.exists(Path.of(marker))) {
          Files.writeString(Path.of(marker), "taken");
          Files.writeString(Path.of(pidFile + ".tmp"), Long.toString(pid()));
          Files.move(Path.of(pidFile + ".tmp"), Path.of(pidFile));
          Thread.sleep(120_000);
        }
        return x * x;
      });
      CompletableFuture<List<Indexed<Integer>>> consumed = CompletableFuture.supplyAsync(() -> {
        List<Indexed<Integer>> all = new ArrayList<>();
        results.forEach(all::add);
        return all;
      });
      long victim = awaitPid(Path.of(pidFile));
      ProcessHandle.of(victim).orElseThrow().destroyForcibly();
      Map<Long, Integer> seen = new HashMap<>();
      for (Indexed<Integer> r : consumed.get(60, TimeUnit.SECONDS)) {
        assertThat(seen.put(r.index(), r.value())).as("index %d delivered twice", r.index()).isNull();
      }
      assertThat(seen).hasSize(1000);
      seen.forEach((i, v) -> assertThat(v).isEqualTo((int) (i * i)));
      assertThat(Processes.awaitAllDead(List.of(victim), 10_000)).isTrue();
      awaitSize(pool, 2);
      Set<Long> pids = new HashSet<>(pool.map(range(100), x -> pid()));
      assertThat(pids).doesNotContain(victim);
      assertThat(pool.map(range(1000), x -> x)).isEqualTo(range(1000));
    }
  }

  @Test
  void aWorkerKilledDuringSubmitIsReplacedAndTheTaskRunsAgain(@TempDir Path dir) throws Exception {
    String marker = dir.resolve("marker").toString();
    String pidFile = dir.resolve("pid").toString();
    try (Pool pool = Parallel.pool(2)) {
      CompletableFuture<String> task = pool.submit(() -> {
        if (!Files.exists(Path.of(marker))) {
          Files.writeString(Path.of(marker), "taken");
          Files.writeString(Path.of(pidFile + ".tmp"), Long.toString(pid()));
          Files.move(Path.of(pidFile + ".tmp"), Path.of(pidFile));
          Thread.sleep(120_000);
        }
        return "done by " + pid();
      });
      long victim = awaitPid(Path.of(pidFile));
      ProcessHandle.of(victim).orElseThrow().destroyForcibly();
      assertThat(task.get(60, TimeUnit.SECONDS)).startsWith("done by ").doesNotEndWith(" " + victim);
      awaitSize(pool, 2);
    }
  }

  /** An item that halts its worker every time: tried on three workers, then the map fails. */
  @Test
  void anItemThatKillsEveryWorkerFailsTheMapAfterThreeAttempts() throws Exception {
    try (Pool pool = Parallel.pool(PoolConfig.builder().workersPerMachine(2).chunkSize(1).build())) {
      assertThatThrownBy(() -> pool.map(range(10), x -> {
        if (x == 3) {
          Runtime.getRuntime().halt(9);
        }
        return x;
      })).isInstanceOf(WorkerDiedException.class).hasMessageContaining("item 3 ")
          .hasMessageContaining("3 workers died").hasMessageContaining("exited with status 9");
      awaitSize(pool, 2);
      assertThat(pool.map(range(10), x -> x)).as("the replaced workers serve on").isEqualTo(range(10));
    }
  }

  static long awaitPid(Path file) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!Files.exists(file)) {
      assertThat(System.currentTimeMillis()).as("the item started").isLessThan(deadline);
      Thread.sleep(20);
    }
    return Long.parseLong(Files.readString(file).trim());
  }

  static void awaitSize(Pool pool, int size) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (pool.size() != size) {
      assertThat(System.currentTimeMillis()).as("the pool back at %d workers: %s", size, pool).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  // ------------------------------------------------------------------ initializer

  @Test
  void theInitializerRunsOnceInEachWorkerBeforeItsFirstItem() throws Exception {
    PoolConfig config = PoolConfig.builder().workersPerMachine(2).initializer(() -> {
      State.initialized++;
      State.loadedBy = "model loaded by " + pid();
    }).build();
    try (Pool pool = Parallel.pool(config)) {
      List<String> seen = pool.map(range(500), x -> State.initialized + " " + State.loadedBy + " " + pid());
      for (String s : seen) {
        String[] f = s.split(" ");
        assertThat(f[0]).as("initialized once").isEqualTo("1");
        assertThat(f[4]).as("by the worker itself").isEqualTo(f[5]);
      }
      assertThat(pool.submit(() -> State.initialized).get(30, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(State.initialized).as("not in the calling process").isZero();
    }
  }

  @Test
  void anInitializerThatThrowsBreaksThePool() throws Exception {
    PoolConfig config = PoolConfig.builder().workersPerMachine(2).initializer(() -> {
      throw new IllegalStateException("no model here");
    }).build();
    try (Pool pool = Parallel.pool(config)) {
      assertThatThrownBy(() -> pool.map(range(10), x -> x)).isInstanceOf(WorkerException.class)
          .hasMessageContaining("initializer").hasMessageContaining("no model here");
      Throwable later = pool.submit(() -> 1).handle((v, e) -> e).get(30, TimeUnit.SECONDS);
      assertThat(later).isInstanceOf(WorkerException.class).hasMessageContaining("no model here");
    }
  }

  // ------------------------------------------------------------------ bounded memory, progress

  /**
   * An endless input: the map reads only as far as the consumer takes, plus at most maxInFlight
   * chunks; closing the inbox stops it and the pool goes on.
   */
  @Test
  void anEndlessInputRunsInBoundedMemory() throws Exception {
    AtomicLong pulled = new AtomicLong();
    Iterable<Long> endless = () -> new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Long next() {
        return pulled.getAndIncrement();
      }
    };
    int chunk = 100;
    int inFlight = 4;
    try (Pool pool = Parallel.pool(PoolConfig.builder().workersPerMachine(2).chunkSize(chunk).maxInFlight(inFlight)
        .build())) {
      Inbox<Indexed<Long>> results = pool.mapUnordered(endless, x -> x + 1);
      long taken = 0;
      while (taken < 20_000) {
        Indexed<Long> r = results.take();
        assertThat(r.value()).isEqualTo(r.index() + 1);
        taken++;
        assertThat(pulled.get()).as("items read ahead of the consumer")
            .isLessThanOrEqualTo(taken + (inFlight + 1) * chunk);
      }
      Thread.sleep(200);
      assertThat(pulled.get()).isLessThanOrEqualTo(taken + (inFlight + 1) * chunk);
      assertThat(pool.progress().total()).as("unknown").isEqualTo(-1);
      results.close();
      assertThatThrownBy(results::take).isInstanceOf(ChannelClosedException.class);
      assertThat(pool.map(range(100), x -> x)).isEqualTo(range(100));
    }
  }

  @Test
  void progressIsReportedWhileAndAfterAMapRuns() throws Exception {
    try (Pool pool = Parallel.pool(PoolConfig.builder().workersPerMachine(2).chunkSize(5).build())) {
      assertThat(pool.progress()).isEqualTo(Progress.NONE);
      Inbox<Indexed<Integer>> results = pool.mapUnordered(range(200), x -> {
        Thread.sleep(5);
        return x;
      });
      int taken = 0;
      for (Indexed<Integer> r : results) {
        Progress p = pool.progress();
        assertThat(p.total()).isEqualTo(200);
        assertThat(p.done()).isBetween(0L, 200L);
        taken++;
      }
      assertThat(taken).isEqualTo(200);
      Progress end = pool.progress();
      assertThat(end.done()).isEqualTo(200);
      assertThat(end.total()).isEqualTo(200);
      assertThat(end.fraction()).isEqualTo(1.0);
      assertThat(end.itemsPerSecond()).isPositive();
    }
  }

  @Test
  void theProgressBarShowsDoneTotalRateAndEta() throws Exception {
    assertThat(ProgressBar.render(new Progress(500, 1000, 250)))
        .startsWith("[############............]").contains(" 50%", "500/1,000 items", "250.0 items/s", "ETA 0:00:02");
    assertThat(ProgressBar.render(new Progress(1_500_000, -1, 3_200_000)))
        .isEqualTo("1,500,000 items  3.20 M items/s");
    var bytes = new java.io.ByteArrayOutputStream();
    var bar = new ProgressBar(new java.io.PrintStream(bytes, true, "UTF-8"));
    long longAgo = System.nanoTime() - 5_000_000_000L;
    bar.update(new Progress(1, 4, 1), longAgo);
    bar.finish(new Progress(4, 4, 2));
    assertThat(bytes.toString("UTF-8")).startsWith("\r[").contains(" 25%", "100%").endsWith("\n");
    var quiet = new java.io.ByteArrayOutputStream();
    var tooSoon = new ProgressBar(new java.io.PrintStream(quiet, true, "UTF-8"));
    tooSoon.update(new Progress(1, 4, 1), System.nanoTime());
    tooSoon.finish(new Progress(4, 4, 2));
    assertThat(quiet.toString("UTF-8")).as("a map shorter than a second draws nothing").isEmpty();
  }

  // ------------------------------------------------------------------ configuration, close

  @Test
  void badConfigurationIsRefusedNamingTheValue() throws Exception {
    assertThatThrownBy(() -> PoolConfig.builder().workersPerMachine(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workersPerMachine")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> PoolConfig.builder().chunkSize(-5).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunkSize").hasMessageContaining("-5");
    assertThatThrownBy(() -> PoolConfig.builder().maxInFlight(-1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlight");
    assertThatThrownBy(() -> PoolConfig.builder().machines("a", "a").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' appears twice");
    assertThatThrownBy(() -> PoolConfig.builder().machines(" ").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blank");
    assertThatThrownBy(() -> Parallel.pool(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Parallel.pool(PoolConfig.builder().machines("no-such-host").build()))
        .isInstanceOf(UnknownMachineException.class).hasMessageContaining("no-such-host");
    NotSerializable captured = new NotSerializable();
    // the workers of earlier tests end first
    assertThat(Processes.awaitNoDescendants(30_000)).as("nothing busy before the pool").isEmpty();
    assertThatThrownBy(() -> Parallel.pool(PoolConfig.builder().initializer(() -> captured.hashCode()).build()))
        .isInstanceOf(ParallelException.class).hasCauseInstanceOf(NotSerializableException.class)
        .hasMessageContaining(NotSerializable.class.getName());
    assertThat(Processes.busyDescendants()).as("no worker started for them").isEmpty();
  }

  @Test
  void closeEndsEveryWorkerAndIsIdempotent() throws Exception {
    Pool pool = Parallel.pool(3);
    Set<Long> pids = new HashSet<>(pool.map(range(300), x -> {
      Thread.sleep(1);
      return pid();
    }));
    assertThat(pids).isNotEmpty();
    pool.close();
    assertThat(Processes.awaitAllDead(List.copyOf(pids), 10_000)).as("workers %s ended", pids).isTrue();
    assertThat(pool.size()).isZero();
    pool.close();
    assertThatThrownBy(() -> pool.map(range(3), x -> x)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closingThePoolFailsAMapThatIsRunning() throws Exception {
    Pool pool = Parallel.pool(PoolConfig.builder().workersPerMachine(1).chunkSize(1).build());
    Inbox<Indexed<Integer>> results = pool.mapUnordered(range(100), x -> {
      Thread.sleep(50);
      return x;
    });
    results.take();
    pool.close();
    assertThatThrownBy(() -> {
      while (true) {
        results.take();
      }
    }).isInstanceOf(ParallelException.class).hasMessageContaining("closed");
  }

  @Test
  void aPoolWorksFromInsideAWorker() throws Exception {
    int sum = Parallel.run(() -> {
      try (Pool pool = Parallel.pool(2)) {
        return pool.mapReduce(range(1000), x -> x, Integer::sum);
      }
    }).get(60, TimeUnit.SECONDS);
    assertThat(sum).isEqualTo(999 * 1000 / 2);
  }
}
