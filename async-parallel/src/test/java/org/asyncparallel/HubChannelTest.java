package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.testing.LocalRuntime;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Hubs and channels between real processes, with the semantics of hub.mli and channel.mli. */
@ExtendWith({NoLeftoverProcesses.class, LocalRuntime.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HubChannelTest {
  @Test
  void eventsComeConnectThenDataInOrderThenDisconnect() throws Exception {
    try (Hub<Integer, String> hub = Parallel.hub()) {
      Channel<Integer, String> channel = hub.openChannel();
      Parallel.run(() -> {
        for (int i = 0; i < 3; i++) {
          channel.write(i);
        }
        channel.close();
        return 0;
      }).get();
      Inbox<HubEvent<Integer>> events = hub.listen();
      List<HubEvent<Integer>> seen = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        seen.add(events.poll(Duration.ofSeconds(10)).orElseThrow());
      }
      ClientId client = seen.get(0).client();
      assertThat(seen.get(0)).isEqualTo(new HubEvent.Connect<Integer>(client));
      assertThat(seen.subList(1, 4)).containsExactly(new HubEvent.Data<>(client, 0),
          new HubEvent.Data<>(client, 1), new HubEvent.Data<>(client, 2));
      assertThat(seen.get(4)).isInstanceOf(HubEvent.Disconnect.class);
      assertThat(seen.get(4).client()).isEqualTo(client);
      assertThat(hub.clients()).isEmpty();
    }
  }

  @Test
  void listenIsAllowedOnce() {
    try (Hub<String, String> hub = Parallel.hub()) {
      hub.listen();
      assertThatThrownBy(hub::listen).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(hub::listenSimple).isInstanceOf(IllegalStateException.class);
    }
    try (Hub<String, String> hub = Parallel.hub()) {
      hub.listenSimple();
      assertThatThrownBy(hub::listen).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void sendToAnUnknownClientIsDropped() {
    try (Hub<String, String> hub = Parallel.hub()) {
      hub.send(new ClientId(12345), "nobody");
      assertThat(hub.clients()).isEmpty();
    }
  }

  @Test
  void sendToAllReachesEveryClientAndSendReachesOne() throws Exception {
    try (Hub<String, String> hub = Parallel.hub()) {
      Inbox<HubEvent<String>> events = hub.listen();
      Channel<String, String> channel = hub.openChannel();
      List<CompletableFuture<String>> clients = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        clients.add(Parallel.run(() -> {
          channel.write("hello");
          String all = channel.read();
          String mine = channel.read();
          return all + "/" + mine;
        }));
      }
      List<ClientId> ids = new ArrayList<>();
      while (ids.size() < 3) {
        if (events.take() instanceof HubEvent.Data<String> d) {
          ids.add(d.client());
        }
      }
      assertThat(hub.clients()).containsExactlyInAnyOrderElementsOf(ids);
      hub.sendToAll("everyone");
      for (ClientId id : ids) {
        hub.send(id, "only " + id.value());
      }
      hub.flushed().get(10, TimeUnit.SECONDS);
      List<String> answers = new ArrayList<>();
      for (var client : clients) {
        answers.add(client.get());
      }
      assertThat(answers).containsExactlyInAnyOrderElementsOf(
          ids.stream().map(id -> "everyone/only " + id.value()).toList());
    }
  }

  @Test
  void closingTheHubEndsEveryClientsRead() throws Exception {
    Hub<String, String> hub = Parallel.hub();
    Inbox<HubEvent.Data<String>> messages = hub.listenSimple();
    Channel<String, String> channel = hub.openChannel();
    CompletableFuture<String> client = Parallel.run(() -> {
      channel.write("ready");
      try {
        String got = channel.read();
        return "unexpected " + got;
      } catch (ChannelClosedException e) {
        return "closed: " + e.getMessage();
      }
    });
    assertThat(messages.take().message()).isEqualTo("ready");
    hub.close();
    assertThat(client.get()).startsWith("closed: ");
    assertThatThrownBy(() -> messages.poll(Duration.ofMillis(10))).as("listen ends after close")
        .isInstanceOf(ChannelClosedException.class);
  }

  @Test
  void listenSimpleEndsWhenTheHubCloses() throws Exception {
    Hub<String, String> hub = Parallel.hub();
    Inbox<HubEvent.Data<String>> messages = hub.listenSimple();
    var seen = new java.util.concurrent.atomic.AtomicInteger();
    var consumer = CompletableFuture.supplyAsync(() -> {
      for (HubEvent.Data<String> ignored : messages) {
        seen.incrementAndGet();
      }
      return seen.get();
    });
    Channel<String, String> channel = hub.openChannel();
    Parallel.run(() -> {
      channel.write("a");
      channel.write("b");
      channel.flushed().get();
      return 0;
    }).get();
    for (int i = 0; i < 1000 && seen.get() < 2; i++) {
      Thread.sleep(10);
    }
    assertThat(consumer).as("the loop still runs while the hub is open").isNotDone();
    hub.close();
    assertThat(consumer.get(10, TimeUnit.SECONDS)).isEqualTo(2);
  }

  @Test
  void tenThousandMessagesArriveInOrderBothWays() throws Exception {
    Spawned<Integer, Integer, Integer> echo = Parallel.<Integer, Integer, Integer>spawn(hub -> {
      int n = 0;
      for (HubEvent.Data<Integer> m : hub.listenSimple()) {
        if (m.message() < 0) {
          return n;
        }
        hub.send(m.client(), m.message());
        n++;
      }
      return n;
    }).get();
    Channel<Integer, Integer> channel = echo.channel();
    int count = 10_000;
    for (int i = 0; i < count; i++) {
      channel.write(i);
    }
    for (int i = 0; i < count; i++) {
      assertThat(channel.read()).isEqualTo(i);
    }
    channel.write(-1);
    assertThat(echo.result().get()).isEqualTo(count);
  }

  @Test
  void aChannelCapturedInATaskConnectsThereAsANewClient() throws Exception {
    try (Hub<String, String> hub = Parallel.hub()) {
      Inbox<HubEvent<String>> events = hub.listen();
      Channel<String, String> channel = hub.openChannel();
      channel.write("from main");
      Parallel.run(() -> {
        channel.write("from worker");
        channel.flushed().get();
        return 0;
      }).get();
      List<ClientId> connects = new ArrayList<>();
      List<HubEvent.Data<String>> data = new ArrayList<>();
      while (data.size() < 2) {
        switch (events.take()) {
          case HubEvent.Connect<String> c -> connects.add(c.client());
          case HubEvent.Data<String> d -> data.add(d);
          case HubEvent.Disconnect<String> d -> { }
        }
      }
      assertThat(connects).hasSize(2);
      assertThat(data.get(0).client()).isNotEqualTo(data.get(1).client());
      assertThat(data).extracting(HubEvent.Data::message).containsExactlyInAnyOrder("from main", "from worker");
      channel.close();
    }
  }

  @Test
  void aChannelSentInsideAMessageWorksWhereItLands() throws Exception {
    try (Hub<String, String> results = Parallel.hub()) {
      Inbox<HubEvent.Data<String>> inbox = results.listenSimple();
      Spawned<Channel<String, String>, String, String> relay =
          Parallel.<Channel<String, String>, String, String>spawn(hub -> {
            HubEvent.Data<Channel<String, String>> m = hub.listenSimple().take();
            Channel<String, String> back = m.message();
            back.write("hello via a channel sent in a message, from pid " + ProcessHandle.current().pid());
            back.flushed().get();
            return "sent";
          }).get();
      relay.channel().write(results.openChannel());
      assertThat(relay.result().get()).isEqualTo("sent");
      assertThat(inbox.take().message()).startsWith("hello via a channel sent in a message");
    }
  }

  @Test
  void aHubSerializedElsewhereOpensChannelsButCannotListen() throws Exception {
    try (Hub<String, String> hub = Parallel.hub()) {
      Inbox<HubEvent.Data<String>> inbox = hub.listenSimple();
      String outcome = Parallel.run(() -> {
        try {
          hub.listen();
          return "listen worked elsewhere";
        } catch (IllegalStateException expected) {
          Channel<String, String> channel = hub.openChannel();
          channel.write("opened remotely");
          channel.flushed().get();
          return "ok";
        }
      }).get();
      assertThat(outcome).isEqualTo("ok");
      assertThat(inbox.take().message()).isEqualTo("opened remotely");
    }
  }

  @Test
  void aHubDeserializedInItsOwnProcessIsTheHubItself() throws Exception {
    try (Hub<String, String> hub = Parallel.hub()) {
      assertThat(Serialization.roundTrip(hub)).isSameAs(hub);
    }
  }

  @Test
  void readAsyncCompletesInCallOrderAndPrePackedMessagesArrive() throws Exception {
    Spawned<String, String, String> echo = Parallel.<String, String, String>spawn(hub -> {
      for (HubEvent.Data<String> m : hub.listenSimple()) {
        if (m.message().equals("stop")) {
          return "stopped";
        }
        hub.send(m.client(), m.message());
      }
      return "ended";
    }).get();
    Channel<String, String> channel = echo.channel();
    List<CompletableFuture<String>> reads = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      reads.add(channel.readAsync());
    }
    Packed<String> packed = channel.prePack("packed");
    for (int i = 0; i < 10; i++) {
      channel.write("m" + i);
      channel.writePacked(packed);
    }
    channel.flushed().get(10, TimeUnit.SECONDS);
    List<String> got = new ArrayList<>();
    for (var read : reads) {
      got.add(read.get(10, TimeUnit.SECONDS));
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      expected.add("m" + i);
      expected.add("packed");
    }
    assertThat(got).isEqualTo(expected);
    channel.write("stop");
    assertThat(echo.result().get()).isEqualTo("stopped");
    assertThatThrownBy(channel::read).isInstanceOf(ChannelClosedException.class);
  }

  @Test
  void aChannelToAClosedHubEndsWithChannelClosed() throws Exception {
    Hub<String, String> hub = Parallel.hub();
    Channel<String, String> channel = hub.openChannel();
    hub.close();
    assertThatThrownBy(channel::read).isInstanceOf(ChannelClosedException.class)
        .hasMessageContaining("refused");
  }

  @Test
  void readAfterCloseThrows() throws Exception {
    try (Hub<String, String> hub = Parallel.hub()) {
      Channel<String, String> channel = hub.openChannel();
      channel.write("x");
      channel.close();
      channel.close();
      assertThatThrownBy(channel::read).isInstanceOf(ChannelClosedException.class);
      assertThat(channel.flushed()).isCompletedExceptionally();
    }
  }

  @Test
  void writingAnUnserializableMessageFailsOnTheCallersThread() {
    try (Hub<Object, Object> hub = Parallel.hub()) {
      Channel<Object, Object> channel = hub.openChannel();
      assertThatThrownBy(() -> channel.write(new Object())).isInstanceOf(ParallelException.class)
          .hasMessageContaining("java.lang.Object");
      channel.close();
    }
  }

  @Test
  void aServerSpawnedByAWorkerOutlivesThatWorker() throws Exception {
    Channel<String, String> channel = Parallel.run(() -> {
      Spawned<String, String, String> server = Parallel.<String, String, String>spawn(hub -> {
        for (HubEvent.Data<String> m : hub.listenSimple()) {
          if (m.message().equals("stop")) {
            return "stopped";
          }
          hub.send(m.client(), "echo " + m.message());
        }
        return "ended";
      }).join();
      return server.channel();
    }).get();
    // the worker that spawned the server has returned and exited; the server still serves
    channel.write("still there?");
    assertThat(channel.read()).isEqualTo("echo still there?");
    channel.write("stop");
    assertThatThrownBy(channel::read).isInstanceOf(ChannelClosedException.class);
  }

  @Test
  void spawnResultAndFailures() throws Exception {
    Spawned<String, String, Integer> s = Parallel.<String, String, Integer>spawn(hub -> 7).get();
    assertThat(s.result().get()).isEqualTo(7);
    Spawned<String, String, Integer> f = Parallel.<String, String, Integer>spawn(hub -> {
      throw new IllegalStateException("body failed");
    }).get();
    assertThatThrownBy(() -> f.result().get()).hasCauseInstanceOf(WorkerException.class)
        .hasMessageContaining("body failed");
  }

  @Test
  void readAsyncAfterCloseIsAFailedFutureAndAPendingReadLearnsWhichChannelClosed() throws Exception {
    try (Hub<String, String> hub = Parallel.hub()) {
      Channel<String, String> channel = hub.openChannel();
      CompletableFuture<String> pending = channel.readAsync(); // the async reader exists now
      var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
      Thread reader = Thread.ofPlatform().start(() -> {
        try {
          channel.read();
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      Thread.sleep(300); // both wait now (the one reading the socket shows RUNNABLE, in epoll_wait)
      channel.close();
      reader.join(10_000);
      assertThat(reader.isAlive()).isFalse();
      assertThat(failure.get()).isInstanceOf(ChannelClosedException.class)
          .hasMessageContaining("was closed by this process");
      assertThatThrownBy(() -> channel.readAsync().get(10, TimeUnit.SECONDS))
          .hasCauseInstanceOf(ChannelClosedException.class).hasMessageContaining("closed by this process");
      assertThatThrownBy(() -> pending.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ChannelClosedException.class);
    }
  }

  @Test
  void readAsyncRacingCloseFailsAsClosedAndNeverThrows() throws Exception {
    // a readAsync that found the channel open while another thread closed it used to throw the
    // async reader's RejectedExecutionException (seen in the chaos soak)
    try (Hub<String, String> hub = Parallel.hub()) {
      for (int round = 0; round < 300; round++) {
        Channel<String, String> channel = hub.openChannel();
        var reads = new java.util.concurrent.ConcurrentLinkedQueue<CompletableFuture<String>>();
        var thrown = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        var go = new java.util.concurrent.CountDownLatch(1);
        Thread reader = Thread.ofPlatform().start(() -> {
          try {
            go.await();
            for (int i = 0; i < 50; i++) {
              reads.add(channel.readAsync());
            }
          } catch (Throwable e) {
            thrown.set(e);
          }
        });
        go.countDown();
        if (round % 2 == 0) {
          Thread.onSpinWait();
        }
        channel.close();
        reader.join(10_000);
        assertThat(thrown.get()).as("round %d", round).isNull();
        for (CompletableFuture<String> read : reads) {
          assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).as("round %d", round)
              .hasCauseInstanceOf(ChannelClosedException.class);
        }
      }
    }
  }

  @Test
  void largeByteArraysOfEverySizeCrossBothWaysWholeWhileTheWriterReusesItsArray() throws Exception {
    // large bodies are copied into direct chunks as they are written and gathered in chunks as
    // they are read: sizes around those thresholds, one writer array reused for all of them
    Spawned<Object, Object, Long> spawned = Parallel.<Object, Object, Long>spawn(hub -> {
      long bytes = 0;
      for (HubEvent.Data<Object> m : hub.listenSimple()) {
        if (m.message() instanceof byte[] b) {
          bytes += b.length;
          hub.send(m.client(), b);
        } else {
          return bytes;
        }
      }
      return -1L;
    }).get(60, TimeUnit.SECONDS);
    Channel<Object, Object> channel = spawned.channel();
    int chunk = 256 * 1024;
    int[] sizes = {32 * 1024 - 1, 32 * 1024, 64 * 1024 - 1, 64 * 1024, chunk - 1, chunk, chunk + 1,
        3 * chunk + 5, 4 << 20, 17, 1 << 20};
    byte[] reused = new byte[4 << 20];
    var random = new java.util.Random(21);
    var expected = new java.util.ArrayDeque<byte[]>();
    long total = 0;
    for (int round = 0; round < 3; round++) {
      for (int size : sizes) {
        random.nextBytes(reused);
        byte[] message = size == reused.length ? reused : java.util.Arrays.copyOf(reused, size);
        expected.add(message.clone());
        channel.write(message);
        total += size;
        if (size == reused.length) {
          java.util.Arrays.fill(reused, (byte) 1); // at once, while it may still be unwritten
        }
      }
    }
    while (!expected.isEmpty()) {
      Object back = channel.read();
      assertThat(back).isInstanceOf(byte[].class);
      assertThat((byte[]) back).isEqualTo(expected.poll());
    }
    channel.write("done");
    assertThat(spawned.result().get(60, TimeUnit.SECONDS)).isEqualTo(total);
  }

  @Test
  void byteArrayMessagesArriveAsTheyWereWhenWrittenEachTheReadersOwn() throws Exception {
    // a byte[] travels plain (its content is the frame), anything else through the codec: mixed here
    Spawned<Object, Object, String> spawned = Parallel.<Object, Object, String>spawn(hub -> {
      for (HubEvent.Data<Object> m : hub.listenSimple()) {
        if (m.message() instanceof byte[] bytes) {
          bytes[0]++; // the hub's own copy
          hub.send(m.client(), bytes);
          hub.sendToAll(new byte[] {7, 7});
        } else if ("bye".equals(m.message())) {
          return "done";
        } else {
          hub.send(m.client(), m.message());
        }
      }
      return "closed";
    }).get(60, TimeUnit.SECONDS);
    Channel<Object, Object> channel = spawned.channel();
    byte[] big = new byte[1 << 20];
    new java.util.Random(3).nextBytes(big);
    for (byte[] sent : new byte[][] {{1, 2, 3}, {0}, big}) {
      byte[] original = sent.clone();
      channel.write(sent);
      sent[0] = 99; // after write: the message already holds its own snapshot
      Object back = channel.read();
      original[0]++;
      assertThat(back).isInstanceOf(byte[].class);
      assertThat((byte[]) back).isEqualTo(original);
      assertThat(channel.read()).isEqualTo(new byte[] {7, 7});
      channel.write("text between");
      assertThat(channel.read()).isEqualTo("text between");
    }
    byte[] packedFrom = {5, 6};
    Packed<Object> packed = channel.prePack(packedFrom);
    packedFrom[0] = 0;
    channel.writePacked(packed);
    channel.writePacked(packed);
    assertThat((byte[]) channel.read()).containsExactly(6, 6);
    assertThat(channel.read()).isEqualTo(new byte[] {7, 7});
    assertThat((byte[]) channel.read()).containsExactly(6, 6);
    assertThat(channel.read()).isEqualTo(new byte[] {7, 7});
    channel.write("bye");
    assertThat(spawned.result().get(60, TimeUnit.SECONDS)).isEqualTo("done");
    channel.close();
  }
}
