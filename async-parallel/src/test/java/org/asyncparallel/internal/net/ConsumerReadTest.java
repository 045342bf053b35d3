package org.asyncparallel.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.Secret;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread that reads a connection's socket for itself ({@code readWhile}, {@code borrowRead}) over
 * a real Unix socket, in the cases where its read loop switches between reading and waiting: a
 * message that empties the socket but is not the one awaited, on a link whose reader has not
 * waited yet; a wait that ends by its deadline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsumerReadTest {
  private final Secret secret = Secret.generate();
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private Listener listener;
  private Connection server;
  private Connection client;
  @TempDir Path dir;

  @AfterEach
  void close() throws Exception {
    if (client != null) {
      client.abort("done");
    }
    if (server != null) {
      server.abort("done");
    }
    if (listener != null) {
      listener.close();
    }
  }

  /** A server end that can be written to, and a client end whose messages {@link #seen} records. */
  private void connect() throws Exception {
    var accepted = new CompletableFuture<Connection>();
    Path socket = dir.resolve("s.sock");
    listener = Listener.openUnix(socket, secret, 1 << 20, Duration.ofSeconds(10), (connected, first) -> {
      var connection = Connection.over("server", connected);
      connection.start(new Connection.Handler() {
        @Override
        public void onMessage(Message message) {}

        @Override
        public void onClosed(String reason) {}
      });
      accepted.complete(connection);
    });
    var opened = Connector.connect(UnixDomainSocketAddress.of(socket), secret, 1 << 20,
        Duration.ofSeconds(10), new Message.Attach(1), false);
    client = Connection.over("client", opened.connected());
    client.start(new Connection.Handler() {
      @Override
      public void onMessage(Message message) {
        seen.add(new String(((Message.Data) message).payload(), StandardCharsets.UTF_8));
      }

      @Override
      public void onClosed(String reason) {
        seen.add("closed: " + reason);
      }
    });
    server = accepted.get(10, TimeUnit.SECONDS);
    Thread.sleep(200); // the client's link is registered with the I/O thread
  }

  private void send(String text) {
    assertThat(server.write(new Message.Data(text.getBytes(StandardCharsets.UTF_8)))).isTrue();
  }

  /**
   * The first message is already in the socket when the borrower starts (the I/O thread, held up
   * by a task of this test, has not read it), and it is not all the borrower waits for: having read
   * it and emptied the socket, the borrower must open its selector and wait for the second.
   */
  /** Sends {@code text} from another thread 300 ms from now, when a reader has emptied the socket. */
  private void sendLater(String text) {
    Thread.ofPlatform().start(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        return;
      }
      send(text);
    });
  }

  @Test
  void aBorrowerThatReadsAMessageItDoesNotWaitForFirstThenWaitsForTheNext() throws Exception {
    connect();
    var ioThreadHeld = new java.util.concurrent.CountDownLatch(1);
    var release = new java.util.concurrent.CountDownLatch(1);
    IoLoop.get().execute(() -> {
      ioThreadHeld.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(ioThreadHeld.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      send("first"); // an idle link: written at once by this thread, not by the held I/O thread
      Thread.sleep(100); // in the client's socket now
      sendLater("second");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      assertThat(client.borrowRead(() -> seen.size() < 2, deadline)).isTrue();
      assertThat(seen).containsExactly("first", "second");
    } finally {
      release.countDown();
    }
  }

  @Test
  void aConsumerForGoodWaitingForASecondMessageReadsTheFirstThenWaitsForTheNext() throws Exception {
    connect();
    send("one");
    sendLater("two");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    assertThat(client.readWhile(() -> seen.size() < 2, deadline)).isTrue();
    assertThat(seen).containsExactly("one", "two");
    // and again, now that the link has its selector and the socket is empty: a wait to its deadline
    long shortDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    assertThat(client.readWhile(() -> seen.size() < 3, shortDeadline)).isTrue();
    assertThat(System.nanoTime()).isGreaterThanOrEqualTo(shortDeadline);
    send("three");
    assertThat(client.readWhile(() -> seen.size() < 3, deadline)).isTrue();
    assertThat(seen).containsExactly("one", "two", "three");
  }

  private void waitFor(int count) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (seen.size() < count && System.nanoTime() < end) {
      Thread.sleep(10);
    }
  }
}
