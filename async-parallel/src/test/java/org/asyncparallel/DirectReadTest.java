package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.testing.LocalRuntime;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A thread waiting to read a channel, or a hub's events while the hub has one client, reads the
 * socket itself (no hand-off from the I/O thread). Whatever the mix of waiters, every message
 * reaches one of them, and the ways a wait ends (a message, a close, an interrupt, a second
 * client, a timeout) end it.
 */
@ExtendWith({NoLeftoverProcesses.class, LocalRuntime.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DirectReadTest {
  /** A worker that echoes every message back to its sender until it gets "stop". */
  private static Spawned<String, String, Integer> echo() throws Exception {
    return Parallel.<String, String, Integer>spawn(hub -> {
      var events = hub.listenSimple();
      int n = 0;
      while (true) {
        var event = events.take();
        if (event.message().equals("stop")) {
          return n;
        }
        if (event.message().startsWith("slow ")) {
          Thread.sleep(Long.parseLong(event.message().substring(5)));
        }
        hub.send(event.client(), event.message());
        n++;
      }
    }).get(60, TimeUnit.SECONDS);
  }

  @Test
  void aReaderAndAnAsyncReaderWaitingTogetherEachGetAMessage() throws Exception {
    var echo = echo();
    Channel<String, String> channel = echo.channel();
    channel.write("warm");
    assertThat(channel.read()).isEqualTo("warm"); // the link is read directly from here on
    CompletableFuture<String> async = channel.readAsync();
    var sync = new CompletableFuture<String>();
    Thread reader = Thread.ofPlatform().start(() -> {
      try {
        sync.complete(channel.read());
      } catch (Throwable t) {
        sync.completeExceptionally(t);
      }
    });
    Thread.sleep(100); // both wait: one reads the socket, the other waits for its turn or the inbox
    channel.write("slow 200");
    channel.write("b");
    assertThat(java.util.List.of(async.get(10, TimeUnit.SECONDS), sync.get(10, TimeUnit.SECONDS)))
        .containsExactlyInAnyOrder("slow 200", "b");
    reader.join();
    channel.write("stop");
    assertThat(echo.result().get(10, TimeUnit.SECONDS)).isEqualTo(3);
  }

  @Test
  void aReaderWaitingLongerThanItsSelectSlicesGetsTheAnswer() throws Exception {
    var echo = echo();
    Channel<String, String> channel = echo.channel();
    channel.write("slow 700");
    assertThat(channel.read()).isEqualTo("slow 700");
    channel.write("stop");
    echo.result().get(10, TimeUnit.SECONDS);
  }

  @Test
  void closingAChannelEndsAReadWaitingOnItsSocket() throws Exception {
    var echo = echo();
    Channel<String, String> channel = echo.channel();
    channel.write("warm");
    channel.read();
    var failed = new CompletableFuture<Throwable>();
    var waiting = new CountDownLatch(1);
    Thread reader = Thread.ofPlatform().start(() -> {
      waiting.countDown();
      try {
        channel.read();
        failed.complete(null);
      } catch (Throwable t) {
        failed.complete(t);
      }
    });
    waiting.await();
    Thread.sleep(200);
    channel.close();
    assertThat(failed.get(10, TimeUnit.SECONDS)).isInstanceOf(ChannelClosedException.class);
    reader.join();
    echo.result().cancel(true);
  }

  @Test
  void interruptingAReadWaitingOnItsSocketEndsIt() throws Exception {
    var echo = echo();
    Channel<String, String> channel = echo.channel();
    channel.write("warm");
    channel.read();
    var outcome = new CompletableFuture<Throwable>();
    Thread reader = Thread.ofPlatform().start(() -> {
      try {
        channel.read();
        outcome.complete(null);
      } catch (Throwable t) {
        outcome.complete(t);
      }
    });
    Thread.sleep(200);
    reader.interrupt();
    assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    // the channel still works for the next reader, and nothing was lost
    channel.write("after");
    assertThat(channel.read()).isEqualTo("after");
    channel.write("stop");
    echo.result().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aHubReadingItsSoleClientDirectlyHearsASecondClientAtOnce() throws Exception {
    try (Hub<String, String> hub = Parallel.hub()) {
      Channel<String, String> first = hub.openChannel();
      var events = hub.listenSimple();
      first.write("one");
      assertThat(events.take().message()).isEqualTo("one"); // the sole client: read directly
      var waiting = new CompletableFuture<String>();
      Thread taker = Thread.ofPlatform().start(() -> {
        try {
          waiting.complete(events.take().message());
        } catch (Throwable t) {
          waiting.completeExceptionally(t);
        }
      });
      Thread.sleep(200); // the taker now waits on the first client's socket
      Channel<String, String> second = hub.openChannel();
      second.write("two");
      assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo("two");
      taker.join();
      first.write("three"); // and the first client is still heard, now through the I/O thread
      assertThat(events.poll(Duration.ofSeconds(10)).orElseThrow().message()).isEqualTo("three");
      first.close();
      second.close();
    }
  }

  @Test
  void aPollOnAHubWithASoleClientTimesOut() throws Exception {
    try (Hub<String, String> hub = Parallel.hub()) {
      Channel<String, String> only = hub.openChannel();
      var events = hub.listenSimple();
      only.write("one");
      assertThat(events.take().message()).isEqualTo("one");
      assertThat(events.poll(Duration.ofMillis(300))).isEmpty();
      only.write("two");
      assertThat(events.poll(Duration.ofSeconds(10)).orElseThrow().message()).isEqualTo("two");
      only.close();
    }
  }

  @Test
  void aClosedHubEndsATakeWaitingOnItsSoleClient() throws Exception {
    Hub<String, String> hub = Parallel.hub();
    Channel<String, String> only = hub.openChannel();
    var events = hub.listenSimple();
    only.write("one");
    events.take();
    var outcome = new CompletableFuture<Throwable>();
    Thread taker = Thread.ofPlatform().start(() -> {
      try {
        events.take();
        outcome.complete(null);
      } catch (Throwable t) {
        outcome.complete(t);
      }
    });
    Thread.sleep(200);
    hub.close();
    assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(ChannelClosedException.class);
    taker.join();
    assertThatThrownBy(only::read).isInstanceOf(ChannelClosedException.class);
  }
}
