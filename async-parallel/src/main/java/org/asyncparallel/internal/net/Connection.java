package org.asyncparallel.internal.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.asyncparallel.ChannelClosedException;
import org.asyncparallel.ParallelException;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.wire.Frame;
import org.asyncparallel.internal.wire.FrameDecoder;
import org.asyncparallel.internal.wire.FrameSealer;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.MessageCodec;
import org.asyncparallel.internal.wire.ProtocolException;

/**
 * One authenticated link over a non-blocking socket, served by the process's {@link IoLoop}.
 *
 * <ul>
 *   <li>Sending never waits for the network. A send on an idle link writes at once from the
 *       caller's thread (one system call, no thread hand-off); a send that follows another within
 *       {@value #BATCH_WINDOW_NANOS} ns with nothing read from the link in between (a stream, not
 *       an answer: a ping-pong faster than the window would otherwise pay two thread hand-offs per
 *       message), or finds the socket full, only appends, and the I/O thread writes what has
 *       gathered in as few writes as it can.
 *   <li>{@link #write} (user data) waits while the bytes not yet taken by the socket exceed the
 *       {@link Buffering} bound; {@link #send} (the library's own control messages) never waits.
 *       With an age limit, data left unwritten for longer ends the connection.
 *   <li>The I/O thread reads, cuts frames, decodes {@link Message}s and hands them to the
 *       {@link Handler}; it never runs user code (handlers only queue). A thread waiting for what
 *       the link brings may read it itself instead ({@link #readWhile}, {@link #borrowRead}).
 *   <li>The first failure (EOF, I/O error, protocol error, age limit, {@link #abort}) closes the
 *       socket, fails pending flush markers, drops what was unwritten, wakes waiting writers, and
 *       calls {@link Handler#onClosed} exactly once, on the I/O thread, after the last
 *       {@link Handler#onMessage}.
 * </ul>
 *
 * A client connection may be <em>lazy</em>: a pool thread opens its socket (connect, handshake,
 * first frame), so the caller never waits; what is sent meanwhile is written once it is open.
 *
 * <p>Implementation notes. One thread at a time writes to the socket: the <em>flusher</em>
 * ({@link #flusher}, guarded by {@link #lock}), either a sending caller or the I/O thread. The lock
 * guards the {@link Outbox} and the flusher role; it is held for queue operations, never across
 * a write (the socket is non-blocking in any case).
 */
public final class Connection {
  /**
   * Receives what the connection reads. {@code onMessage} runs on the thread that reads: the I/O
   * thread, or a consumer reading for itself ({@link #readWhile}, {@link #borrowRead}), one at a
   * time and in order; {@code onClosed} on the I/O thread. Neither may block (a write from a
   * handler does not wait for room) or run user code.
   */
  public interface Handler {
    void onMessage(Message message) throws IOException;

    /**
     * Called after the messages of one read (one or many) have gone to {@link #onMessage}, on the
     * same thread: a handler that gathers them hands them on here, in one step, if {@code keep};
     * else (the connection has ended meanwhile) it drops them.
     */
    default void onReadEnd(boolean keep) {}

    /** Called once, when the connection has ended, with the reason. */
    void onClosed(String reason);
  }

  /** Opens the socket of a lazy connection, on a pool thread. */
  @FunctionalInterface
  public interface Opener {
    Connected open() throws IOException;
  }

  /**
   * Bounds on what a connection holds, each way.
   *
   * @param maxUnwrittenBytes {@link #write} waits while more than this is unwritten (a single larger
   *     message still goes, alone); and the I/O thread stops reading the socket while more than
   *     this of its DATA payloads wait unconsumed ({@link #consumed}), so that a slow reader holds
   *     back its writer through the socket instead of growing this process's memory
   * @param ageLimit data unwritten for longer ends the connection; null for no limit
   */
  public record Buffering(long maxUnwrittenBytes, Duration ageLimit) {
    /** No bound: control links, whose messages are the library's own and few. */
    public static final Buffering UNBOUNDED = new Buffering(Long.MAX_VALUE, null);
  }

  private enum Flusher { NONE, CALLER, LOOP }

  /** Sends closer together than this are gathered by the I/O thread rather than written apart. */
  static final long BATCH_WINDOW_NANOS = 20_000;
  private static final int STAGE_BYTES = 16 * 1024;

