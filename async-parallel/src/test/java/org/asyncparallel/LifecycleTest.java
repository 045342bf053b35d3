package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** init and shutdown: the states, the misuse, and configuration errors. */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LifecycleTest {

  @Test
  void everythingFailsBeforeInitAndWorksAfterASecondInit() throws Exception {
    assertThatThrownBy(() -> Parallel.run(() -> 1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Parallel.init");
    assertThatThrownBy(() -> Parallel.spawn(h -> 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(Parallel::hub).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(Parallel::isWorkerMachine).isInstanceOf(IllegalStateException.class);

    Parallel.init();
    assertThatThrownBy(Parallel::init).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already");
    assertThat(Parallel.run(() -> 1).get()).isEqualTo(1);
    var first = Parallel.shutdown();
    first.get(30, TimeUnit.SECONDS);
    assertThat(Parallel.shutdown()).isSameAs(first);
    assertThatThrownBy(() -> Parallel.run(() -> 1)).isInstanceOf(IllegalStateException.class);

    Parallel.init();
    assertThat(Parallel.run(() -> 2).get()).isEqualTo(2);
    Parallel.shutdown().get(30, TimeUnit.SECONDS);
  }

  @Test
  void configValuesAreCheckedWhenBuilt() {
    assertThatThrownBy(() -> Config.builder().maxMessageBytes(10).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10");
    assertThatThrownBy(() -> Config.builder().sshCommand()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Config.builder().shutdownGracePeriod(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> Config.builder().workerJvmOptions(" ").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Cluster("a", List.of("b", "a"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a'");
    assertThatThrownBy(() -> Where.randomIn()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aJavaCommandThatDoesNotExistFailsInitNamingItAndTheMachine() throws Exception {
    String missing = "/nonexistent/jdk-21/bin/java";
    assertThatThrownBy(() -> Parallel.init(Config.builder().javaCommand(missing).build()))
        .isInstanceOf(ParallelException.class)
        .hasMessageContaining("machine '" + Cluster.localOnly().masterMachine() + "'")
        .hasMessageContaining("java launcher " + missing).hasMessageContaining("does not exist")
        .hasMessageContaining("JDK 21");
    assertThatThrownBy(() -> Parallel.run(() -> 1)).as("no runtime was left").isInstanceOf(IllegalStateException.class);
    Parallel.init();
    assertThat(Parallel.run(() -> 3).get()).isEqualTo(3);
    Parallel.shutdown().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aMessageAboveTheConfiguredMaximumFailsOnTheCallersThread() throws Exception {
    Parallel.init(Config.builder().maxMessageBytes(8192).build());
    try (Hub<byte[], byte[]> hub = Parallel.hub()) {
      Channel<byte[], byte[]> channel = hub.openChannel();
      assertThatThrownBy(() -> channel.write(new byte[10_000])).isInstanceOf(ParallelException.class)
          .hasMessageContaining("maxMessageBytes");
      channel.close();
    } finally {
      Parallel.shutdown().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void workerJvmOptionsApplyAndOutOfMemoryIsWorkerDied() throws Exception {
    Parallel.init(Config.builder().workerJvmOptions("-Xmx48m", "-Dasyncparallel.test.flag=yes").build());
    try {
      assertThat(Parallel.run(() -> System.getProperty("asyncparallel.test.flag")).get()).isEqualTo("yes");
      Throwable e = Parallel.run(() -> {
        List<long[]> hog = new java.util.ArrayList<>();
        while (true) {
          hog.add(new long[1 << 20]);
        }
      }).handle((v, t) -> t).get();
      assertThat(e).isInstanceOf(WorkerDiedException.class).hasMessageContaining("OutOfMemoryError");
    } finally {
      Parallel.shutdown().get(30, TimeUnit.SECONDS);
    }
  }

  /** The library's small initial heap gives way to the user's heap size, even a smaller one. */
  @Test
  void aHeapSmallerThanTheLibrarysInitialHeapIsTheUsers() throws Exception {
    Parallel.init(Config.builder().workerJvmOptions("-Xmx12m").build());
    try {
      long max = Parallel.run(() -> Runtime.getRuntime().maxMemory()).get(60, TimeUnit.SECONDS);
      assertThat(max).isLessThanOrEqualTo(12L << 20);
    } finally {
      Parallel.shutdown().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aWorkerThatCannotStartIsWorkerDiedWithItsStderr() throws Exception {
    Parallel.init(Config.builder().workerJvmOptions("-XX:+NoSuchJvmOptionAtAll").build());
    try {
      Throwable e = Parallel.run(() -> 1).handle((v, t) -> t).get();
      assertThat(e).isInstanceOf(WorkerDiedException.class).hasMessageContaining("NoSuchJvmOptionAtAll")
          .hasMessageContaining("before it connected");
    } finally {
      Parallel.shutdown().get(30, TimeUnit.SECONDS);
    }
  }
}
