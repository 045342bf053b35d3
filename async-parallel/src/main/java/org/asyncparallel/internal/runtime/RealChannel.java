package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.io.Serial;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.asyncparallel.Channel;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.Packed;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.net.Connector;
import org.asyncparallel.internal.wire.HubAddress;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.ProtocolException;

/**
 * A channel: a lazy client {@link Connection} to a hub. The first read or write starts it; its
 * writer thread connects, authenticates and attaches, so {@link #write} never waits. Messages from
 * the hub are queued raw and deserialized by the reading thread.
 *
 * <p>Serializable as its hub's address only ({@link ChannelRef}): a copy connects anew, as a new
 * client, wherever it is used.
 */
public final class RealChannel<A, B> implements Channel<A, B> {
  @Serial
  private static final long serialVersionUID = 1L;

  private final HubAddress address;
  private final transient RealInbox<Message.Data, B> inbox;
  /** Set once, under this object's monitor; read without it on the way of every write. */
  private transient volatile Connection connection;
  private transient ThreadPoolExecutor asyncReads; // guarded by this
  private transient volatile boolean closed;
  private transient volatile Arrivals arrivals; // the library's own consumer, instead of the inbox

  /**
   * The library's own consumer of a channel's messages (a pool reads its workers' replies so): it
   * gets each message's raw bytes as it arrives, on the thread that reads the connection (the I/O
   * thread, or a caller waiting for an answer that reads it itself), one at a time, then the
   * channel's end, and must not block or run user code.
   */
  public interface Arrivals {
    void onData(Message.Data data);

    void onEnd(String reason);
  }

  @SuppressWarnings("unchecked")
  RealChannel(HubAddress address) {
    this.address = address;
    this.inbox = new RealInbox<>(data -> {
      consumed(data.payload().length);
      return (B) Payloads.decodeFrom(data, address);
    });
  }

  /** Lets the connection read on once its consumer has caught up (backpressure). */
  private void consumed(int bytes) {
    Connection c = connection;
    if (c != null) {
      c.consumed(bytes);
    }
  }

  private Connection connection() {
    Connection c = connection;
    return c != null ? c : openConnection(); // no monitor on the way of every write once it is open
  }

  private synchronized Connection openConnection() {
    if (connection == null) {
      ProcessRuntime runtime = ProcessRuntime.current();
      RuntimeSettings settings = runtime.settings();
      Connection opened = Connection.lazy("channel-hub" + address.hubId(), () -> {
        var attached = Connector.connect(Routes.addressOf(address.endpoint(), settings), settings.secret(),
            settings.maxFrameBytes(),
            HubHost.HANDSHAKE_TIMEOUT, new Message.Attach(address.hubId()), true);
        if (attached.reply() instanceof Message.Refused refused) {
          attached.connected().closeQuietly();
          throw new IOException("the hub refused the channel: " + refused.reason());
        }
        if (!(attached.reply() instanceof Message.Attached)) {
          attached.connected().closeQuietly();
          throw new ProtocolException("the hub answered " + attached.reply());
        }
        return attached.connected();
      }, settings.dataBuffering());
      runtime.channelOpened(opened);
      inbox.readDirectlyFrom(new RealInbox.DirectReader() { // a waiting reader takes its messages from the socket
        @Override
        public boolean readWhile(BooleanSupplier waiting, long deadlineNanos)
            throws InterruptedException {
          return opened.readWhile(waiting, deadlineNanos);
        }

        @Override
        public void wakeUp() {
          opened.wakeDirect();
        }
      });
      connection = opened; // a write seen before start is queued until the link opens
      opened.start(new Connection.Handler() {
        @Override
        public void onMessage(Message message) throws IOException {
          if (!(message instanceof Message.Data data)) {
            throw new ProtocolException("a hub may only send DATA, not " + message.getClass().getSimpleName());
          }
          Arrivals direct = arrivals;
          if (direct != null) {
            opened.consumed(data.payload().length);
            direct.onData(data);
          } else {
            inbox.offer(data);
          }
        }

        @Override
        public void onClosed(String reason) {
          runtime.channelEnded(opened);
          String why = "the channel to " + address + " has ended: " + reason;
          inbox.finish(why);
          Arrivals direct = arrivals;
          if (direct != null) {
            direct.onEnd(why);
          }
        }
      });
    }
    return connection;
  }