  private final String name;
  private final Opener opener;
  private final Buffering buffering;
  private final IoLoop loop = IoLoop.get();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition roomOrEnd = lock.newCondition();
  private final Outbox outbox; // guarded by lock
  private Flusher flusher = Flusher.NONE; // guarded by lock
  private boolean ready; // guarded by lock: registered with the loop, non-blocking
  private boolean closing; // guarded by lock: closeGracefully was called
  /**
   * When the last send that found no flusher decided who writes, or when a flush ended after sends
   * had queued behind it (guarded by lock): a send within {@value #BATCH_WINDOW_NANOS} ns of it,
   * with nothing read in between, belongs to a stream.
   */
  private long lastSendNanos;
  private boolean sentWhileFlushing; // guarded by lock: sends queued behind the current flusher
  /** {@link #readsArrived} at the last send (guarded by lock): a send that answers is not gathered. */
  private long arrivedAtLastSend;
  /**
   * Reads that brought bytes, counted before their frames are delivered (once per read, not per
   * frame: a volatile write is a fence); written by the thread that holds {@link #reading}.
   */
  private volatile long readsArrived;
  /** DATA payload bytes delivered by the current read, added to {@link #unread} once it is delivered. */
  private long deliveredBytes;
  private ScheduledFuture<?> ageCheck; // guarded by lock
  private ByteBuffer stage; // the flusher's: bytes copied, not yet written (write mode); made when first needed
  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicBoolean closedCalled = new AtomicBoolean();
  private volatile String endReason;
  private volatile SocketChannel socket;
  private volatile FrameSealer sealer; // null on links within a machine; sealing under lock
  private volatile Handler handler;
  // the I/O thread's
  private ByteBuffer readAhead;
  private FrameDecoder decoder;
  private SelectionKey key;
  private boolean writeWanted;
  private volatile boolean readPaused; // written by the I/O thread only; read by consumers too
  /** DATA payload bytes delivered to the handler and not yet consumed. */
  private final AtomicLong unread = new AtomicLong();
  private final FrameDecoder.Sink frames = this::onFrame;
  /** The last read took less than it could: the socket had no more (the reader's, under {@link #reading}). */
  private boolean drained;

  private Connection(String name, Connected connected, Opener opener, Buffering buffering) {
    this.name = name;
    this.opener = opener;
    this.buffering = buffering;
    this.outbox = new Outbox(buffering.ageLimit() != null);
    if (connected != null) {
      adopt(connected);
    }
  }

  /** A connection over a socket that is already open (the server side), without bounds. */
  public static Connection over(String name, Connected connected) {
    return new Connection(name, connected, null, Buffering.UNBOUNDED);
  }

  /** A connection over a socket that is already open, with bounds on unwritten data. */
  public static Connection over(String name, Connected connected, Buffering buffering) {
    return new Connection(name, connected, null, buffering);
  }

  /** A connection whose socket a pool thread opens first (the client side of a channel). */
  public static Connection lazy(String name, Opener opener, Buffering buffering) {
    return new Connection(name, null, opener, buffering);
  }

  /** Starts serving: registers with the I/O thread, or first opens the socket. Call once. */
  public void start(Handler handler) {
    this.handler = handler;
    if (socket != null) {
      loop.execute(this::register);
    } else {
      Threads.open(this::open);
    }
  }

  /** Queues a control message; never waits. False (and the message dropped) if the link ended. */
  public boolean send(Message message) {
    return enqueue(MessageCodec.encode(message), false);
  }

  /**
   * Queues user data, first waiting while the unwritten bytes exceed the bound (never on the I/O
   * thread). False (and the message dropped) if the link has ended or ends while waiting.
   *
   * @throws ParallelException if interrupted while waiting (the interrupt flag is kept)
   */
  public boolean write(Message message) {
    return enqueue(MessageCodec.encode(message), true);
  }

  /**
   * Completes once everything queued before this call has been handed to the operating system;
   * fails with {@link ChannelClosedException} if the connection ends first. Completes on the
   * callback executor, never on the I/O thread.
   */
  public CompletableFuture<Void> flushed() {
    lock.lock();
    try {
      if (!ended.get()) {
        return outbox.marker().thenApplyAsync(v -> v, Threads.CALLBACKS);
      }
    } finally {
      lock.unlock();
    }
    return CompletableFuture.failedFuture(closedException());
  }

