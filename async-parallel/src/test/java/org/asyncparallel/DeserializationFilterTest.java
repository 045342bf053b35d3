package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.fixtures.Gadget;
import org.asyncparallel.internal.launch.Bootstrap;
import org.asyncparallel.internal.runtime.ProcessRuntime;
import org.asyncparallel.internal.runtime.RuntimeSettings;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code Config.deserializationFilter}: a runtime whose filter allows this class's own types and
 * {@code java.lang}/{@code java.util} only runs what it allows, and refuses a class it does not
 * ({@link Gadget}) wherever the class arrives: a task or body in its worker, a result in the
 * caller, a channel message on either side. Each refusal is a typed error that names the class
 * and the pattern; nothing hangs; the gadget's code never runs.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeserializationFilterTest {
  /** java.lang.* does not cover java.lang.invoke: every lambda passes by the library's exemption. */
  static final String PATTERN = "org.asyncparallel.DeserializationFilterTest*;java.lang.*;java.util.*;!*";

  record Point(int x, String label) implements Serializable {}

  /** A linked list, to make values nested as deeply as wanted. */
  static final class Link implements Serializable {
    Link next;
  }

  static Path markers;
  static int readsBefore; // Gadget.READS is counted for the whole JVM: other tests read gadgets too

  @BeforeAll
  static void init() throws IOException {
    markers = Files.createTempDirectory("asyncparallel-gadget-markers");
    readsBefore = Gadget.READS.get();
    Parallel.init(Config.builder().deserializationFilter(PATTERN).build());
  }

  @AfterAll
  static void shutdown() throws IOException {
    Parallel.shutdown().join();
    org.asyncparallel.internal.codec.Codec.useFilter(""); // the next runtime of this JVM sets its own
    for (Path marker : Gadget.markers(markers)) {
      Files.delete(marker);
    }
    Files.deleteIfExists(markers);
  }

  private static Throwable failureOf(CompletableFuture<?> future) throws Exception {
    try {
      Object value = future.get(60, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  private static void assertNoGadgetRan() {
    assertThat(Gadget.markers(markers)).as("gadget code that ran in some process").isEmpty();
    assertThat(Gadget.READS.get() - readsBefore).as("gadgets that ran in this process").isZero();
  }

  @Test
  void theOptionIsCheckedWhenTheConfigIsBuilt() {
    assertThat(Config.builder().build().deserializationFilter()).isEmpty();
    assertThat(Config.builder().deserializationFilter(PATTERN).build().deserializationFilter()).isEqualTo(PATTERN);
    assertThat(Config.builder().deserializationFilter(PATTERN).build().toString()).contains(PATTERN);
    assertThatThrownBy(() -> Config.builder().deserializationFilter("maxdepth=many").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxdepth=many");
    assertThatThrownBy(() -> Config.builder().deserializationFilter(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Config.builder().deserializationFilter("a".repeat(70_000)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
  }

  @Test
  void theFilterTravelsToWorkersInTheirBootstrapRecord() throws Exception {
    RuntimeSettings mine = ProcessRuntime.current().settings();
    assertThat(mine.deserializationFilter()).isEqualTo(PATTERN);
    var out = new ByteArrayOutputStream();
    new Bootstrap(mine, 7, new Endpoint("m", "/tmp/x.sock")).writeTo(out);
    var back = Bootstrap.readFrom(new java.io.ByteArrayInputStream(out.toByteArray()));
    assertThat(back.settings().deserializationFilter()).isEqualTo(PATTERN);
    assertThat(back.settings().workerMachine()).isEqualTo(mine.workerMachine());
    assertThat(Parallel.run(() -> ProcessRuntime.current().settings().deserializationFilter()).get())
        .isEqualTo(PATTERN);
  }

  @Test
  void allowedTasksResultsAndMessagesPass() throws Exception {
    assertThat(Parallel.run(() -> 21 * 2).get()).isEqualTo(42);
    Point p = new Point(1, "one");
    assertThat(Parallel.run(() -> new Point(p.x() + 1, p.label() + "!")).get()).isEqualTo(new Point(2, "one!"));
    assertThat(Parallel.run(() -> List.of(p, p)).get()).containsExactly(p, p);
    Spawned<Point, Point, String> echo = Parallel.<Point, Point, String>spawn(hub -> {
      for (HubEvent.Data<Point> m : hub.listenSimple()) {
        if (m.message().x() < 0) {
          return "stopped";
        }
        hub.send(m.client(), new Point(m.message().x() * 10, m.message().label()));
      }
      return "ended";
    }).get();
    echo.channel().write(new Point(4, "four"));
    assertThat(echo.channel().read()).isEqualTo(new Point(40, "four"));
    echo.channel().write(new Point(-1, "stop"));
    assertThat(echo.result().get()).isEqualTo("stopped");
  }

  @Test
  void theLibrarysOwnClassesAreAlwaysAllowed() throws Exception {
    Spawned<String, String, String> echo = Parallel.<String, String, String>spawn(hub -> {
      for (HubEvent.Data<String> m : hub.listenSimple()) {
        if (m.message().equals("stop")) {
          return "stopped";
        }
        hub.send(m.client(), "echo " + m.message());
      }
      return "ended";
    }).get();
    Channel<String, String> channel = echo.channel();
    // the task captures a channel: its serialized form is the library's (ChannelRef, HubAddress...)
    assertThat(Parallel.run(() -> {
      channel.write("from another worker");
      return channel.read();
    }).get()).isEqualTo("echo from another worker");
    channel.write("stop");
    assertThat(echo.result().get()).isEqualTo("stopped");
  }

  @Test
  void aTaskCapturingAForbiddenClassIsRefusedByItsWorker() throws Exception {
    Gadget gadget = new Gadget(markers);
    Throwable failure = failureOf(Parallel.run(() -> gadget.toString()));
    assertThat(failure).isInstanceOf(WorkerException.class)
        .hasMessageContaining("the task cannot be deserialized in this process: class "
            + Gadget.class.getName() + " is rejected by the deserialization filter")
        .hasMessageContaining(PATTERN);
    assertThat(((WorkerException) failure).remoteClassName()).isEqualTo(ParallelException.class.getName());
    assertNoGadgetRan();
    assertThat(Parallel.run(() -> "still working").get()).isEqualTo("still working");
  }

  @Test
  void aBodyCapturingAForbiddenClassIsRefusedByItsWorker() throws Exception {
    Gadget gadget = new Gadget(markers);
    Throwable failure = failureOf(Parallel.<String, String, String>spawn(hub -> gadget.toString()));
    assertThat(failure).isInstanceOf(WorkerException.class)
        .hasMessageContaining("the body cannot be deserialized in this process: class " + Gadget.class.getName()
            + " is rejected by the deserialization filter");
    assertNoGadgetRan();
  }

  @Test
  void aResultOfAForbiddenClassIsRefusedByTheCaller() throws Exception {
    String dir = markers.toString();
    Throwable failure = failureOf(Parallel.run(() -> new Gadget(Path.of(dir))));
    assertThat(failure).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("the worker's result cannot be deserialized in this process: class "
            + Gadget.class.getName() + " is rejected by the deserialization filter \"" + PATTERN + "\"");
    assertNoGadgetRan();
  }

  @Test
  void aForbiddenMessageToAHubFailsTheBodyThatReadsIt() throws Exception {
    Spawned<Object, Object, String> server = Parallel.<Object, Object, String>spawn(hub -> {
      for (HubEvent.Data<Object> m : hub.listenSimple()) {
        hub.send(m.client(), "got " + m.message());
      }
      return "ended";
    }).get();
    server.channel().write(new Gadget(markers));
    Throwable failure = failureOf(server.result());
    assertThat(failure).isInstanceOf(WorkerException.class)
        .hasMessageContaining("class " + Gadget.class.getName() + " is rejected by the deserialization filter");
    assertNoGadgetRan();
  }

  @Test
  void aForbiddenMessageFromAHubFailsTheReadAndTheChannelGoesOn() throws Exception {
    String dir = markers.toString();
    Spawned<String, Object, String> server = Parallel.<String, Object, String>spawn(hub -> {
      for (HubEvent.Data<String> m : hub.listenSimple()) {
        if (m.message().equals("stop")) {
          return "stopped";
        }
        hub.send(m.client(), new Gadget(Path.of(dir)));
        hub.send(m.client(), "after the gadget");
      }
      return "ended";
    }).get();
    Channel<String, Object> channel = server.channel();
    channel.write("go");
    assertThatThrownBy(channel::read).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("class " + Gadget.class.getName() + " is rejected by the deserialization filter");
    assertThat(channel.read()).isEqualTo("after the gadget");
    channel.write("stop");
    assertThat(server.result().get()).isEqualTo("stopped");
    assertNoGadgetRan();
  }

  /**
   * A result nested more deeply than the stack of the thread that decodes it (a callback thread of
   * the caller) fails the future: it must not leave it pending forever.
   */
  @Test
  void aResultTooDeepForTheCallersStackFailsTheFutureInsteadOfHangingIt() throws Exception {
    CompletableFuture<Link> future = Parallel.run(() -> {
      Link head = null;
      for (int i = 0; i < 1_000; i++) {
        Link link = new Link();
        link.next = head;
        head = link;
      }
      return head;
    });
    try {
      assertThat(future.get(60, TimeUnit.SECONDS)).isNotNull(); // this JVM's frames were small enough
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isExactlyInstanceOf(ParallelException.class)
          .hasMessageContaining("nested too deeply");
    }
  }
}
