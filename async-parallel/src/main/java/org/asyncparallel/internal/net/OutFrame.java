package org.asyncparallel.internal.net;

import java.nio.ByteBuffer;
import org.asyncparallel.internal.wire.DirectChunks;
import org.asyncparallel.internal.wire.Frame;

/**
 * A frame waiting in an {@link Outbox}: its body either on the heap (owned by the frame, never
 * changed) or copied into {@link DirectChunks} (given back once written or dropped).
 *
 * @param type the frame's type
 * @param bodyLength the body's length in bytes
 * @param body the body on the heap, or null
 * @param chunks the body in direct chunks, each flipped for reading (position 0), or null
 */
record OutFrame(byte type, int bodyLength, byte[] body, ByteBuffer[] chunks) {
  /** A frame whose body stays on the heap. */
  static OutFrame of(Frame frame) {
    return new OutFrame(frame.type(), frame.body().length, frame.body(), null);
  }

  /** A frame whose body is copied now into direct chunks. */
  static OutFrame copiedToChunks(byte type, byte[] body) {
    return new OutFrame(type, body.length, null, DirectChunks.copyOf(body, 0, body.length));
  }

  /** Bytes on the wire: header and body. */
  int wireBytes() {
    return Frame.HEADER_BYTES + bodyLength;
  }

  /** The frame with its body on the heap (chunks are copied out and given back). */
  Frame toFrame() {
    if (chunks == null) {
      return new Frame(type, body);
    }
    byte[] array = DirectChunks.toArray(chunks, bodyLength);
    DirectChunks.giveAll(chunks);
    return new Frame(type, array);
  }

  /** Gives the chunks back, if any (the frame is written or dropped). */
  void release() {
    if (chunks != null) {
      DirectChunks.giveAll(chunks);
    }
  }

  /**
   * Buffers over the body from {@code offset}, for one gathering write: a slice of the heap array of
   * at most {@code maxHeapBytes} (the JDK copies it to a direct buffer of its own), or the chunks from
   * the one holding {@code offset} (positioned there), at most {@code maxChunks} of them.
   */
  ByteBuffer[] slices(int offset, int maxHeapBytes, int maxChunks) {
    if (chunks == null) {
      return new ByteBuffer[] {ByteBuffer.wrap(body, offset, Math.min(maxHeapBytes, bodyLength - offset))};
    }
    int first = offset / DirectChunks.CHUNK_BYTES;
    int count = Math.min(maxChunks, chunks.length - first);
    ByteBuffer[] out = new ByteBuffer[count];
    for (int i = 0; i < count; i++) {
      out[i] = chunks[first + i].position(i == 0 ? offset % DirectChunks.CHUNK_BYTES : 0);
    }
    return out;
  }

  /** Copies {@code n} body bytes from {@code offset} into {@code stage}. */
  void copyBody(int offset, ByteBuffer stage, int n) {
    if (chunks == null) {
      stage.put(body, offset, n);
      return;
    }
    while (n > 0) {
      ByteBuffer chunk = chunks[offset / DirectChunks.CHUNK_BYTES];
      int at = offset % DirectChunks.CHUNK_BYTES;
      int k = Math.min(n, chunk.limit() - at);
      stage.put(stage.position(), chunk, at, k);
      stage.position(stage.position() + k);
      offset += k;
      n -= k;
    }
  }
}
