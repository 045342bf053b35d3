package org.asyncparallel.internal.net;

import java.nio.ByteBuffer;
import org.asyncparallel.internal.wire.Frame;

/**
 * Small frames, whole (header and body), appended by senders into one array and written from it:
 * a small message is copied once into the bytes that are written, instead of cloned, queued as an
 * object of its own and copied again into a staging buffer. Senders append at {@link #writePos}
 * while the flusher writes bytes before it from a {@link #view} (disjoint regions); both under the
 * {@link Outbox}'s guard, the write itself outside it. On the heap, not direct: under backpressure a
 * connection holds up to its bound (16 MiB) of segments, and a direct buffer's allocation costs
 * more than the JDK's copy of a heap one into its cached direct buffer at the write. Not thread-safe.
 */
final class Segment {
  /** A stream's segment size: also the most a single write takes from one. */
  static final int BYTES = 32 * 1024;
  /**
   * A connection's first segment size (and while no segment fills up): a link of occasional small
   * messages keeps one of these, not a stream's, for each of its connections (a hub may have
   * thousands).
   */
  static final int FIRST_BYTES = 4 * 1024;

  private final byte[] bytes;

  Segment(int size) {
    bytes = new byte[size];
  }
  private int readPos;
  private int writePos;

  /** Bytes it holds when full. */
  int capacity() {
    return bytes.length;
  }

  /** True if a frame with a body of {@code bodyLength} bytes fits in what is left. */
  boolean fits(int bodyLength) {
    return bytes.length - writePos >= Frame.HEADER_BYTES + bodyLength;
  }

  /** Appends one frame (it {@link #fits}). */
  void append(byte type, byte[] body) {
    int length = body.length + 1;
    bytes[writePos] = (byte) (length >>> 24);
    bytes[writePos + 1] = (byte) (length >>> 16);
    bytes[writePos + 2] = (byte) (length >>> 8);
    bytes[writePos + 3] = (byte) length;
    bytes[writePos + 4] = type;
    System.arraycopy(body, 0, bytes, writePos + Frame.HEADER_BYTES, body.length);
    writePos += Frame.HEADER_BYTES + body.length;
  }

  /** Bytes appended and not yet written. */
  int unwritten() {
    return writePos - readPos;
  }

  /** A buffer over the bytes not yet written (for one write, outside the guard). */
  ByteBuffer view() {
    return ByteBuffer.wrap(bytes, readPos, writePos - readPos);
  }

  /** Marks {@code n} bytes as written (at most {@link #unwritten}). */
  void wrote(int n) {
    readPos += n;
  }

  /** Makes a segment whose bytes are all written empty again, for reuse. */
  void reset() {
    readPos = 0;
    writePos = 0;
  }
}
