package org.asyncparallel.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Records real connections to a Unix domain socket of a runtime: it moves the socket aside, listens
 * in its place, forwards each connection to the real socket and keeps what each client sent. So a
 * test gets the exact bytes of a real handshake and first frame, made by the library's own client
 * with the runtime's secret, to replay later. {@link #close()} puts the real socket back; the
 * connections made through the proxy go on through it until either side ends them.
 */
public final class RecordingProxy implements AutoCloseable {
  private final Path path;
  private final Path real;
  private final ServerSocketChannel server;
  private final List<ByteArrayOutputStream> sent = new ArrayList<>(); // guarded by itself
  private final List<String> errors = new ArrayList<>(); // guarded by itself

  private RecordingProxy(Path path, Path real, ServerSocketChannel server) {
    this.path = path;
    this.real = real;
    this.server = server;
  }

  /** Moves {@code socket} aside and starts recording the connections made to its path. */
  public static RecordingProxy interpose(Path socket) throws IOException {
    Path real = socket.resolveSibling(socket.getFileName() + ".real");
    Files.move(socket, real);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    var proxy = new RecordingProxy(socket, real, server);
    daemon("test-proxy-accept", proxy::acceptLoop);
    return proxy;
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      var record = new ByteArrayOutputStream();
      synchronized (sent) {
        sent.add(record);
      }
      try {
        SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(real));
        daemon("test-proxy-up", () -> pump(client, upstream, record));
        daemon("test-proxy-down", () -> pump(upstream, client, null));
      } catch (IOException e) {
        synchronized (errors) {
          errors.add("cannot reach " + real + ": " + e);
        }
        try {
          client.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }
  }

  private static void pump(SocketChannel from, SocketChannel to, ByteArrayOutputStream record) {
    ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
    try {
      while (from.read(buffer) >= 0) {
        buffer.flip();
        if (record != null) {
          synchronized (record) {
            record.write(buffer.array(), 0, buffer.limit());
          }
        }
        while (buffer.hasRemaining()) {
          to.write(buffer);
        }
        buffer.clear();
      }
    } catch (IOException e) {
      // either side ended
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // ending
      }
    }
  }

  /** What each client has sent so far, one entry per connection. */
  public List<byte[]> recorded() {
    List<byte[]> copies = new ArrayList<>();
    synchronized (sent) {
      for (ByteArrayOutputStream record : sent) {
        synchronized (record) {
          copies.add(record.toByteArray());
        }
      }
    }
    return copies;
  }

  /** Waits up to {@code millis} for a recorded connection that passes {@code test}. */
  public byte[] await(Predicate<byte[]> test, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      for (byte[] bytes : recorded()) {
        if (test.test(bytes)) {
          return bytes;
        }
      }
      Thread.sleep(20);
    }
    List<String> failed;
    synchronized (errors) {
      failed = List.copyOf(errors);
    }
    throw new AssertionError("no connection through the proxy at " + path + " sent what was awaited; recorded "
        + recorded().stream().map(b -> b.length + " bytes").toList() + "; errors " + failed);
  }

  /** Stops listening and puts the real socket back in its place. */
  @Override
  public void close() throws IOException {
    server.close();
    Files.deleteIfExists(path);
    Files.move(real, path);
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
  }
}
