package org.asyncparallel.benchmarks.tiny;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The bare JVM round trip: a fresh JVM connects back to its starter over a Unix domain socket,
 * sends one 8-byte result (the id it was given), and exits.
 *
 * <p>Usage: {@code ConnectBack <socket path> <id>}.
 */
public final class ConnectBack {
  private ConnectBack() {}

  public static void main(String[] args) throws Exception {
    long id = Long.parseLong(args[1]);
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(Path.of(args[0])));
      ByteBuffer b = ByteBuffer.allocate(8).putLong(id).flip();
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
  }
}
