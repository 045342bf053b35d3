package org.asyncparallel.internal.net;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.wire.FrameSealer;
import org.asyncparallel.internal.wire.Handshake;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.MessageCodec;
import org.asyncparallel.internal.wire.Secret;

/** Opens authenticated client sockets to a {@link Listener}. */
public final class Connector {
  private Connector() {}

  /**
   * An opened socket and the server's answer to the first message.
   *
   * @param connected the authenticated socket
   * @param reply the server's first message, or null when none was awaited
   */
  public record Opened(Connected connected, Message reply) {}

  /**
   * Connects, authenticates, sends the first message and, if asked, reads the server's reply, all
   * within {@code timeout}.
   *
   * @throws IOException if the listener cannot be reached, does not know the secret, or is silent
   */
  public static Opened connect(SocketAddress target, Secret secret, int maxFrameBytes,
      Duration timeout, Message first, boolean awaitReply) throws IOException {
    if (target instanceof UnixDomainSocketAddress) {
      return connectOnce(target, secret, maxFrameBytes, timeout, first, awaitReply);
    }
    // Over TCP, a link that is down for a moment (a cable, a switch, ARP) refuses a connect at
    // once ("No route to host"): try again for a few seconds before giving up. Only the connect
    // itself is retried; a peer that answers and then fails the handshake is not.
    long giveUp = System.nanoTime() + Math.min(timeout.toNanos(), RETRY_FOR.toNanos());
    for (long pause = 100; ; pause = Math.min(pause * 2, 1_000)) {
      try {
        return connectOnce(target, secret, maxFrameBytes, timeout, first, awaitReply);
      } catch (java.net.ConnectException | java.net.NoRouteToHostException e) {
        if (System.nanoTime() + pause * 1_000_000 > giveUp) {
          throw e;
        }
        try {
          Thread.sleep(pause);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** How long a TCP connect that is refused at once is tried again. */
  private static final Duration RETRY_FOR = Duration.ofSeconds(5);

  private static Opened connectOnce(SocketAddress target, Secret secret, int maxFrameBytes,
      Duration timeout, Message first, boolean awaitReply) throws IOException {
    SocketChannel socket = SocketChannel.open(target instanceof UnixDomainSocketAddress
        ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET);
    var plain = Connected.handshaking(socket, maxFrameBytes);
    var connected = plain;
    var deadline = Threads.TIMER.schedule(() -> plain.closeQuietly(), timeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      socket.connect(target);
      SocketOptions.apply(socket);
      var keys = Handshake.asClient(secret, plain.reader(), plain.writer());
      if (!(target instanceof UnixDomainSocketAddress)) {
        connected = plain.sealedWith(new FrameSealer(keys)); // a link between machines
      }
      connected.writeFirst(MessageCodec.encode(first));
      Message reply = null;
      if (awaitReply) {
        var answer = connected.readFirst();
        if (answer == null) {
          throw new java.io.EOFException("the server closed the connection without answering");
        }
        reply = MessageCodec.decode(answer);
      }
      if (!deadline.cancel(false)) {
        throw new IOException("timed out");
      }
      return new Opened(connected, reply);
    } catch (IOException | RuntimeException e) {
      plain.closeQuietly();
      if (deadline.isDone() && !deadline.isCancelled()) {
        throw new IOException("no answer from " + target + " within " + timeout, e);
      }
      deadline.cancel(false);
      throw e;
    }
  }
}
