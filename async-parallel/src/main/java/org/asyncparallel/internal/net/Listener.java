package org.asyncparallel.internal.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.wire.Frame;
import org.asyncparallel.internal.wire.FrameSealer;
import org.asyncparallel.internal.wire.Handshake;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.MessageCodec;
import org.asyncparallel.internal.wire.ProtocolException;
import org.asyncparallel.internal.wire.Secret;

/**
 * A process's one listening socket. The accept thread only accepts; each new socket is
 * authenticated on its own virtual thread, within a deadline, and its first frame must be
 * {@code HELLO} or {@code ATTACH}. Anything else (garbage, a wrong secret, a slow peer, an
 * oversized length) drops that socket and nothing else; no byte of it reaches a deserializer.
 */
public final class Listener implements AutoCloseable {
  /** Takes over an authenticated socket whose first message was HELLO or ATTACH. */
  @FunctionalInterface
  public interface Acceptor {
    void accept(Connected connected, Message first);
  }

  private final ServerSocketChannel server;
  private final Path path; // null for TCP
  private final Secret secret;
  private final int maxFrameBytes;
  private final Duration handshakeTimeout;
  private final Acceptor acceptor;
  private volatile boolean closed;

  private Listener(ServerSocketChannel server, Path path, Secret secret,
      int maxFrameBytes, Duration handshakeTimeout, Acceptor acceptor) {
    this.server = server;
    this.path = path;
    this.secret = secret;
    this.maxFrameBytes = maxFrameBytes;
    this.handshakeTimeout = handshakeTimeout;
    this.acceptor = acceptor;
  }

  /** Binds a Unix domain socket at {@code path} and starts accepting. */
  public static Listener openUnix(Path path, Secret secret, int maxFrameBytes,
      Duration handshakeTimeout, Acceptor acceptor) throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path), 1024);
    return start(new Listener(server, path, secret, maxFrameBytes, handshakeTimeout, acceptor));
  }

  /** Binds a TCP port on every interface (any free port) and starts accepting. */
  public static Listener openTcp(Secret secret, int maxFrameBytes, Duration handshakeTimeout,
      Acceptor acceptor) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET);
    server.bind(new InetSocketAddress(0), 1024);
    return start(new Listener(server, null, secret, maxFrameBytes, handshakeTimeout, acceptor));
  }

  private static Listener start(Listener listener) {
    Threads.startPlatform("accept", listener::acceptLoop);
    return listener;
  }

  /** The TCP port (0 for a Unix domain socket). */
  public int port() {
    return path != null ? 0 : server.socket().getLocalPort();
  }

  /** Stops accepting and removes the socket file. Connections already made live on. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
      if (path != null) {
        Files.deleteIfExists(path);
      }
    } catch (IOException ignored) {
      // best effort: the runtime's directory is removed at shutdown anyway
    }
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        // e.g. too many open files: keep serving, but without spinning while none is free
        try {
          Thread.sleep(50);
        } catch (InterruptedException interrupted) {
          return;
        }
        continue;
      }
      try {
        SocketOptions.apply(socket);
      } catch (IOException e) {
        Connected.closeQuietly(socket);
        continue;
      }
      Threads.authenticate(() -> authenticate(socket));
    }
  }

  private void authenticate(SocketChannel socket) {
    var plain = Connected.handshaking(socket, maxFrameBytes);
    var deadline = Threads.TIMER.schedule(() -> plain.closeQuietly(),
        handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      var keys = Handshake.asServer(secret, plain.reader(), plain.writer());
      // a TCP peer is on another machine: its frames are sealed (a Unix socket's stay on this one)
      Connected connected = path == null ? plain.sealedWith(new FrameSealer(keys)) : plain;
      Frame frame = connected.readFirst();
      if (frame == null) {
        throw new ProtocolException("closed before its first frame");
      }
      Message first = MessageCodec.decode(frame);
      if (!(first instanceof Message.Hello) && !(first instanceof Message.Attach)) {
        throw new ProtocolException("first frame is " + first.getClass().getSimpleName());
      }
      if (!deadline.cancel(false)) {
        return; // the deadline closed the socket already
      }
      acceptor.accept(connected, first);
    } catch (IOException | RuntimeException e) {
      deadline.cancel(false);
      plain.closeQuietly();
    }
  }
}
