package org.asyncparallel.internal.net;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.internal.wire.Frame;

/**
 * What a connection has been asked to send and the socket has not taken yet: frames in order,
 * with the byte counts that flush markers and backpressure need. Not thread-safe: guarded by its
 * {@link Connection}'s lock.
 *
 * <p>Small frames on an open link that does not seal are appended whole into {@link Segment}s
 * ({@link #addSmall}), which are written from where they are, several to a write. Other frames
 * wait as {@link OutFrame}s: small ones are copied into the flusher's staging buffer (many per
 * write), a large body's remainder is written straight from where it is ({@link #directSlices}):
 * its direct chunks, or slices of its array. A frame's chunks go back to {@link DirectChunks} once
 * it is written or dropped.
 */
final class Outbox {
  /** A body at least this large is written from its own array rather than copied. */
  static final int DIRECT_BODY_BYTES = 32 * 1024;
  /** The largest slice written straight from a heap body (the JDK copies it to a cached direct buffer). */
  private static final int SLICE_BYTES = 256 * 1024;
  /** The most chunks of a body handed to one gathering write (1 MiB: the socket's send buffer). */
  static final int GATHER_CHUNKS = 4;
  /** The most segments handed to one gathering write. */
  private static final int GATHER_SEGMENTS = 8;
  /** The largest frame (header and body) appended into a segment (it fits in a first one). */
  static final int SMALL_FRAME_BYTES = Segment.FIRST_BYTES;

  /** A frame's end (in bytes appended) and when it was appended: the age of unwritten data. */
  private record Age(long end, long enqueuedNanos) {}

  private record Marker(long target, CompletableFuture<Void> done) {}

  /** {@link OutFrame}s and {@link Segment}s, in the order their bytes go out. */
  private final ArrayDeque<Object> frames = new ArrayDeque<>();
  /** A written-out segment kept for the next small frames (one is enough for a steady stream). */
  private Segment spare;
  /** Set once a segment has filled up: new segments are then {@link Segment#BYTES}, not the first size. */
  private boolean streaming;
  private final ArrayDeque<Age> ages = new ArrayDeque<>();
  private final ArrayDeque<Marker> markers = new ArrayDeque<>();
  /** Whether frames' ages are kept (a connection with an age limit); else no clock is read per frame. */
  private final boolean timed;
  /** Bytes of the head frame already taken (its header counts 5). */
  private int headTaken;
  private long appended;
  private long written;

  /** An outbox that keeps its frames' ages ({@link #oldestUnwrittenNanos}). */
  Outbox() {
    this(true);
  }

  /** @param timed whether to keep frames' ages (only a connection with an age limit needs them) */
  Outbox(boolean timed) {
    this.timed = timed;
  }

  /** Appends a frame; {@code nowNanos} ({@code System.nanoTime()}) is only looked at if timed. */
  void add(OutFrame frame, long nowNanos) {
    frames.add(frame);
    appended += frame.wireBytes();
    if (timed) {
      ages.add(new Age(appended, nowNanos));
    }
  }

  /**
   * Appends a small frame (its body is copied now: the caller may change it once this returns)
   * into the last segment, or a new one; {@code nowNanos} as for {@link #add}. The body must fit in
   * an empty segment ({@link #fitsSegment}).
   */
  void addSmall(byte type, byte[] body, long nowNanos) {
    Segment tail = null;
    if (frames.peekLast() instanceof Segment last) {
      if (last.fits(body.length)) {
        tail = last;
      } else {
        streaming = true; // a segment filled up: the next ones are a stream's
      }
    }
    if (tail == null) {
      int size = streaming ? Segment.BYTES : Segment.FIRST_BYTES;
      tail = spare != null && spare.capacity() >= size ? spare : new Segment(size);
      spare = null;
      frames.add(tail);
    }
    tail.append(type, body);
    appended += Frame.HEADER_BYTES + body.length;
    if (timed) {
      ages.add(new Age(appended, nowNanos));
    }
  }

  /** True if a frame with a body this long can go into a segment ({@link #addSmall}). */
  static boolean fitsSegment(int bodyLength) {
    return Frame.HEADER_BYTES + bodyLength <= SMALL_FRAME_BYTES;
  }

  /** True if frames' ages are kept. */
  boolean timed() {
    return timed;
  }

  /** Bytes appended and not yet handed to the socket (including those in a staging buffer). */
  long unwritten() {
    return appended - written;
  }

  /** True when frames wait to be taken into a write. */
  boolean hasFrames() {
    return !frames.isEmpty();
  }

  /** When the oldest byte not yet written was appended; 0 when everything is written (or not timed). */
  long oldestUnwrittenNanos() {
    Age oldest = ages.peek();
    return oldest == null ? 0 : oldest.enqueuedNanos();
  }

  /**
   * Buffers to write from where they are: the head segment and the segments right after it (up to
   * {@value #GATHER_SEGMENTS}), or the head frame's body (its direct chunks, up to
   * {@value #GATHER_CHUNKS} of them, or a slice of its array); null when the head is a small frame
   * or its header has not been taken yet (then {@link #copyInto} applies).
   */
  ByteBuffer[] directSlices() {
    Object first = frames.peek();
    if (first instanceof Segment) {
      int count = 0;
      for (Object entry : frames) {
        if (!(entry instanceof Segment) || count == GATHER_SEGMENTS) {
          break;
        }
        count++;
      }
      ByteBuffer[] views = new ByteBuffer[count];
      var entries = frames.iterator();
      for (int i = 0; i < count; i++) {
        views[i] = ((Segment) entries.next()).view();
      }
      return views;
    }
    OutFrame head = (OutFrame) first;
    if (head == null || headTaken < Frame.HEADER_BYTES) {
      return null;
    }
    int offset = headTaken - Frame.HEADER_BYTES;
    if (head.bodyLength() - offset < DIRECT_BODY_BYTES) {
      return null;
    }
    return head.slices(offset, SLICE_BYTES, GATHER_CHUNKS);
  }