  /** Writes out what is queued, then closes the socket. Idempotent. */
  public void closeGracefully() {
    boolean now;
    lock.lock();
    try {
      closing = true;
      now = ready && flusher == Flusher.NONE && outbox.unwritten() == 0;
    } finally {
      lock.unlock();
    }
    if (now) {
      end("closed by this side");
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

  SocketChannel socket() {
    return socket;
  }

  // ---- opening and registering

  private void adopt(Connected connected) {
    readAhead = connected.reader().takeBuffered();
    decoder = new FrameDecoder(connected.reader().maxFrameBytes() + FrameSealer.OVERHEAD);
    sealer = connected.sealer();
    socket = connected.channel();
  }

  private void open() {
    Connected connected;
    try {
      connected = opener.open();
    } catch (IOException | RuntimeException e) {
      end("could not connect: " + e.getMessage());
      return;
    }
    lock.lock();
    try {
      adopt(connected);
      FrameSealer s = sealer;
      if (s != null) {
        outbox.replaceAll(s::seal); // what was sent before the link opened, in order
      }
    } finally {
      lock.unlock();
    }
    loop.execute(this::register);
  }

  /** On the I/O thread: switches the socket to non-blocking, then reads and writes what waits. */
  private void register() {
    if (ended.get()) {
      Connected.closeQuietly(socket);
      dispatchClosed();
      return;
    }
    try {
      key = loop.register(this);
    } catch (IOException | RuntimeException e) {
      end("cannot watch the socket: " + e);
      return;
    }
    if (readAhead.hasRemaining()) {
      deliver(readAhead);
    }
    readAhead = null;
    registeredKey = key;
    boolean flush;
    boolean close;
    lock.lock();
    try {
      ready = true;
      flush = flusher == Flusher.NONE && outbox.unwritten() > 0;
      close = closing && !flush;
      if (flush) {
        flusher = Flusher.LOOP;
      }
    } finally {
      lock.unlock();
    }
    if (flush) {
      flush(true);
    } else if (close) {
      end("closed by this side");
    }
  }

  // ---- writing

  private boolean enqueue(Frame frame, boolean mayWait) {
    OutFrame chunked = inChunks(frame);
    boolean flushHere = false;
    boolean queued = false;
    lock.lock();
    try {
      if (mayWait) {
        awaitRoom(Frame.HEADER_BYTES + frame.body().length);
      }
      if (ended.get()) {
        return false;
      }
      boolean timed = outbox.timed();
      long now = timed ? System.nanoTime() : 0;
      if (chunked != null) {
        outbox.add(chunked, now);
      } else if (socket != null && sealer == null && Outbox.fitsSegment(frame.body().length)) {
        outbox.addSmall(frame.type(), frame.body(), now); // copied once, into the bytes that are written
      } else {
        outbox.add(owned(frame), now);
      }
      queued = true;
      if (timed) {
        watchAge();
      }
      long arrived = readsArrived;
      boolean answer = arrived != arrivedAtLastSend;
      arrivedAtLastSend = arrived;
      if (!ready || flusher != Flusher.NONE) {
        sentWhileFlushing = true; // no clock here: the flush's end stands for this send's time
        return true;
      }
      long decided = System.nanoTime(); // only when deciding who writes: not once per message of a stream
      boolean gather = (decided - lastSendNanos < BATCH_WINDOW_NANOS && !answer) || loop.inLoop();
      lastSendNanos = decided;
      if (gather) {
        flusher = Flusher.LOOP;
        loop.execute(() -> flush(true));
      } else {
        flusher = Flusher.CALLER;
        flushHere = true;
      }
    } finally {
      lock.unlock();
      if (!queued && chunked != null) {
        chunked.release();
      }
    }
    if (flushHere) {
      flush(false);
    }
    return true;
  }

  /**
   * A large plain {@code byte[]} body copied into direct chunks, on a link that is open and does
   * not seal (outside the lock: a copy of megabytes must not hold up the flusher); else null. A
   * plain body is the caller's own array (the caller may change it once the write returns), so it
   * is copied here or in {@link #owned}, never kept.
   */
  private OutFrame inChunks(Frame frame) {
    if (frame.type() != MessageCodec.DATA_BYTES || frame.body().length < Outbox.DIRECT_BODY_BYTES
        || socket == null || sealer != null) { // socket is set after sealer, once the link is open
      return null;
    }
    return OutFrame.copiedToChunks(frame.type(), frame.body());
  }

  /**
   * The frame to queue (lock held, so frames are sealed in the order they are written): sealed on
   * a link that seals (a copy), or a plain body copied. A lazy link learns whether it seals when it
   * opens: until then its frames wait plain, and {@link #open} seals them before the first write.
   */
  private OutFrame owned(Frame frame) {
    FrameSealer s = sealer;
    if (s != null) {
      return OutFrame.of(s.seal(frame));
    }
    byte[] body = frame.type() == MessageCodec.DATA_BYTES ? frame.body().clone() : frame.body();
    return new OutFrame(frame.type(), body.length, body, null);
  }

  /**
   * Waits (lock held) while the unwritten bytes leave no room; never on a thread that delivers what
   * a connection read (the I/O thread, or a consumer reading for itself): a handler's write must
   * not wait for a peer that may itself wait for that thread to read.
   */
  private void awaitRoom(int bytes) {
    long max = buffering.maxUnwrittenBytes();
    if (max == Long.MAX_VALUE || loop.inLoop() || DELIVERING.get()[0]) {
      return;
    }
    while (!ended.get() && outbox.unwritten() > 0 && outbox.unwritten() + bytes > max) {
      try {
        roomOrEnd.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ParallelException("interrupted while waiting for room in the buffer of " + name
            + " (" + outbox.unwritten() + " bytes unwritten; the reader is slower than the writer)", e);
      }
    }
  }

  /**
   * Writes as the flusher until nothing is left, the socket is full (then the I/O thread takes
   * over, when the socket has room), or, for a caller, a few rounds have passed (then the I/O thread
   * takes over, so that other threads' sends cannot keep a caller writing).
   */
  private void flush(boolean onLoop) {
    for (int round = 0; ; round++) {
      ByteBuffer[] direct = null;
      lock.lock();
      try {
        if (ended.get()) {
          return;
        }
        if (stage == null || stage.position() == 0) {
          direct = outbox.directSlices();
        }
        if (direct == null) {
          if (stage == null) { // only once a frame goes through it: a link of small frames writes from segments
            stage = ByteBuffer.allocate(STAGE_BYTES);
          }
          outbox.copyInto(stage);
        }
      } finally {
        lock.unlock();
      }
      long n;
      try {
        if (direct != null) {
          n = direct.length == 1 ? socket.write(direct[0]) : socket.write(direct); // write, not writev, for one buffer
        } else {
          stage.flip();
          n = socket.write(stage);
          stage.compact();
        }
      } catch (IOException e) {
        end("connection lost: " + e.getMessage());
        return;
      }
      boolean full = direct != null ? direct[direct.length - 1].hasRemaining() : stage.position() > 0;
      boolean done;
      boolean close = false;
      List<CompletableFuture<Void>> reached;
      lock.lock();
      try {
        if (ended.get()) {
          return; // the outbox was cleared meanwhile (what was written went to a closed socket)
        }
        if (direct != null) {
          outbox.tookDirect((int) n);
        }
        reached = outbox.wrote(n);
        if (n > 0 && outbox.unwritten() <= buffering.maxUnwrittenBytes() / 2) {
          roomOrEnd.signalAll(); // a waiting writer wakes once half the bound is free, not at every write
        }
        done = !full && outbox.unwritten() == 0;
        if (done) {
          flusher = Flusher.NONE;
          close = closing;
          if (sentWhileFlushing) { // a stream went on while this flush ran: its next send is gathered too
            sentWhileFlushing = false;
            lastSendNanos = System.nanoTime();
          }
        } else if (full || (!onLoop && round >= 3)) {
          flusher = Flusher.LOOP;
        }
      } finally {
        lock.unlock();
      }
      complete(reached);
      if (done) {
        if (onLoop) {
          wantWrite(false);
        }
        if (close) {
          end("closed by this side");
        }
        return;
      }
      if (full) {
        if (onLoop) {
          wantWrite(true);
        } else {
          loop.execute(() -> wantWrite(true));
        }
        return;
      }
      if (!onLoop && round >= 3) {
        loop.execute(() -> flush(true));
        return;
      }
    }
  }

  /** On the I/O thread: the socket took everything it could; write the rest when it has room. */
  void onWritable() {
    flush(true);
  }

  private void wantWrite(boolean on) {
    writeWanted = on;
    updateInterest();
  }

  /** On the I/O thread: what the selector watches follows the flags. */
  private void updateInterest() {
    SelectionKey k = key;
    int ops = (readPaused || direct ? 0 : SelectionKey.OP_READ) | (writeWanted ? SelectionKey.OP_WRITE : 0);
    if (k != null && k.isValid() && k.interestOps() != ops) {
      k.interestOps(ops);
    }
  }

  /**
   * Called by the thread that consumed {@code bytes} of DATA payload this connection delivered
   * (any thread): reading resumes once at most half the bound waits.
   */
  public void consumed(long bytes) {
    long left = unread.addAndGet(-bytes);
    if (left <= buffering.maxUnwrittenBytes() / 2 && readPaused) {
      loop.execute(this::resumeReading);
    }
  }

  private void resumeReading() {
    if (readPaused && unread.get() <= buffering.maxUnwrittenBytes() / 2) {
      readPaused = false;
      updateInterest();
    }
  }

  private static void complete(List<CompletableFuture<Void>> reached) {
    for (var done : reached) {
      done.complete(null);
    }
  }

  /** With an age limit: a timer checks the oldest unwritten byte while there is one (lock held). */
  private void watchAge() {
    Duration limit = buffering.ageLimit();
    if (limit == null || ageCheck != null) {
      return;
    }
    ageCheck = Threads.TIMER.schedule(this::checkAge, limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void checkAge() {
    long limit = buffering.ageLimit().toNanos();
    long unwritten;
    lock.lock();
    try {
      ageCheck = null;
      long oldest = outbox.oldestUnwrittenNanos();
      if (oldest == 0 || ended.get()) {
        return;
      }
      long age = System.nanoTime() - oldest;
      if (age < limit) {
        ageCheck = Threads.TIMER.schedule(this::checkAge, limit - age, TimeUnit.NANOSECONDS);
        return;
      }
      unwritten = outbox.unwritten();
    } finally {
      lock.unlock();
    }
    end(unwritten + " bytes waited more than " + buffering.ageLimit().toMillis()
        + " ms to be written (the buffer age limit, Config.bufferAgeLimit): the peer is not reading");
  }

  // ---- reading

  /** On the I/O thread: the socket has bytes (or its end). */
  void onReadable(ReadBuffer buffer) {
    if (ended.get()) {
      return;
    }
    if (direct || !reading.tryLock()) { // waiting consumers read it (readWhile)
      key.interestOpsAnd(~SelectionKey.OP_READ);
      return;
    }
    try {
      readInto(buffer);
    } finally {
      reading.unlock();
    }
  }

  private void readInto(ReadBuffer buffer) {
    try {
      readOnce(buffer);
    } catch (IOException e) {
      end("connection lost: " + e.getMessage());
    }
  }

  /**
   * One read of the socket, its frames delivered: into {@code buffer}, or straight into the large
   * body being read. Returns the bytes read (0: none there; -1: the end, reported).
   */
  private int readOnce(ReadBuffer readBuffer) throws IOException {
    ByteBuffer buffer = readBuffer.buffer();
    ByteBuffer[] targets = decoder.readTargets(Outbox.GATHER_CHUNKS);
    int n;
    if (targets != null) { // a scattering read straight into the large body's chunks
      long room = 0;
      for (ByteBuffer target : targets) {
        room += target.remaining();
      }
      n = (int) socket.read(targets);
      drained = n < room;
    } else {
      buffer.clear();
      int room = buffer.remaining();
      n = socket.read(buffer);
      drained = n < room;
    }
    if (n < 0) {
      end(decoder.atBoundary() ? "the peer closed the connection"
          : "connection lost: the peer closed it inside a frame");
    } else if (n > 0 && targets != null) {
      deliver(null, n);
    } else if (n > 0) {
      buffer.flip();
      deliver(buffer, 0);
      readBuffer.afterRead(n); // a full buffer: a larger one for the next read
    }
    return n;
  }

  private void deliver(ByteBuffer bytes) {
    deliver(bytes, 0);
  }

  /**
   * Feeds the decoder {@code bytes}, or, if null, the {@code filled} bytes read into its target;
   * then tells the handler that the read's frames are all delivered, and counts their DATA bytes
   * as unread (once per read).
   */
  private void deliver(ByteBuffer bytes, int filled) {
    readsArrived = readsArrived + 1; // only the reading thread writes it
    String failure = null;
    try {
      if (bytes != null) {
        decoder.feed(bytes, frames);
      } else {
        decoder.filled(filled, frames);
      }
    } catch (ProtocolException e) {
      failure = "connection lost: " + e.getMessage();
    } catch (IOException e) {
      failure = "connection lost: " + e.getMessage();
    } catch (RuntimeException e) {
      failure = "handler failed: " + e;
    }
    endOfRead(); // the frames before a failure are handed on before the end is reported
    if (failure != null) {
      end(failure);
    }
  }

  /**
   * After a read's frames: the handler hands them on (unless the connection was ended meanwhile
   * by another thread, whose end report must stay the last thing the handler gives out: then they
   * are dropped, as later frames would be), and backpressure looks at what waits unconsumed.
   */
  private void endOfRead() {
    try {
      handler.onReadEnd(!ended.get());
    } catch (RuntimeException e) {
      end("handler failed: " + e);
    }
    long bytes = deliveredBytes;
    if (bytes == 0) {
      return;
    }
    deliveredBytes = 0;
    if (unread.addAndGet(bytes) > buffering.maxUnwrittenBytes() && !readPaused) {
      readPaused = true; // the consumer is behind: let the socket (and so the writer) wait
      updateInterest();
      resumeReading(); // in case the consumer caught up before it could see the pause
    }
  }

  private void onFrame(Frame frame) throws IOException {
    if (!ended.get()) {
      FrameSealer s = sealer;
      Message message = MessageCodec.decode(s == null ? frame : s.open(frame));
      if (message instanceof Message.Data data) {
        deliveredBytes += data.payload().length;
      }
      handler.onMessage(message);
    }
  }

  // ---- reading by a waiting consumer

  /**
   * Held by whoever reads the socket and feeds the decoder: the I/O thread, or, once the link is
   * {@link #direct}, the consumer thread waiting for its next message.
   */
  private final ReentrantLock reading = new ReentrantLock();
  private volatile SelectionKey registeredKey; // the I/O thread's key, once registered
  /** On unless {@code -Dasyncparallel.directReads=false} (then the I/O thread reads every socket). */
  private static final boolean DIRECT_READS = !"false".equals(System.getProperty("asyncparallel.directReads"));
  /**
   * Set by the first consumer that waits in {@link #readWhile}: from then on the I/O thread no
   * longer reads this socket (its key leaves OP_READ out); waiting consumers do.
   */
  private volatile boolean direct;
  private volatile Selector directSelector; // for consumers to wait in; closed at the end
  /** Set on a consumer's thread while it reads for itself (handlers then run on it). */
  private static final ThreadLocal<boolean[]> DELIVERING = ThreadLocal.withInitial(() -> new boolean[1]);
  private static final ThreadLocal<ReadBuffer> DIRECT_BUFFERS = ThreadLocal.withInitial(ReadBuffer::new);

  /**
   * Reads this connection's socket on the calling thread for as long as {@code waiting} holds:
   * a thread about to wait for what this connection brings takes it from the socket itself, with
   * no hand-off from the I/O thread (one thread wake-up per message instead of two). Frames go to
   * the handler as the I/O thread would give them. The first call makes the link direct for good:
   * after it, only consumers in this method read the socket, one at a time (a second waits for
   * the first's turn to end, then reads if it still waits), so every wait must go through it.
   * Returns false at once, having read nothing, on the I/O thread, before the link is registered,
   * while reading is paused for backpressure, or once the link has ended, and false after reading
   * if the system refuses a descriptor for the selector to wait in: the I/O thread delivers.
   *
   * @param deadlineNanos when to stop waiting ({@code System.nanoTime()}; Long.MAX_VALUE: never)
   * @throws InterruptedException if interrupted while waiting for another consumer's turn
   */
  public boolean readWhile(BooleanSupplier waiting, long deadlineNanos) throws InterruptedException {
    SelectionKey k = registeredKey;
    if (!DIRECT_READS || k == null || loop.inLoop() || ended.get() || readPaused) {
      return false;
    }
    if (!waiting.getAsBoolean()) {
      return true;
    }
    reading.lockInterruptibly();
    try {
      permanent = true;
      if (!takeReading(k)) {
        return false;
      }
      return readAsConsumer(waiting, deadlineNanos);
    } finally {
      reading.unlock();
      if (!direct) { // handed back meanwhile (undirect): the I/O thread watches the socket again
        loop.execute(this::updateInterest);
      }
    }
  }

  /**
   * Makes the link direct (the I/O thread stops reading it); the {@link #reading} lock held. False
   * if the connection has ended meanwhile (its key is cancelled): the I/O thread reports the end.
   */
  private boolean takeReading(SelectionKey k) {
    if (!direct) {
      direct = true;
      try {
        k.interestOpsAnd(~SelectionKey.OP_READ);
      } catch (CancelledKeyException e) {
        direct = false;
        return false;
      }
      loop.reselect(); // else the next message still wakes the I/O thread too
    }
    return true;
  }

  /**
   * The consumer's read loop (the {@link #reading} lock held): reads and delivers until
   * {@code waiting} no longer holds, the deadline passes, the link is handed back to the I/O
   * thread, ends, pauses, or the thread is interrupted. Waits in the connection's own selector.
   * False if it could not wait (the system refused a descriptor for the selector): the link is
   * handed back to the I/O thread.
   */
  private boolean readAsConsumer(BooleanSupplier waiting, long deadlineNanos) {
    boolean[] delivering = DELIVERING.get();
    boolean outer = delivering[0];
    delivering[0] = true;
    try {
      ReadBuffer buffer = DIRECT_BUFFERS.get();
      // the last read left the socket empty: wait for the next bytes before reading (a read
      // that finds nothing is a system call for nothing, one per message in a ping-pong)
      boolean waitFirst = drained && directSelector != null;
      while (direct && waiting.getAsBoolean() && !ended.get() && !readPaused && !Thread.currentThread().isInterrupted()) {
        if (!waitFirst) {
          int n = readOnce(buffer);
          if (n != 0) {
            waitFirst = drained && directSelector != null; // no selector yet: the read below opens one
            continue; // after an end, the loop's condition stops it
          }
          if (directSelector == null) {
            if (openDirectSelector() == null) { // no descriptor for it (the process has used up its own): the I/O thread reads
              direct = false;
              return false;
            }
            continue; // then looks at waiting again before the first wait: a wake-up before the selector existed was missed
          }
        }
        waitFirst = false;
        long left = deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        Selector own = directSelector;
        own.select(Math.max(1, Math.min(50, left / 1_000_000))); // then looks at waiting again
        own.selectedKeys().clear();
      }
    } catch (IOException e) {
      end("connection lost: " + e.getMessage());
    } catch (CancelledKeyException | ClosedSelectorException e) {
      // the connection ended meanwhile
    } finally {
      delivering[0] = outer;
    }
    return true;
  }

  // ---- reading by a caller waiting for one answer

  /** How long a link stays with its last borrower after it left, for the next one to come. */
  static final long LINGER_NANOS = 2_000_000;
  /** Set by {@link #readWhile}: its consumers read for good; borrowing does not apply. */
  private volatile boolean permanent;
  private final AtomicInteger borrowers = new AtomicInteger();
  private volatile long lastBorrowEndNanos;
  private final AtomicBoolean takeBackScheduled = new AtomicBoolean();

  /**
   * Reads this connection's socket on the calling thread while {@code waiting} holds, for a caller
   * that waits for one answer this connection brings (a pool call's reply, on a link that lives on):
   * its reply reaches it with no hand-off from the I/O thread. Unlike {@link #readWhile}, reading
   * is only borrowed: if a second caller comes to wait meanwhile, both go back to being served by
   * the I/O thread (one thread cannot wait for two); when the borrower leaves, the link waits
   * {@value #LINGER_NANOS} ns for the next one (a caller making one call after another), then the
   * I/O thread reads it again, so nothing that arrives with nobody waiting is held up for longer.
   * Returns false at once, having read nothing, where {@link #readWhile} would, when another
   * caller borrows it or its consumers read it for good; true once it has stopped reading (the
   * caller then looks at what it waits for, and waits as usual if it is not there).
   *
   * @param deadlineNanos when to stop waiting ({@code System.nanoTime()}; Long.MAX_VALUE: never)
   * @throws InterruptedException if interrupted while waiting for the I/O thread's read to end
   */
  public boolean borrowRead(BooleanSupplier waiting, long deadlineNanos) throws InterruptedException {
    SelectionKey k = registeredKey;
    if (!DIRECT_READS || k == null || loop.inLoop() || ended.get() || readPaused || permanent) {
      return false;
    }
    if (borrowers.incrementAndGet() > 1) {
      borrowers.decrementAndGet();
      undirect(); // two callers wait: the I/O thread serves both
      return false;
    }
    try {
      reading.lockInterruptibly();
      try {
        if (!takeReading(k)) {
          return false;
        }
        return readAsConsumer(waiting, deadlineNanos);
      } finally {
        reading.unlock();
      }
    } finally {
      lastBorrowEndNanos = System.nanoTime();
      borrowers.decrementAndGet();
      if (!direct) { // handed back meanwhile: the I/O thread watches the socket again
        loop.execute(this::updateInterest);
      } else {
        scheduleTakeBack(LINGER_NANOS); // unless already on its way (it re-arms itself while callers come and go)
      }
    }
  }

  private void scheduleTakeBack(long delayNanos) {
    if (takeBackScheduled.compareAndSet(false, true)) {
      Threads.TIMER.schedule(this::takeBack, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * On the timer, {@value #LINGER_NANOS} ns after a borrower left: a link that nobody has borrowed
   * since goes back to the I/O thread. While callers come and go it re-arms itself (a borrower
   * scheduling it after each wait would wake the timer thread each time); while one waits it
   * stops (a caller may wait for long: a spare for its job), and that caller's leaving arms it.
   */
  private void takeBack() {
    if (!direct || permanent || ended.get() || borrowers.get() > 0) {
      takeBackScheduled.set(false);
      if (borrowers.get() == 0 && direct && !permanent && !ended.get()) {
        scheduleTakeBack(LINGER_NANOS); // the borrower left between the two looks
      }
      return;
    }
    long idle = System.nanoTime() - lastBorrowEndNanos;
    if (idle < LINGER_NANOS) {
      Threads.TIMER.schedule(this::takeBack, LINGER_NANOS - idle, TimeUnit.NANOSECONDS);
    } else {
      takeBackScheduled.set(false);
      undirect();
    }
  }

  /** The consumers' selector, registered for this socket; null if the system refuses one. */
  private Selector openDirectSelector() throws IOException {
    Selector own;
    try {
      own = Selector.open();
    } catch (IOException e) {
      return null;
    }
    try {
      socket.register(own, SelectionKey.OP_READ);
    } catch (IOException | RuntimeException e) {
      own.close();
      if (ended.get() || e instanceof ClosedChannelException) {
        throw e instanceof IOException io ? io : new IOException(e);
      }
      return null;
    }
    directSelector = own;
    if (ended.get()) {
      own.close();
    }
    return own;
  }

  /** Makes a consumer waiting in {@link #readWhile} look at its condition again now. */
  public void wakeDirect() {
    Selector own = directSelector;
    if (own != null) {
      own.wakeup();
    }
  }

  /**
   * Hands reading back to the I/O thread (a hub got a second client: one consumer cannot wait on
   * two sockets); a consumer reading now stops. {@link #readWhile} makes it direct again.
   */
  public void undirect() {
    if (direct) {
      direct = false;
      wakeDirect();
      loop.execute(this::updateInterest);
    }
  }

  /** Closes the consumers' selector (at the end), which lets the socket's descriptor go. */
  private void closeDirectSelector() {
    Selector own = directSelector;
    if (own != null) {
      try {
        own.close();
      } catch (IOException ignored) {
        // nothing more to do
      }
    }
  }

  // ---- ending

  private void end(String reason) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    endReason = reason;
    List<CompletableFuture<Void>> unreached;
    lock.lock();
    try {
      unreached = outbox.clear();
      roomOrEnd.signalAll();
      if (ageCheck != null) {
        ageCheck.cancel(false);
        ageCheck = null;
      }
    } finally {
      lock.unlock();
    }
    if (!unreached.isEmpty()) {
      var failure = closedException();
      Threads.CALLBACKS.execute(() -> unreached.forEach(f -> f.completeExceptionally(failure)));
    }
    SocketChannel s = socket;
    if (s != null) {
      Connected.closeQuietly(s);
    }
    closeDirectSelector();
    loop.execute(() -> {
      if (key != null) {
        loop.cancel(key, this::dispatchClosed); // once the socket's descriptor is released
      } else {
        dispatchClosed();
      }
    });
  }

  private void dispatchClosed() {
    Handler h = handler;
    if (h != null && closedCalled.compareAndSet(false, true)) {
      h.onClosed(endReason);
    }
  }

  private ChannelClosedException closedException() {
    return new ChannelClosedException("connection " + name + " ended: " + endReason);
  }
}
