package org.asyncparallel.benchmarks.tiny;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The far end of the raw-socket baselines: a second JVM that connects to the harness over a Unix
 * domain socket or TCP loopback (blocking {@link SocketChannel}, 64 KiB buffered streams, TCP_NODELAY)
 * and obeys commands, each a header {@code [u8 cmd][i32 count][i32 size]}:
 *
 * <ul>
 *   <li>{@code E}: echo {@code count} messages of {@code size} bytes, flushing each reply;
 *   <li>{@code H}: the same, but through a reader thread, a queue, an application thread, a queue
 *       and a writer thread (the library's thread structure, without the library);
 *   <li>{@code S}: sink: read {@code count} messages of {@code size} bytes, then answer one byte;
 *   <li>{@code Q}: quit.
 * </ul>
 *
 * <p>Usage: {@code RawPeer uds <socket path>} or {@code RawPeer tcp <port>}.
 */
public final class RawPeer {
  private RawPeer() {}

  public static void main(String[] args) throws Exception {
    SocketChannel ch;
    SocketAddress address;
    if (args[0].equals("uds")) {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      address = UnixDomainSocketAddress.of(Path.of(args[1]));
    } else {
      ch = SocketChannel.open(StandardProtocolFamily.INET);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      address = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
    }
    ch.connect(address);
    var in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 64 * 1024));
    var out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024));
    while (true) {
      int cmd = in.read();
      if (cmd < 0 || cmd == 'Q') {
        break;
      }
      int count = in.readInt();
      int size = in.readInt();
      byte[] buf = new byte[size];
      switch (cmd) {
        case 'E' -> {
          for (int i = 0; i < count; i++) {
            in.readFully(buf);
            out.write(buf);
            out.flush();
          }
        }
        case 'H' -> handoffEcho(in, out, count, size);
        case 'S' -> {
          for (int i = 0; i < count; i++) {
            in.readFully(buf);
          }
          out.write(1);
          out.flush();
        }
        default -> throw new IOException("unknown command " + cmd);
      }
    }
    ch.close();
  }

  /** Echo through reader thread -> queue -> this thread -> queue -> writer thread. */
  static void handoffEcho(DataInputStream in, DataOutputStream out, int count, int size)
      throws Exception {
    var inbox = new LinkedBlockingQueue<byte[]>();
    var outbox = new LinkedBlockingQueue<byte[]>();
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
    for (int i = 0; i < count; i++) {
      outbox.add(inbox.take());
    }
    reader.join();
    writer.join();
  }
}
