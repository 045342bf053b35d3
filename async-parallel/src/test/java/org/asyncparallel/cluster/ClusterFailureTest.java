package org.asyncparallel.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.asyncparallel.Cluster;
import org.asyncparallel.Config;
import org.asyncparallel.Hub;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Inbox;
import org.asyncparallel.Parallel;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Where;
import org.asyncparallel.WorkerDiedException;
import org.asyncparallel.fixtures.ClusterOrphanMain;
import org.asyncparallel.testing.Fixture;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.Processes;
import org.asyncparallel.testing.TestNet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cluster when things go wrong: unreachable machines, an old java, hosts that crash, hang or
 * are cut off mid-task, and a main process killed with SIGKILL; plus the reuse of shipped code.
 * Each test starts and ends its own runtime; no process may be left on any host.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterFailureTest {
  static TestNet net;

  @BeforeAll
  static void up() throws Exception {
    net = TestNet.up(3);
  }

  @AfterAll
  static void down() throws Exception {
    net.close();
  }

  @AfterEach
  void nothingLeftOnTheHosts() throws Exception {
    assertThat(net.shutDownAndAwaitNoProcesses()).as("processes left on the hosts").isEmpty();
    for (int i = 1; i <= 3; i++) {
      if (!Files.exists(Path.of("/run/netns/aptns" + i))) {
        net.inject("restart", i);
      }
    }
  }

  static Config.Builder config(List<String> machines) {
    return Config.builder().cluster(new Cluster("master", machines)).sshCommand(net.sshCommand());
  }

  static String hostname() throws Exception {
    return InetAddress.getLocalHost().getHostName();
  }

  private static Map<String, Object> cacheInodes(int host) throws Exception {
    Map<String, Object> inodes = new HashMap<>();
    try (Stream<Path> files = Files.list(net.tmpOf(host).resolve("asyncparallel-cache-0"))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".jar")).toList()) {
        inodes.put(file.getFileName().toString(), Files.getAttribute(file, "unix:ino"));
      }
    }
    return inodes;
  }

  @Test
  void shippedCodeIsReusedAndOnlyWhatIsMissingIsSent() throws Exception {
    Parallel.init(config(List.of(net.host(1))).build());
    assertThat(Parallel.run(Where.on(net.host(1)), () -> 1).get(60, TimeUnit.SECONDS)).isEqualTo(1);
    Parallel.shutdown().get(60, TimeUnit.SECONDS);
    Map<String, Object> first = cacheInodes(1);
    assertThat(first).isNotEmpty();
    String removed = first.keySet().iterator().next();
    Files.delete(net.tmpOf(1).resolve("asyncparallel-cache-0").resolve(removed));

    Parallel.init(config(List.of(net.host(1))).build());
    assertThat(Parallel.run(Where.on(net.host(1)), () -> 2).get(60, TimeUnit.SECONDS)).isEqualTo(2);
    Map<String, Object> second = cacheInodes(1);
    assertThat(second.keySet()).isEqualTo(first.keySet());
    for (String jar : first.keySet()) {
      if (jar.equals(removed)) {
        assertThat(second.get(jar)).as("the missing jar was sent again").isNotNull();
      } else {
        assertThat(second.get(jar)).as("%s was kept, not sent again", jar).isEqualTo(first.get(jar));
      }
    }
  }

  @Test
  void anUnreachableMachineFailsInitNamingIt() {
    assertThatThrownBy(() -> Parallel.init(config(List.of(net.host(1), "10.77.0.99")).build()))
        .isInstanceOf(ParallelException.class).hasMessageContaining("10.77.0.99")
        .hasMessageContaining("ssh exited with status 255");
  }

  @Test
  void aJavaOlderThan21FailsInitNamingTheMachineAndVersion() throws Exception {
    String wrapper = Path.of(getClass().getResource("/ssh-with-old-java.sh").toURI()).toString();
    assertThatThrownBy(() -> Parallel.init(Config.builder().cluster(new Cluster("master", List.of(net.host(2))))
        .sshCommand(wrapper, "-F", TestNet.STATE.resolve("ssh_config").toString()).build()))
        .isInstanceOf(ParallelException.class).hasMessageContaining(net.host(2))
        .hasMessageContaining("version 17").hasMessageContaining("21");
  }

  /** Starts a task on host i that reports on the hub, then sleeps; returns its future. */
  private static CompletableFuture<Integer> sleeperOn(int host, Inbox<HubEvent.Data<String>> started,
      Hub<String, String> hub) throws Exception {
    var channel = hub.openChannel();
    CompletableFuture<Integer> sleeper = Parallel.run(Where.on(net.host(host)), () -> {
      channel.write("started on " + hostname());
      channel.flushed().get();
      Thread.sleep(Long.MAX_VALUE);
      return 0;
    });
    assertThat(started.take().message()).isEqualTo("started on aptns" + host);
    return sleeper;
  }

  private void failureOfAHostFailsItsFuturesAndSparesTheRest(String failure, int host) throws Exception {
    Parallel.init(config(net.hosts()).build());
    try (Hub<String, String> hub = Parallel.hub()) {
      var started = hub.listenSimple();
      CompletableFuture<Integer> doomed = sleeperOn(host, started, hub);
      net.inject(failure, host);
      Throwable death = doomed.handle((v, e) -> e).get(30, TimeUnit.SECONDS);
      assertThat(death).isInstanceOf(WorkerDiedException.class).hasMessageContaining(net.host(host));
      Throwable refused = Parallel.run(Where.on(net.host(host)), () -> 1).handle((v, e) -> e).get(30, TimeUnit.SECONDS);
      assertThat(refused).isInstanceOf(ParallelException.class).hasMessageContaining("lost");
      int other = host == 1 ? 2 : 1;
      assertThat(Parallel.run(Where.on(net.host(other)), ClusterFailureTest::hostname).get(60, TimeUnit.SECONDS))
          .isEqualTo("aptns" + other);
      assertThat(Parallel.run(ClusterFailureTest::hostname).get(60, TimeUnit.SECONDS)).isEqualTo(hostname());
    } finally {
      if (failure.equals("cut")) {
        net.inject("heal", host);
      } else if (failure.equals("freeze")) {
        net.inject("thaw", host);
      }
    }
  }

  @Test
  void aCrashedHostFailsItsFuturesAndTheRestKeepsWorking() throws Exception {
    failureOfAHostFailsItsFuturesAndSparesTheRest("crash", 3);
  }

  @Test
  void aCutOffHostFailsItsFuturesAndTheRestKeepsWorking() throws Exception {
    failureOfAHostFailsItsFuturesAndSparesTheRest("cut", 2);
  }

  @Test
  void aHungHostFailsItsFuturesAndTheRestKeepsWorking() throws Exception {
    failureOfAHostFailsItsFuturesAndSparesTheRest("freeze", 1);
  }

  @Test
  void killMinus9OfTheMainProcessEndsEveryAgentAndWorkerOnEveryHost() throws Exception {
    try (Fixture main = Fixture.start(ClusterOrphanMain.class, TestNet.STATE.resolve("ssh_config").toString(),
        net.host(1), net.host(2), net.host(3))) {
      long deadline = System.currentTimeMillis() + 60_000;
      while (!(main.stdout().contains("STARTED aptns1") && main.stdout().contains("STARTED aptns2"))) {
        assertThat(System.currentTimeMillis()).as("workers started; stderr: %s", main.stderr()).isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(net.processesOn(1)).isNotEmpty();
      List<ProcessHandle> sessions = main.process().descendants().toList();
      main.process().destroyForcibly();
      main.process().waitFor(10, TimeUnit.SECONDS);
      assertThat(net.awaitNoProcesses(15_000)).as("processes left on the hosts after kill -9 of main").isEmpty();
      assertThat(Processes.awaitAllDead(sessions.stream().map(ProcessHandle::pid).toList(), 10_000)).isTrue();
    }
  }
}
