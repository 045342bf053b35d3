package org.asyncparallel.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.benchmarks.tiny.RawPeer;

/**
 * The raw-socket baseline: this JVM and a second, bare JVM ({@link RawPeer}) connected by one
 * blocking {@link SocketChannel} over a Unix domain socket or TCP loopback, each side with 64 KiB
 * buffered streams. No serialization, no framing beyond the fixed message size.
 */
final class Raw implements AutoCloseable {
  final String transport;
  private final Process peer;
  private final SocketChannel ch;
  private final DataInputStream in;
  private final DataOutputStream out;
  private final Path socketFile;

  private Raw(String transport, Process peer, SocketChannel ch, Path socketFile) throws IOException {
    this.transport = transport;
    this.peer = peer;
    this.ch = ch;
    this.socketFile = socketFile;
    this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 64 * 1024));
    this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024));
  }

  /** Starts the peer JVM and waits for it to connect. transport: "uds" or "tcp". */
  static Raw open(String transport, Path dir, Path tinyClasses) throws IOException {
    ServerSocketChannel server;
    String where;
    Path file = null;
    if (transport.equals("uds")) {
      file = dir.resolve("raw-" + System.nanoTime() + ".sock");
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(file));
      where = file.toString();
    } else {
      server = ServerSocketChannel.open(StandardProtocolFamily.INET);
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      where = Integer.toString(((InetSocketAddress) server.getLocalAddress()).getPort());
    }
    Process peer = Procs.start(Procs.java("-cp", tinyClasses.toString(), RawPeer.class.getName(), transport, where)
        .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT));
    try (server) {
      SocketChannel ch = server.accept();
      if (transport.equals("tcp")) {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      }
      return new Raw(transport, peer, ch, file);
    } catch (IOException e) {
      Procs.kill(peer);
      throw e;
    }
  }

  private void command(char cmd, int count, int size) throws IOException {
    out.write(cmd);
    out.writeInt(count);
    out.writeInt(size);
  }

  /** Ping-pong: {@code count} round trips of {@code size} bytes; each round trip's nanoseconds. */
  long[] echo(int count, int size) throws IOException {
    command('E', count, size);
    out.flush();
    byte[] msg = new byte[size];
    byte[] back = new byte[size];
    long[] rt = new long[count];
    for (int i = 0; i < count; i++) {
      long t0 = System.nanoTime();
      out.write(msg);
      out.flush();
      in.readFully(back);
      rt[i] = System.nanoTime() - t0;
    }
    return rt;
  }

  /**
   * Ping-pong through the library's thread structure but without the library: here a writer
   * thread and a reader thread with a queue each; on the far side reader thread, queue, echoing
   * thread, queue, writer thread. Each round trip's nanoseconds.
   */
  long[] handoffEcho(int count, int size) throws Exception {
    command('H', count, size);
    out.flush();
    var outbox = new LinkedBlockingQueue<byte[]>();
    var inbox = new LinkedBlockingQueue<byte[]>();
    Thread writer = Thread.ofPlatform().start(() -> {
      try {
        for (int i = 0; i < count; i++) {
          out.write(outbox.take());
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        throw new RuntimeException(e);
      }
    });
    Thread reader = Thread.ofPlatform().start(() -> {
      try {
        for (int i = 0; i < count; i++) {
          byte[] m = new byte[size];
          in.readFully(m);
          inbox.add(m);
        }
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    long[] rt = new long[count];
    byte[] msg = new byte[size];
    for (int i = 0; i < count; i++) {
      long t0 = System.nanoTime();
      outbox.add(msg);
      if (inbox.poll(30, TimeUnit.SECONDS) == null) {
        throw new IOException("handoff echo: no answer in 30 s");
      }
      rt[i] = System.nanoTime() - t0;
    }
    writer.join();
    reader.join();
    return rt;
  }

  /**
   * One-way throughput: writes {@code count} messages of {@code size} bytes, then waits for the
   * peer's one-byte answer that it has read them all. Seconds from the first byte to the answer.
   */
  double sink(int count, int size) throws IOException {
    byte[] msg = new byte[size];
    long t0 = System.nanoTime();
    command('S', count, size);
    for (int i = 0; i < count; i++) {
      out.write(msg);
    }
    out.flush();
    int ack = in.read();
    long t1 = System.nanoTime();
    if (ack != 1) {
      throw new IOException("sink: bad answer " + ack);
    }
    return (t1 - t0) / 1e9;
  }

  @Override
  public void close() throws IOException {
    try {
      out.write('Q');
      out.flush();
    } catch (IOException e) {
      // the peer is gone already
    }
    ch.close();
    try {
      if (!peer.waitFor(5, TimeUnit.SECONDS)) {
        Procs.kill(peer);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Procs.kill(peer);
    }
    if (socketFile != null) {
      Files.deleteIfExists(socketFile);
    }
  }
}
