package org.asyncparallel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.asyncparallel.Cluster;
import org.asyncparallel.Config;
import org.asyncparallel.Inbox;
import org.asyncparallel.Indexed;
import org.asyncparallel.Parallel;
import org.asyncparallel.Pool;
import org.asyncparallel.PoolConfig;
import org.asyncparallel.UnknownMachineException;
import org.asyncparallel.internal.runtime.ProcessRuntime;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.TestNet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pools across the master and two real hosts reached over ssh (network namespaces with their own
 * sshd and /tmp): workers on every machine, the initializer on each, a worker killed on a host
 * mid-map (replaced on that host), a host that crashes mid-map (its work taken over by the
 * others; last, as the runtime has lost that host for good), and no pool worker left anywhere
 * after close.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PoolClusterTest {
  static final String MASTER = "master";
  static TestNet net;

  /** Per-worker state set by the initializer. */
  static final class State {
    static String host;
  }

  @BeforeAll
  static void up() throws Exception {
    net = TestNet.up(2);
    Parallel.init(Config.builder().cluster(new Cluster(MASTER, net.hosts())).sshCommand(net.sshCommand()).build());
  }

  @AfterAll
  static void down() throws Exception {
    try {
      Parallel.shutdown().get(60, TimeUnit.SECONDS);
      assertThat(net.awaitNoProcesses(10_000)).as("processes left on the hosts after shutdown").isEmpty();
    } finally {
      net.close();
    }
  }

  /**
   * No pool worker may be left on any host after a test (the agents, and the spare workers waiting
   * for a run, live as long as the runtime).
   */
  @AfterEach
  void noWorkerLeftOnTheHosts() throws Exception {
    for (int i = 1; i <= 2; i++) {
      if (!Files.exists(Path.of("/run/netns/aptns" + i))) {
        net.inject("restart", i);
        continue;
      }
      long deadline = System.currentTimeMillis() + 15_000;
      List<String> workers = workersOn(i);
      while (!workers.isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
        workers = workersOn(i);
      }
      assertThat(workers).as("pool workers left on host %d", i).isEmpty();
    }
  }

  static List<String> workersOn(int host) throws Exception {
    var spares = ProcessRuntime.idleWorkerPids(net.host(host));
    return net.processesOn(host).stream().filter(p -> p.contains("WorkerMain"))
        .filter(p -> !spares.contains(Long.parseLong(p.substring(0, p.indexOf(' '))))).toList();
  }

  static String hostname() throws Exception {
    return InetAddress.getLocalHost().getHostName();
  }

  /** The initializer: remembers where it ran. */
  static void initialize() {
    try {
      State.host = hostname();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  static HashMap<String, Integer> merge(HashMap<String, Integer> a, HashMap<String, Integer> b) {
    var all = new HashMap<>(a);
    b.forEach((k, v) -> all.merge(k, v, Integer::sum));
    return all;
  }

  @Test
  void workersRunOnEveryMachineOfThePoolEachInitializedThere() throws Exception {
    PoolConfig config = PoolConfig.builder().machines(MASTER, net.host(1), net.host(2)).workersPerMachine(1)
        .initializer(PoolClusterTest::initialize).build();
    try (Pool pool = Parallel.pool(config)) {
      assertThat(pool.size()).isEqualTo(3);
      HashMap<String, Integer> perHost = pool.mapReduce(range(3000), x -> {
        if (!hostname().equals(State.host)) {
          throw new IllegalStateException("initialized on " + State.host + " but running on " + hostname());
        }
        var one = new HashMap<String, Integer>();
        one.put(State.host, 1);
        return one;
      }, PoolClusterTest::merge);
      assertThat(perHost.keySet()).containsExactlyInAnyOrder(hostname(), "aptns1", "aptns2");
      assertThat(perHost.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(3000);
      Set<String> submitted = new HashSet<>();
      List<CompletableFuture<String>> tasks = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        tasks.add(pool.submit(PoolClusterTest::hostname));
      }
      for (var t : tasks) {
        submitted.add(t.get(60, TimeUnit.SECONDS));
      }
      assertThat(submitted).isSubsetOf(hostname(), "aptns1", "aptns2");
      List<Integer> squares = pool.map(range(10_000), x -> x * x);
      assertThat(squares).isEqualTo(range(10_000).stream().map(x -> x * x).toList());
    }
  }

  @Test
  void aMachineNotInTheClusterIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> Parallel.pool(PoolConfig.builder().machines(net.host(1), "10.77.0.99").build()))
        .isInstanceOf(UnknownMachineException.class).hasMessageContaining("10.77.0.99");
  }

  /**
   * The first item from 50 on that host 1 computes writes its pid to host 1's /tmp and sleeps; the
   * test kills that worker. Its chunk is done elsewhere, the worker is replaced on host 1, and
   * every result comes exactly once.
   */
  @Test
  void aWorkerKilledOnAHostMidMapIsReplacedOnThatHost() throws Exception {
    Path victimFile = net.tmpOf(1).resolve("pool-victim");
    Files.deleteIfExists(victimFile);
    PoolConfig config = PoolConfig.builder().machines(net.host(1), net.host(2)).workersPerMachine(1).chunkSize(10)
        .build();
    try (Pool pool = Parallel.pool(config)) {
      Inbox<Indexed<String>> results = pool.mapUnordered(range(400), x -> {
        Path marker = Path.of("/tmp/pool-victim");
        Thread.sleep(5); // so that both hosts take a share
        if (x >= 50 && hostname().equals("aptns1") && !Files.exists(marker)) {
          Files.writeString(Path.of("/tmp/pool-victim.tmp"), Long.toString(ProcessHandle.current().pid()));
          Files.move(Path.of("/tmp/pool-victim.tmp"), marker);
          Thread.sleep(120_000);
        }
        return hostname();
      });
      CompletableFuture<List<Indexed<String>>> all = CompletableFuture.supplyAsync(() -> {
        List<Indexed<String>> got = new ArrayList<>();
        results.forEach(got::add);
        return got;
      });
      long deadline = System.currentTimeMillis() + 90_000;
      while (!Files.exists(victimFile)) {
        assertThat(System.currentTimeMillis()).as("a worker on host 1 took an item from 50 on").isLessThan(deadline);
        Thread.sleep(20);
      }
      long victim = Long.parseLong(Files.readString(victimFile).trim());
      ProcessHandle.of(victim).orElseThrow().destroyForcibly();
      Map<Long, String> seen = new HashMap<>();
      for (Indexed<String> r : all.get(120, TimeUnit.SECONDS)) {
        assertThat(seen.put(r.index(), r.value())).as("index %d delivered twice", r.index()).isNull();
      }
      assertThat(seen).hasSize(400);
      awaitSize(pool, 2);
      Set<String> hosts = new HashSet<>(pool.map(range(200), x -> {
        Thread.sleep(1);
        return hostname();
      }));
      assertThat(hosts).as("the replacement runs on host 1 again").containsExactlyInAnyOrder("aptns1", "aptns2");
    }
  }

  /**
   * Host 2 crashes mid-map: its worker is lost with the machine, its chunks are done by the
   * others, and its replacement starts on another machine of the pool.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void aMachineThatCrashesMidMapIsLeftAndItsWorkDoneByTheOthers() throws Exception {
    PoolConfig config = PoolConfig.builder().machines(MASTER, net.host(1), net.host(2)).workersPerMachine(1)
        .chunkSize(5).build();
    try (Pool pool = Parallel.pool(config)) {
      Inbox<Indexed<String>> results = pool.mapUnordered(range(1200), x -> {
        Thread.sleep(20);
        return hostname();
      });
      Map<Long, String> seen = new HashMap<>();
      while (!seen.containsValue("aptns2")) {
        Indexed<String> r = results.take();
        assertThat(seen.put(r.index(), r.value())).isNull();
      }
      net.inject("crash", 2);
      for (Indexed<String> r : results) {
        assertThat(seen.put(r.index(), r.value())).as("index %d delivered twice", r.index()).isNull();
      }
      assertThat(seen).hasSize(1200);
      awaitSize(pool, 3);
      Set<String> hosts = new HashSet<>(pool.map(range(300), x -> {
        Thread.sleep(2);
        return hostname();
      }));
      assertThat(hosts).doesNotContain("aptns2").contains("aptns1");
    }
  }

  @Test
  void closeEndsThePoolsWorkersOnEveryHost() throws Exception {
    Pool pool = Parallel.pool(PoolConfig.builder().machines(net.host(1), net.host(2)).workersPerMachine(2).build());
    assertThat(pool.mapReduce(range(100), x -> 1, Integer::sum)).isEqualTo(100);
    assertThat(workersOn(1)).hasSizeGreaterThanOrEqualTo(2);
    assertThat(workersOn(2)).hasSizeGreaterThanOrEqualTo(2);
    pool.close();
    assertThat(pool.size()).isZero();
  }

  static void awaitSize(Pool pool, int size) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 90_000;
    while (pool.size() != size) {
      assertThat(System.currentTimeMillis()).as("the pool back at %d workers: %s", size, pool).isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
