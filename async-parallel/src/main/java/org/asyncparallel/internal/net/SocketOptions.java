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
 * the runtime itself. (Unix domain sockets need no keepalive: the kernel ends them with their
 * process; they get a larger send buffer, {@link #UNIX_SEND_BUFFER_BYTES}.)
 */
final class SocketOptions {
  /**
   * The send buffer asked for on a Unix domain socket (Linux doubles it, within
   * {@code net.core.wmem_max}). The default, about 200 KiB, makes a writer of large messages stop
   * and wait for room several times per megabyte, a thread wake-up each time on both sides:
   * a 1 MiB stream went from about 45% to about 65% of a raw socket's rate with this. It is a bound,
   * not an allocation: the kernel holds only what the reader has not read yet.
   */
  static final int UNIX_SEND_BUFFER_BYTES = 1 << 20;

  private SocketOptions() {}

  static void apply(SocketChannel socket) throws IOException {
    if (!socket.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
      socket.setOption(StandardSocketOptions.SO_SNDBUF, UNIX_SEND_BUFFER_BYTES);
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
