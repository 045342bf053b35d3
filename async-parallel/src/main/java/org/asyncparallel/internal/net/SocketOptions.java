package org.asyncparallel.internal.net;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;

/**
 * Options for every TCP socket: no Nagle delay, and keepalive probes after 2 s idle, every 1 s,
 * 3 of them, so an idle connection to a crashed or cut-off machine fails in about 5 s instead of
 * never. (Unix domain sockets need none: the kernel ends them with their process.)
 */
final class SocketOptions {
  private SocketOptions() {}

  static void apply(SocketChannel socket) throws IOException {
    if (!socket.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
      return; // a Unix domain socket
    }
    socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
    socket.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    if (socket.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
      socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 2);
      socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 1);
      socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
    }
  }
}
