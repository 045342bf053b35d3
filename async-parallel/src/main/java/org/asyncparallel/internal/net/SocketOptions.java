package org.asyncparallel.internal.net;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;

/**
 * Options for every TCP socket: no Nagle delay, and keepalive probes after 10 s idle, every 2 s,
 * 3 of them, so an idle connection to a crashed or cut-off machine fails in about 16 s instead of
 * never. Longer than the machine timeout (6 s by default, heartbeats on the agent link) on
 * purpose: a machine that comes back before it is declared lost keeps its idle links (the chaos
 * soak saw a 4 s cut end idle channels with 2 s + 3 x 1 s). A lost machine's links are ended by
 * the runtime itself. (Unix domain sockets need none: the kernel ends them with their process.)
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
      socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 10);
      socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 2);
      socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 3);
    }
  }
}
