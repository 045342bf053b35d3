package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.Serialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fast writer and a slow or stuck reader: buffers stay bounded, the writer waits, and nothing is
 * lost once the reader reads again.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackpressureTest {
  private static final int MESSAGE = 64 * 1024;
  private static final long BOUND = 16L << 20; // the default bound of each connection buffer

  @TempDir
  Path dir;

  @AfterEach
  void shutdown() {
    Parallel.shutdown().join();
  }

  @Test
  void aWriterToAHubThatDoesNotReadWaitsWithBoundedBuffersThenEverythingArrivesInOrder() throws Exception {
    Parallel.init();
    Path go = dir.resolve("go");
    String goFile = go.toString();
    int total = 1_000; // 64 MB: more than every buffer on the way together
    Spawned<byte[], Integer, Integer> spawned = Parallel.<byte[], Integer, Integer>spawn((Hub<byte[], Integer> hub) -> {
      while (!Files.exists(Path.of(goFile))) {
        Thread.sleep(20); // not reading: the messages pile up on the way
      }
      int next = 0;
      for (HubEvent.Data<byte[]> m : hub.listenSimple()) {
        int seq = ByteBuffer.wrap(m.message()).getInt();
        if (seq != next) {
          throw new IllegalStateException("message " + seq + " arrived where " + next + " was due");
        }
        if (++next == total) {
          hub.send(m.client(), next);
          hub.flushed().get();
          return next;
        }
      }
      return -1;
    }).get(60, TimeUnit.SECONDS);
    Channel<byte[], Integer> channel = spawned.channel();
    AtomicInteger written = new AtomicInteger();
    Thread writer = Thread.ofPlatform().start(() -> {
      for (int i = 0; i < total; i++) {
        byte[] message = new byte[MESSAGE];
        ByteBuffer.wrap(message).putInt(i);
        channel.write(message);
        written.incrementAndGet();
      }
    });
    // the writer comes to wait inside write: its buffer is full and the hub's process reads no more
    while (!(writer.getState() == Thread.State.WAITING && written.get() > 0)) {
      assertThat(writer.isAlive()).as("the writer waits before it has written everything").isTrue();
      Thread.sleep(20);
    }
    long buffered = (long) written.get() * MESSAGE;
    // this side's unwritten bound, the hub side's unread bound, and the sockets' own buffers
    assertThat(buffered).isGreaterThan(BOUND / 2).isLessThan(2 * BOUND + (8L << 20));
    Files.createFile(go);
    writer.join(60_000);
    assertThat(written.get()).isEqualTo(total);
    assertThat(channel.read()).isEqualTo(total);
    assertThat(spawned.result().get(60, TimeUnit.SECONDS)).isEqualTo(total);
  }

  @Test
  void aClientThatStopsReadingIsDroppedByTheBufferAgeLimitAndTheHubServesTheOthers() throws Exception {
    Parallel.init(Config.builder().maxBufferedBytes(64 * 1024).bufferAgeLimit(java.time.Duration.ofSeconds(1)).build());
    Spawned<String, Object, String> spawned = Parallel.<String, Object, String>spawn((Hub<String, Object> hub) -> {
      String dropped = "";
      for (HubEvent<String> event : hub.listen()) {
        if (event instanceof HubEvent.Disconnect<String> gone) {
          dropped = gone.reason();
        } else if (event instanceof HubEvent.Data<String> m && m.message().equals("flood")) {
          int sent = 0;
          while (hub.clients().contains(m.client())) {
            hub.send(m.client(), new byte[MESSAGE]); // waits while the client's buffer is full
            sent++;
          }
        } else if (event instanceof HubEvent.Data<String> m && m.message().equals("status")) {
          hub.send(m.client(), dropped);
        } else if (event instanceof HubEvent.Data<String> m && m.message().equals("bye")) {
          return "served on";
        }
      }
      return "ended";
    }).get(60, TimeUnit.SECONDS);
    Channel<String, Object> stuck = spawned.channel();
    Channel<String, Object> other = Serialization.roundTrip(stuck); // a second client of the same hub
    stuck.write("flood"); // and never read: its buffers fill, then nothing moves for a second
    String reason;
    do {
      other.write("status");
      reason = (String) other.read();
    } while (reason.isEmpty());
    assertThat(reason).contains("buffer age limit").contains("not reading");
    other.write("bye");
    assertThat(spawned.result().get(60, TimeUnit.SECONDS)).isEqualTo("served on");
    // the stuck client reads what reached it, then learns that its channel has ended
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
      while (true) {
        stuck.read();
      }
    }).isInstanceOf(ChannelClosedException.class);
  }
}
