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
   * A buffer over the body from {@code offset}, at most {@code max} bytes, to write from: a chunk
   * itself (positioned), or the heap array wrapped.
   */
  ByteBuffer slice(int offset, int max) {
    if (chunks == null) {
      return ByteBuffer.wrap(body, offset, Math.min(max, bodyLength - offset));
    }
    ByteBuffer chunk = chunks[offset / DirectChunks.CHUNK_BYTES];
    return chunk.position(offset % DirectChunks.CHUNK_BYTES);
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
