package org.asyncparallel.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.asyncparallel.internal.wire.Frame;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.MessageCodec;
import org.asyncparallel.internal.wire.Secret;

/**
 * A hostile client of a listening socket of a runtime: it sends whatever it is told, hand-writes
 * the handshake with any secret (and goes on after a failed check, as the real client would not),
 * and tells whether the server dropped it. Blocking; one thread.
 */
public final class HostilePeer implements AutoCloseable {
  private static final byte[] MAGIC_AND_VERSION = {'A', 'P', 'J', '1', 0, 1};
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-hostile-peer-timer");
    t.setDaemon(true);
    return t;
  });

  /** A listening socket of the runtime. */
  public sealed interface Target {
    String name();

    SocketChannel open() throws IOException;
  }

  public record Unix(String name, Path path) implements Target {
    @Override
    public SocketChannel open() throws IOException {
      return SocketChannel.open(UnixDomainSocketAddress.of(path));
    }
  }

  public record Tcp(String name, int port) implements Target {
    @Override
    public SocketChannel open() throws IOException {
      return SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    }
  }

  private final SocketChannel channel;
  private final byte[] clientNonce = Secret.randomBytes(Secret.BYTES);
  private boolean dropped;

  private HostilePeer(SocketChannel channel) {
    this.channel = channel;
  }

  public static HostilePeer connect(Target target) throws IOException {
    return new HostilePeer(target.open());
  }

  /** The socket, for the library's own client code. */
  public SocketChannel channel() {
    return channel;
  }

  /** Sends bytes; a server that has already dropped the connection makes this a no-op. */
  public HostilePeer send(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    try {
      while (buffer.hasRemaining() && !dropped) {
        channel.write(buffer);
      }
    } catch (IOException e) {
      dropped = true; // reset by the server: it has dropped us
    }
    return this;
  }

  /** The 38-byte hello of this peer (right magic and version, its own nonce). */
  public byte[] hello() {
    return ByteBuffer.allocate(38).put(MAGIC_AND_VERSION).put(clientNonce).array();
  }

  /**
   * Sends the hello, reads the server's challenge, and sends the proof {@code key} makes for it,
   * whether or not the server proved the secret. Returns false if the server sent no challenge.
   */
  public boolean handshakeWith(Secret key, Duration within) throws IOException {
    send(hello());
    byte[] challenge = read(70, within);
    if (challenge.length < 70) {
      return false;
    }
    byte[] serverNonce = java.util.Arrays.copyOfRange(challenge, 6, 38);
    send(key.mac("asyncparallel/client".getBytes(StandardCharsets.US_ASCII), clientNonce, serverNonce));
    return true;
  }

  /** The bytes of a frame carrying {@code message}. */
  public static byte[] frameOf(Message message) {
    Frame frame = MessageCodec.encode(message);
    return frameOf(frame.body().length + 1, frame.type(), frame.body());
  }

  /** The bytes of a frame with any length field at all. */
  public static byte[] frameOf(int length, byte type, byte[] body) {
    return ByteBuffer.allocate(5 + body.length).putInt(length).put(type).put(body).array();
  }

  /** Ends our direction: the server reads an end of stream. */
  public HostilePeer halfClose() {
    try {
      channel.shutdownOutput();
    } catch (IOException e) {
      dropped = true;
    }
    return this;
  }

  /** Reads up to {@code n} bytes (fewer if the stream ends or the time runs out). */
  public byte[] read(int n, Duration within) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(n);
    AtomicBoolean late = new AtomicBoolean();
    var alarm = TIMER.schedule(() -> {
      late.set(true);
      closeQuietly();
    }, within.toMillis(), TimeUnit.MILLISECONDS);
    try {
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // until n bytes or the end
      }
    } catch (IOException e) {
      if (late.get()) {
        throw new IOException("no answer within " + within, e);
      }
      dropped = true;
    } finally {
      alarm.cancel(false);
    }
    return java.util.Arrays.copyOf(buffer.array(), buffer.position());
  }

  /**
   * Reads and discards until the server closes the connection; true if it did within the bound,
   * false if it kept it open.
   */
  public boolean droppedWithin(Duration within) {
    if (dropped) {
      return true;
    }
    AtomicBoolean late = new AtomicBoolean();
    var alarm = TIMER.schedule(() -> {
      late.set(true);
      closeQuietly();
    }, within.toMillis(), TimeUnit.MILLISECONDS);
    ByteBuffer sink = ByteBuffer.allocate(4096);
    try {
      while (true) {
        sink.clear();
        if (channel.read(sink) < 0) {
          return !late.get();
        }
      }
    } catch (IOException e) {
      return !late.get(); // reset by the server, or closed by the alarm
    } finally {
      alarm.cancel(false);
    }
  }

  private void closeQuietly() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    closeQuietly();
  }
}