  /** Marks {@code n} bytes written from the {@link #directSlices} as taken. */
  void tookDirect(int n) {
    if (!(frames.peek() instanceof Segment)) {
      headTaken += n;
      dropHeadIfDone();
      return;
    }
    while (n > 0) {
      Segment head = (Segment) frames.peek();
      int k = Math.min(n, head.unwritten());
      head.wrote(k);
      n -= k;
      if (head.unwritten() == 0) { // all written (the write has returned): reused for the next small frames
        frames.poll();
        head.reset();
        spare = head;
      }
    }
  }

  /** Copies frames (headers and bodies, in order) into {@code stage} while it has room. */
  void copyInto(ByteBuffer stage) {
    while (stage.hasRemaining() && frames.peek() instanceof OutFrame frame) { // a segment is written from where it is
      if (headTaken < Frame.HEADER_BYTES) {
        if (headTaken == 0 && stage.remaining() >= Frame.HEADER_BYTES) {
          stage.putInt(frame.bodyLength() + 1).put(frame.type());
          headTaken = Frame.HEADER_BYTES;
        } else {
          var header = ByteBuffer.allocate(Frame.HEADER_BYTES).putInt(frame.bodyLength() + 1).put(frame.type());
          int n = Math.min(stage.remaining(), Frame.HEADER_BYTES - headTaken);
          stage.put(header.array(), headTaken, n);
          headTaken += n;
        }
        if (headTaken < Frame.HEADER_BYTES) {
          return;
        }
      }
      int offset = headTaken - Frame.HEADER_BYTES;
      int left = frame.bodyLength() - offset;
      if (left >= DIRECT_BODY_BYTES && stage.position() == 0) {
        return; // the flusher writes it from where it is
      }
      int n = Math.min(stage.remaining(), left);
      frame.copyBody(offset, stage, n);
      headTaken += n;
      if (!dropHeadIfDone()) {
        return;
      }
    }
  }

  /**
   * Records that the socket took {@code n} more bytes; returns the markers now reached, to be
   * completed outside the lock.
   */
  java.util.List<CompletableFuture<Void>> wrote(long n) {
    written += n;
    while (!ages.isEmpty() && ages.peek().end() <= written) {
      ages.poll();
    }
    if (markers.isEmpty() || markers.peek().target() > written) {
      return java.util.List.of();
    }
    var reached = new java.util.ArrayList<CompletableFuture<Void>>();
    while (!markers.isEmpty() && markers.peek().target() <= written) {
      reached.add(markers.poll().done());
    }
    return reached;
  }

  /** A future that completes once every byte appended so far has been written. */
  CompletableFuture<Void> marker() {
    var done = new CompletableFuture<Void>();
    if (written == appended) {
      done.complete(null);
    } else {
      markers.add(new Marker(appended, done));
    }
    return done;
  }

  /**
   * Replaces every frame by {@code f} of it, before anything was written (a lazy link that turned
   * out to seal its frames; a body in chunks is copied out first); flush markers keep their places
   * between frames.
   */
  void replaceAll(java.util.function.UnaryOperator<Frame> f) {
    if (written != 0 || headTaken != 0) {
      throw new IllegalStateException("frames were written already");
    }
    var oldAges = new ArrayDeque<>(ages);
    var newFrames = new ArrayDeque<Object>();
    var newAges = new ArrayDeque<Age>();
    var boundaries = new java.util.HashMap<Long, Long>();
    boundaries.put(0L, 0L);
    long end = 0;
    long oldEnd = 0;
    for (Object entry : frames) {
      if (!(entry instanceof OutFrame frame)) {
        throw new IllegalStateException("a segment's frames cannot be replaced"); // only open unsealed links have segments
      }
      oldEnd += frame.wireBytes();
      OutFrame changed = OutFrame.of(f.apply(frame.toFrame()));
      newFrames.add(changed);
      end += changed.wireBytes();
      if (timed) {
        newAges.add(new Age(end, oldAges.poll().enqueuedNanos()));
      }
      boundaries.put(oldEnd, end);
    }
    var newMarkers = new ArrayDeque<Marker>();
    for (Marker m : markers) {
      newMarkers.add(new Marker(boundaries.get(m.target()), m.done()));
    }
    frames.clear();
    frames.addAll(newFrames);
    ages.clear();
    ages.addAll(newAges);
    markers.clear();
    markers.addAll(newMarkers);
    appended = end;
  }

  /** Drops everything (the connection ended); returns the markers, to be failed. */
  java.util.List<CompletableFuture<Void>> clear() {
    for (Object entry : frames) {
      if (entry instanceof OutFrame frame) {
        frame.release();
      }
    }
    frames.clear();
    ages.clear();
    headTaken = 0;
    written = appended;
    var pending = markers.stream().map(Marker::done).toList();
    markers.clear();
    return pending;
  }

  private boolean dropHeadIfDone() {
    OutFrame frame = (OutFrame) frames.peek();
    if (headTaken < frame.wireBytes()) {
      return false;
    }
    frames.poll();
    frame.release();
    headTaken = 0;
    return true;
  }
}