  /**
   * The connection under a channel (opened now if it is not yet): a caller waiting for an answer
   * that arrives on it may read it itself ({@link Connection#borrowRead}).
   */
  public static Connection connectionOf(org.asyncparallel.Channel<?, ?> channel) {
    return ((RealChannel<?, ?>) channel).connection();
  }

  /**
   * Hands every message of this channel to {@code consumer} on the thread that reads it instead of
   * queueing it for {@link #read} (one thread hand-off less per message); then the channel's end.
   * Call before the channel's first use.
   */
  public static void deliverTo(org.asyncparallel.Channel<?, ?> channel, Arrivals consumer) {
    var real = (RealChannel<?, ?>) channel;
    synchronized (real) {
      if (real.connection != null) {
        throw new IllegalStateException("the channel is in use already");
      }
      real.arrivals = consumer;
    }
  }

  @Override
  public void write(A message) {
    send(encode(message));
  }

  @Override
  public Packed<A> prePack(A message) {
    return new PackedMessage<>(Payloads.snapshot(encode(message)));
  }

  private static Message.Data encode(Object message) {
    return Payloads.encode(message, "the message", ProcessRuntime.current().settings().maxFrameBytes());
  }

  @Override
  public void writePacked(Packed<A> packed) {
    if (!(packed instanceof PackedMessage<A> p)) {
      throw new IllegalArgumentException("not made by Channel.prePack: " + packed);
    }
    send(p.data());
  }

  private void send(Message.Data data) {
    if (!closed) {
      connection().write(data);
    }
  }

  @Override
  public B read() throws InterruptedException {
    if (closed) {
      throw new ChannelClosedException("the channel to " + address + " was closed by this process");
    }
    connection();
    return inbox.take();
  }

  @Override
  public CompletableFuture<B> readAsync() {
    var future = new CompletableFuture<B>();
    // queued under the monitor: close() shuts the reader down under it, so a read that found the
    // channel open is queued before that (and fails as closed), never rejected by a shut executor
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new ChannelClosedException("the channel to " + address + " was closed by this process"));
      }
      asyncReader().execute(() -> readInto(future));
    }
    return future;
  }

  /** On the async reader: one readAsync call, in call order. */
  private void readInto(CompletableFuture<B> future) {
    if (future.isDone()) {
      return;
    }
    try {
      Message.Data raw = closed ? null : takeRaw();
      if (raw == null) {
        throw new ChannelClosedException("the channel to " + address + " was closed by this process");
      }
      if (future.isCancelled()) {
        inbox.pushBack(raw);
        return;
      }
      future.complete(inbox.decode(raw));
    } catch (InterruptedException e) {
      future.completeExceptionally(new ChannelClosedException("interrupted", e));
    } catch (RuntimeException e) {
      future.completeExceptionally(e);
    }
  }

  private Message.Data takeRaw() throws InterruptedException {
    connection();
    return inbox.takeRaw();
  }

  /** One virtual thread at a time serves readAsync calls in order; it goes away when idle. */
  private synchronized ThreadPoolExecutor asyncReader() {
    if (asyncReads == null) {
      asyncReads = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
          Thread.ofVirtual().name("asyncparallel-read-async").factory());
    }
    return asyncReads;
  }

  @Override
  public CompletableFuture<Void> flushed() {
    if (closed) {
      return CompletableFuture.failedFuture(
          new ChannelClosedException("the channel to " + address + " was closed by this process"));
    }
    return connection().flushed();
  }

  @Override
  public void close() {
    Connection c;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      c = connection;
      if (asyncReads != null) {
        asyncReads.shutdown();
      }
    }
    // the reason readers get, set before the connection's own end (on the I/O thread) can set its
    inbox.finish("the channel to " + address + " was closed by this process");
    if (c != null) {
      c.closeGracefully();
    }
    inbox.close();
  }

  @Serial
  private Object writeReplace() {
    return new ChannelRef(address);
  }

  @Override
  public String toString() {
    return "Channel[to " + address + (closed ? ", closed" : "") + "]";
  }
}
