package org.asyncparallel.chaos;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.asyncparallel.Channel;

/**
 * The client side of one echo stream, in the test JVM or in a worker: reads the server's
 * greeting (which connects the channel), says who it is, then keeps up to {@code window} messages
 * in flight and checks every echo ({@link Msg#check}). Reads with {@link Channel#read()} or, if
 * {@code async}, with {@link Channel#readAsync()}. Not thread-safe; {@link #sent()} and
 * {@link #received()} may be read from any thread.
 */
final class EchoClient {
  /** How long one read may wait; a longer wait is a hang ({@link TimeoutException}). */
  static final long READ_BOUND_SECONDS = 60;

  private final Channel<Msg, Msg> channel;
  private final long stream;
  private final int count;
  private final int window;
  private final boolean async;
  private volatile int sent;
  private volatile int received;
  private volatile String server = "an unknown server";

  EchoClient(Channel<Msg, Msg> channel, long stream, int count, int window, boolean async) {
    this.channel = channel;
    this.stream = stream;
    this.count = count;
    this.window = Math.max(1, window);
    this.async = async;
  }

  /** Reads the server's greeting and answers with this process's; returns the server's name. */
  String greet() throws Exception {
    Msg hello = next();
    if (hello.seq() != Msg.HELLO) {
      throw new IllegalStateException(Msg.VIOLATION + ": stream " + stream + " began with " + hello
          + " instead of the server's greeting");
    }
    server = hello.pad();
    channel.write(Msg.hello(stream));
    return server;
  }

  /** Sends {@code count} messages and checks their echoes, in order. */
  void run() throws Exception {
    while (received < count) {
      while (sent < count && sent - received < window) {
        channel.write(Msg.data(stream, sent));
        sent++;
      }
      next().check(stream, received, "the client of stream " + stream + " (echoes from " + server + ")");
      received++;
    }
  }

  int sent() {
    return sent;
  }

  int received() {
    return received;
  }

  /** The server's greeting ("pid N on HOST"), once read. */
  String server() {
    return server;
  }

  private Msg next() throws Exception {
    if (!async) {
      return channel.read();
    }
    try {
      return channel.readAsync().get(READ_BOUND_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new TimeoutException("readAsync of stream " + stream + " from " + server + " did not complete in "
          + READ_BOUND_SECONDS + " s (" + received + " of " + count + " echoes read)");
    }
  }
}
