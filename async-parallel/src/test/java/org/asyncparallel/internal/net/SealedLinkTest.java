package org.asyncparallel.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.Secret;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Links between machines (TCP) are encrypted and authenticated frame by frame: a wire tap sees
 * no payload, and a changed byte ends the link. Client, server and a recording proxy between
 * them run in this JVM, over loopback TCP.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SealedLinkTest {
  private static final String PAYLOAD = "the-payload-a-wire-tap-must-not-see";
  private final Secret secret = Secret.generate();
  private final LinkedBlockingQueue<Object> serverSaw = new LinkedBlockingQueue<>();
  private Listener listener;
  private Proxy proxy;

  @AfterEach
  void close() throws IOException {
    if (listener != null) {
      listener.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  /** A TCP listener that echoes every DATA frame and records what reached it. */
  private void startEchoServer() throws IOException {
    listener = Listener.openTcp(secret, 1 << 20, Duration.ofSeconds(10), (connected, first) -> {
      var connection = Connection.over("server", connected);
      connection.start(new Connection.Handler() {
        @Override
        public void onMessage(Message message) {
          serverSaw.add(message);
          connection.send(message);
        }

        @Override
        public void onClosed(String reason) {
          serverSaw.add("closed: " + reason);
        }
      });
    });
  }

  private Connection connectThroughProxy(LinkedBlockingQueue<Object> clientSaw) throws IOException {
    var opened = Connector.connect(new InetSocketAddress("127.0.0.1", proxy.port()), secret, 1 << 20,
        Duration.ofSeconds(10), new Message.Attach(7), false);
    assertThat(opened.connected().sealer()).as("a TCP link seals its frames").isNotNull();
    var connection = Connection.over("client", opened.connected());
    connection.start(new Connection.Handler() {
      @Override
      public void onMessage(Message message) {
        clientSaw.add(message);
      }

      @Override
      public void onClosed(String reason) {
        clientSaw.add("closed: " + reason);
      }
    });
    return connection;
  }

  @Test
  void aWireTapSeesNeitherPayloadNorFirstFrameInClear() throws Exception {
    startEchoServer();
    proxy = new Proxy(listener.port(), Long.MAX_VALUE);
    var clientSaw = new LinkedBlockingQueue<Object>();
    Connection client = connectThroughProxy(clientSaw);
    for (int i = 0; i < 50; i++) {
      client.send(new Message.Data((PAYLOAD + i).getBytes(StandardCharsets.UTF_8)));
    }
    for (int i = 0; i < 50; i++) {
      Object echoed = clientSaw.poll(10, TimeUnit.SECONDS);
      assertThat(echoed).isInstanceOf(Message.Data.class);
      assertThat(new String(((Message.Data) echoed).payload(), StandardCharsets.UTF_8)).isEqualTo(PAYLOAD + i);
    }
    client.abort("done");
    String tapped = proxy.recorded().toString(StandardCharsets.ISO_8859_1);
    assertThat(tapped.length()).isGreaterThan(50 * PAYLOAD.length());
    assertThat(tapped).doesNotContain(PAYLOAD).doesNotContain("the-payload");
  }

  @Test
  void largePlainBodiesAreSealedAndComeBackWholeAndTheSendersArrayIsItsOwn() throws Exception {
    startEchoServer();
    proxy = new Proxy(listener.port(), Long.MAX_VALUE);
    var clientSaw = new LinkedBlockingQueue<Object>();
    Connection client = connectThroughProxy(clientSaw);
    var random = new java.util.Random(9);
    var sent = new java.util.ArrayList<byte[]>();
    for (int size : new int[] {70_000, 300_000, 1000, (1 << 20) - 64}) {
      byte[] body = new byte[size];
      random.nextBytes(body);
      sent.add(body.clone());
      assertThat(client.write(new Message.Data(body, true))).isTrue();
      java.util.Arrays.fill(body, (byte) 0); // the caller's array, changed once write returned
    }
    for (byte[] expected : sent) {
      Object echoed = clientSaw.poll(10, TimeUnit.SECONDS);
      assertThat(echoed).isInstanceOf(Message.Data.class);
      assertThat(((Message.Data) echoed).plain()).isTrue();
      assertThat(((Message.Data) echoed).payload()).isEqualTo(expected);
    }
    client.abort("done");
    byte[] tapped = proxy.recorded().toByteArray();
    byte[] probe = java.util.Arrays.copyOfRange(sent.get(1), 1000, 1064);
    assertThat(new String(tapped, StandardCharsets.ISO_8859_1)).as("the wire (a large body's bytes must not be in clear)")
        .doesNotContain(new String(probe, StandardCharsets.ISO_8859_1)); // one char per byte
  }

  @Test
  void aChangedByteEndsTheLinkAndNothingForgedIsDelivered() throws Exception {
    startEchoServer();
    var clientSaw = new LinkedBlockingQueue<Object>();
    // the handshake is 70 + 38 + 32 bytes and the sealed ATTACH 5 + 8 + 16: change a byte after them
    proxy = new Proxy(listener.port(), 38 + 32 + 29 + 20);
    Connection client = connectThroughProxy(clientSaw);
    for (int i = 0; i < 20; i++) {
      client.send(new Message.Data((PAYLOAD + i).getBytes(StandardCharsets.UTF_8)));
    }
    Object last;
    do {
      last = serverSaw.poll(10, TimeUnit.SECONDS);
      assertThat(last).as("the server ends the link").isNotNull();
    } while (last instanceof Message);
    assertThat((String) last).contains("failed authentication");
    assertThat(serverSaw).isEmpty();
  }

  @Test
  void aPeerWithAnotherRuntimesSecretIsRefusedBeforeAnyFrame() throws Exception {
    startEchoServer();
    proxy = new Proxy(listener.port(), Long.MAX_VALUE);
    var result = CompletableFuture.supplyAsync(() -> {
      try {
        Connector.connect(new InetSocketAddress("127.0.0.1", proxy.port()), Secret.generate(), 1 << 20,
            Duration.ofSeconds(5), new Message.Attach(7), true);
        return "connected";
      } catch (IOException e) {
        return "refused: " + e.getMessage();
      }
    });
    assertThat(result.get(30, TimeUnit.SECONDS)).startsWith("refused");
    assertThat(serverSaw).isEmpty();
  }

  /** Forwards one TCP connection to the listener, recording client-to-server bytes; may flip one. */
  private static final class Proxy implements AutoCloseable {
    private final ServerSocket server;
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private final AtomicLong seen = new AtomicLong();
    private final long flipAt;
    private volatile Socket in;
    private volatile Socket out;

    Proxy(int target, long flipAt) throws IOException {
      this.server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
      this.flipAt = flipAt;
      Thread.ofPlatform().daemon().start(() -> {
        try {
          in = server.accept();
          out = new Socket("127.0.0.1", target);
          InputStream back = out.getInputStream();
          Thread.ofPlatform().daemon().start(() -> pump(back, in, false));
          pump(in.getInputStream(), out, true);
        } catch (IOException e) {
          // closed by the test
        }
      });
    }

    int port() {
      return server.getLocalPort();
    }

    synchronized ByteArrayOutputStream recorded() {
      return recorded;
    }

    private void pump(InputStream from, Socket to, boolean clientToServer) {
      byte[] buffer = new byte[8192];
      try {
        OutputStream sink = to.getOutputStream();
        int n;
        while ((n = from.read(buffer)) > 0) {
          synchronized (this) {
            recorded.write(buffer, 0, n);
          }
          if (clientToServer) {
            long before = seen.getAndAdd(n);
            if (flipAt >= before && flipAt < before + n) {
              buffer[(int) (flipAt - before)] ^= 0x01;
            }
          }
          sink.write(buffer, 0, n);
        }
      } catch (IOException e) {
        // one side closed
      } finally {
        try {
          to.shutdownOutput();
        } catch (IOException ignored) {
          // gone
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      if (in != null) {
        in.close();
      }
      if (out != null) {
        out.close();
      }
    }
  }
}
