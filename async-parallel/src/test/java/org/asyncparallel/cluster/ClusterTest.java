package org.asyncparallel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
import java.util.stream.Stream;
import org.asyncparallel.Channel;
import org.asyncparallel.Cluster;
import org.asyncparallel.Config;
import org.asyncparallel.Hub;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Inbox;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;
import org.asyncparallel.UnknownMachineException;
import org.asyncparallel.Where;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.TestNet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A cluster of the master and three real hosts reached over ssh (network namespaces with their own
 * sshd and /tmp, the build output hidden from them): shipping, placement, nesting, channels across
 * machines, output, and no process left anywhere.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {
  static final String MASTER = "master";
  static TestNet net;

  @BeforeAll
  static void up() throws Exception {
    net = TestNet.up(3);
    Parallel.init(config());
  }

  static Config config() {
    return Config.builder().cluster(new Cluster(MASTER, net.hosts())).sshCommand(net.sshCommand()).build();
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

  static String hostname() throws Exception {
    return InetAddress.getLocalHost().getHostName();
  }

  @Test
  @Order(1)
  void theCodeIsShippedToEachHostsOwnCache() throws Exception {
    for (int i = 1; i <= 3; i++) {
      Path cache = net.tmpOf(i).resolve("asyncparallel-cache-0");
      try (Stream<Path> jars = Files.list(cache)) {
        assertThat(jars.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList())
            .as("the cache of host %d", i).isNotEmpty().allMatch(n -> n.matches("[0-9a-f]{64}\\.jar"));
      }
    }
  }

  @Test
  void runOnEachMachineByName() throws Exception {
    for (int i = 1; i <= 3; i++) {
      String where = Parallel.run(Where.on(net.host(i)), ClusterTest::hostname).get(60, TimeUnit.SECONDS);
      assertThat(where).isEqualTo(net.hostname(i));
      assertThat(Parallel.run(Where.on(net.host(i)), Parallel::isWorkerMachine).get(60, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(Parallel.run(Where.on(MASTER), Parallel::isWorkerMachine).get(60, TimeUnit.SECONDS)).isFalse();
    assertThat(Parallel.run(Where.local(), ClusterTest::hostname).get()).isEqualTo(hostname());
  }

  /**
   * Each worker machine keeps spare worker JVMs started and connected, as this one does: a run
   * there is served by a process that was already running before the run was asked for.
   */
  @Test
  void aRunOnAHostGoesToASpareWorkerAlreadyRunningThere() throws Exception {
    List<Long> before = List.of();
    long deadline = System.currentTimeMillis() + 60_000;
    while (before.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      before = workersOn(2);
    }
    assertThat(before).as("worker JVMs waiting on host 2").isNotEmpty();
    long pid = Parallel.run(Where.on(net.host(2)), () -> ProcessHandle.current().pid()).get(60, TimeUnit.SECONDS);
    assertThat(before).contains(pid);
  }

  private static List<Long> workersOn(int host) throws Exception {
    return net.processesOn(host).stream().filter(p -> p.contains("org.asyncparallel.internal.worker.WorkerMain"))
        .map(p -> Long.parseLong(p.substring(0, p.indexOf(' ')))).toList();
  }

  @Test
  void everyPlacement() throws Exception {
    List<String> machines = new ArrayList<>(List.of(MASTER));
    machines.addAll(net.hosts());
    Set<String> seenRoundRobin = new HashSet<>();
    List<CompletableFuture<String>> runs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      runs.add(Parallel.run(Where.roundRobin(), ClusterTest::hostname));
    }
    for (var run : runs) {
      seenRoundRobin.add(run.get(60, TimeUnit.SECONDS));
    }
    assertThat(seenRoundRobin).containsExactlyInAnyOrder(hostname(), "aptns1", "aptns2", "aptns3");
    assertThat(Parallel.run(Where.randomIn(net.host(2)), ClusterTest::hostname).get()).isEqualTo("aptns2");
    String chosen = net.host(3);
    assertThat(Parallel.run(Where.chosenBy(() -> chosen), ClusterTest::hostname).get()).isEqualTo("aptns3");
    Map<String, Integer> random = new HashMap<>();
    for (int i = 0; i < 6; i++) {
      random.merge(Parallel.run(Where.random(), ClusterTest::hostname).get(60, TimeUnit.SECONDS), 1, Integer::sum);
    }
    assertThat(random.keySet()).isSubsetOf(hostname(), "aptns1", "aptns2", "aptns3");
    assertThat(Parallel.run(Where.on("10.77.0.99"), () -> 1).handle((v, e) -> e).get())
        .isInstanceOf(UnknownMachineException.class);
  }

  @Test
  void nestedRunsHopBetweenWorkerMachines() throws Exception {
    String host2 = net.host(2);
    String host3 = net.host(3);
    String path = Parallel.run(Where.on(net.host(1)), () -> hostname() + ">"
        + Parallel.run(Where.on(host2), () -> hostname() + ">"
            + Parallel.run(Where.on(host3), ClusterTest::hostname).join()).join()).get(60, TimeUnit.SECONDS);
    assertThat(path).isEqualTo("aptns1>aptns2>aptns3");
  }

  @Test
  void channelsWorkAcrossMachinesInEveryDirection() throws Exception {
    try (Hub<String, String> mainHub = Parallel.hub()) {
      Inbox<HubEvent.Data<String>> inbox = mainHub.listenSimple();
      Channel<String, String> toMain = mainHub.openChannel();
      // a server on host 2
      Spawned<String, String, String> server = Parallel.<String, String, String>spawn(Where.on(net.host(2)), hub -> {
        for (HubEvent.Data<String> m : hub.listenSimple()) {
          if (m.message().equals("stop")) {
            return "stopped";
          }
          hub.send(m.client(), m.message() + " echoed by " + hostname());
        }
        return "ended";
      }).get(60, TimeUnit.SECONDS);
      Channel<String, String> toServer = server.channel();
      // main -> host 2 -> main
      toServer.write("from main");
      assertThat(toServer.read()).isEqualTo("from main echoed by aptns2");
      // host 3 -> host 2 (remote to remote, the channel captured in the task), then host 3 -> main
      String fromHost3 = Parallel.run(Where.on(net.host(3)), () -> {
        toServer.write("from " + hostname());
        String echoed = toServer.read();
        toMain.write("host 3 got: " + echoed);
        toMain.flushed().get();
        return echoed;
      }).get(60, TimeUnit.SECONDS);
      assertThat(fromHost3).isEqualTo("from aptns3 echoed by aptns2");
      assertThat(inbox.take().message()).isEqualTo("host 3 got: from aptns3 echoed by aptns2");
      toServer.write("stop");
      assertThat(server.result().get(60, TimeUnit.SECONDS)).isEqualTo("stopped");
    }
  }

  @Test
  void aChannelSentInAMessageToAnotherMachineWorksThere() throws Exception {
    try (Hub<String, String> results = Parallel.hub()) {
      Inbox<HubEvent.Data<String>> inbox = results.listenSimple();
      Spawned<Channel<String, String>, String, String> relay =
          Parallel.<Channel<String, String>, String, String>spawn(Where.on(net.host(1)), hub -> {
            Channel<String, String> back = hub.listenSimple().take().message();
            back.write("hello from " + hostname() + " through a channel that came in a message");
            back.flushed().get();
            return "sent";
          }).get(60, TimeUnit.SECONDS);
      relay.channel().write(results.openChannel());
      assertThat(relay.result().get(60, TimeUnit.SECONDS)).isEqualTo("sent");
      assertThat(inbox.take().message()).isEqualTo("hello from aptns1 through a channel that came in a message");
    }
  }

  @Test
  void garbageOnTheMastersTcpPortIsDroppedAndNothingIsDeserialized() throws Exception {
    try (Hub<String, String> hub = Parallel.hub()) {
      int port = org.asyncparallel.internal.runtime.ProcessRuntime.addressOf(hub).endpoint().port();
      assertThat(port).isPositive();
      for (byte[] garbage : List.of("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n"
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[] {(byte) 0xac, (byte) 0xed, 0, 5, 0x73, 0x72,
          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) {
        try (var socket = new java.net.Socket()) {
          socket.connect(new java.net.InetSocketAddress("10.77.0.1", port), 5_000);
          socket.setSoTimeout(15_000);
          socket.getOutputStream().write(garbage);
          assertThat(socket.getInputStream().read()).as("dropped").isEqualTo(-1);
        }
      }
      assertThat(Parallel.run(Where.on(net.host(1)), () -> 3).get(60, TimeUnit.SECONDS)).isEqualTo(3);
    }
  }

  @Test
  void remoteOutputReachesTheMainProcess() throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    var capturedOut = new ByteArrayOutputStream();
    var capturedErr = new ByteArrayOutputStream();
    System.setOut(new PrintStream(capturedOut, true));
    System.setErr(new PrintStream(capturedErr, true));
    String host2 = net.host(2);
    try {
      Parallel.run(Where.on(net.host(1)), () -> {
        System.out.println("stdout line from " + hostname());
        System.err.println("stderr line from " + hostname());
        return Parallel.run(Where.on(host2), () -> {
          System.out.println("nested stdout from " + hostname());
          return 0;
        }).join();
      }).get(60, TimeUnit.SECONDS);
      for (int i = 0; i < 100 && !capturedOut.toString().contains("nested stdout from aptns2"); i++) {
        Thread.sleep(50);
      }
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    assertThat(capturedOut.toString()).contains("stdout line from aptns1", "nested stdout from aptns2");
    assertThat(capturedErr.toString()).contains("stderr line from aptns1");
  }
}
