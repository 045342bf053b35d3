package org.asyncparallel.internal.net;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.wire.Frame;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.MessageCodec;

/**
 * One authenticated link, with a reader thread and a writer thread.
 *
 * <ul>
 *   <li>{@link #send} only queues: it never blocks on the network. The writer thread drains the
 *       queue, gathering small frames into one write.
 *   <li>The reader thread decodes frames into {@link Message}s and hands them to the
 *       {@link Handler}; it never runs user code (handlers only queue).
 *   <li>The first failure (EOF, I/O error, protocol error, {@link #abort}) closes the socket, fails
 *       pending flush markers, drops queued frames, and calls {@link Handler#onClosed} exactly once.
 * </ul>
 *
 * A client connection may be <em>lazy</em>: its writer thread opens the socket first (connect,
 * handshake, first frame), so the caller never waits for it.
 */
public final class Connection {
  /** Receives what the reader thread reads. Both methods run on the reader thread. */
  public interface Handler {
    void onMessage(Message message) throws IOException;

    /** Called once, when the connection has ended, with the reason. */
    void onClosed(String reason);
  }

  /** Opens the socket of a lazy connection, on the writer thread. */
  @FunctionalInterface
  public interface Opener {
    Connected open() throws IOException;
  }

  private static final Object CLOSE = new Object();

  private record FlushMarker(CompletableFuture<Void> done) {}

  private final String name;
  private final Opener opener;
  private final LinkedBlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Connected connected;
  private volatile String endReason;
  private volatile boolean readerStarted;
  private Handler handler;

  private Connection(String name, Connected connected, Opener opener) {
    this.name = name;
    this.connected = connected;
    this.opener = opener;
  }

  /** A connection over a socket that is already open (the server side). */
  public static Connection over(String name, Connected connected) {
    return new Connection(name, connected, null);
  }

  /** A connection whose socket the writer thread opens first (the client side of a channel). */
  public static Connection lazy(String name, Opener opener) {
    return new Connection(name, null, opener);
  }

  /** Starts the threads. Call once. */
  public void start(Handler handler) {
    this.handler = handler;
    if (connected != null) {
      startReader();
    }
    Threads.startPlatform("write-" + name, this::writeLoop);
  }

  /** Queues a message. False (and the message dropped) if the connection has ended. */
  public boolean send(Message message) {
    if (ended.get()) {
      return false;
    }
    outbox.add(MessageCodec.encode(message));
    return !ended.get();
  }

  /**
   * Completes once everything queued before this call has been handed to the operating system;
   * fails with {@link ChannelClosedException} if the connection ends first. Completes on the
   * callback executor, never on an I/O thread.
   */
  public CompletableFuture<Void> flushed() {
    var done = new CompletableFuture<Void>();
    if (ended.get()) {
      done.completeExceptionally(closedException());
      return done;
    }
    outbox.add(new FlushMarker(done));
    if (ended.get()) {
      failMarkers();
    }
    return done;
  }

  /** Writes out what is queued, then closes the socket. Idempotent. */
  public void closeGracefully() {
    if (!ended.get()) {
      outbox.add(CLOSE);
    }
  }

  /** Closes the socket now; queued frames are dropped. Idempotent. */
  public void abort(String reason) {
    end(reason);
  }

  /** True once the connection has ended. */
  public boolean isEnded() {
    return ended.get();
  }

  /** Why the connection ended, or null while it lives. */
  public String endReason() {
    return endReason;
  }

  @Override
  public String toString() {
    return "Connection[" + name + (ended.get() ? ", ended: " + endReason : "") + "]";
  }

  private void writeLoop() {
    try {
      if (connected == null) {
        connected = opener.open();
        startReader();
      }
      List<FlushMarker> reached = new ArrayList<>();
      while (true) {
        Object item = outbox.take();
        do {
          if (item == CLOSE) {
            connected.writer().flush();
            completeAll(reached);
            end("closed by this side");
            return;
          } else if (item instanceof Frame frame) {
            connected.writer().write(frame.type(), frame.body());
          } else if (item instanceof FlushMarker marker) {
            reached.add(marker);
          }
          item = outbox.poll();
        } while (item != null);
        connected.writer().flush();
        completeAll(reached);
      }
    } catch (InterruptedException e) {
      end("writer interrupted");
    } catch (ClosedChannelException e) {
      end(endReason == null ? "socket closed" : endReason);
    } catch (IOException | RuntimeException e) {
      end("write failed: " + e.getMessage());
    } finally {
      if (!readerStarted) {
        callOnClosed();
      }
    }
  }

  private void startReader() {
    readerStarted = true;
    Threads.startPlatform("read-" + name, this::readLoop);
  }

  private void readLoop() {
    String reason = "the peer closed the connection";
    try {
      Frame frame;
      while ((frame = connected.reader().read()) != null) {
        handler.onMessage(MessageCodec.decode(frame));
      }
    } catch (ClosedChannelException e) {
      reason = endReason != null ? endReason : "socket closed";
    } catch (IOException e) {
      reason = "connection lost: " + e.getMessage();
    } catch (RuntimeException e) {
      reason = "handler failed: " + e;
    } finally {
      end(reason);
      callOnClosed();
    }
  }

  private final AtomicBoolean closedCalled = new AtomicBoolean();

  private void callOnClosed() {
    if (closedCalled.compareAndSet(false, true) && handler != null) {
      handler.onClosed(endReason);
    }
  }

  private void end(String reason) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    endReason = reason;
    Connected c = connected;
    if (c != null) {
      c.closeQuietly();
    }
    failMarkers();
    outbox.add(CLOSE); // wakes the writer thread, which then ends
  }

  private void failMarkers() {
    Object item;
    while ((item = outbox.poll()) != null) {
      if (item instanceof FlushMarker marker) {
        var failure = closedException();
        Threads.CALLBACKS.execute(() -> marker.done().completeExceptionally(failure));
      }
    }
  }

  private ChannelClosedException closedException() {
    return new ChannelClosedException("connection " + name + " ended: " + endReason);
  }

  private static void completeAll(List<FlushMarker> markers) {
    if (markers.isEmpty()) {
      return;
    }
    var done = List.copyOf(markers);
    markers.clear();
    Threads.CALLBACKS.execute(() -> done.forEach(m -> m.done().complete(null)));
  }
}
