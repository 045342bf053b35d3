package org.asyncparallel.internal.wire;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * The process's pool of direct buffers for large frame bodies, one {@value #CHUNK_BYTES}-byte
 * chunk at a time. A large body to send is copied into chunks and written from them as it is (the
 * JDK would copy a heap array into a direct buffer of its own before every write); a large body
 * being read is gathered in chunks, and becomes the receiver's array only once it is whole. Either
 * way, while it waits it is no object for the garbage collector to copy from survivor space to
 * survivor space. Up to {@value #KEPT} free chunks are kept; others are left to the collector.
 *
 * <p>A chunk goes back only when nothing can touch it any more: a frame written whole, a body
 * read whole. The chunks of a frame dropped or cut off by a connection's end are left to the
 * collector instead, since a thread may still be writing from them or reading into them.
 * Thread-safe.
 */
public final class DirectChunks {
  /** The size of one chunk: a little more than a Unix socket takes in one write here. */
  public static final int CHUNK_BYTES = 256 * 1024;
  /**
   * Free chunks kept for the next large bodies: 16 MiB, what a connection buffers by default
   * ({@code Config.maxBufferedBytes}), so that a steady stream of large messages takes every chunk
   * from here rather than from new (zeroed, page-faulted) memory. With fewer (16), a 1 MiB stream
   * allocated a fifth of its chunks anew.
   */
  static final int KEPT = 64;

  private static final ArrayBlockingQueue<ByteBuffer> FREE = new ArrayBlockingQueue<>(KEPT);

  private DirectChunks() {}

  /** A cleared chunk: a kept one, or a new one. */
  public static ByteBuffer take() {
    ByteBuffer chunk = FREE.poll();
    return chunk != null ? chunk.clear() : ByteBuffer.allocateDirect(CHUNK_BYTES);
  }

  /** Gives a chunk back once nothing reads it any more; kept if there is room. */
  public static void give(ByteBuffer chunk) {
    FREE.offer(chunk);
  }

  /** Gives back every chunk of {@code chunks}. */
  public static void giveAll(ByteBuffer[] chunks) {
    for (ByteBuffer chunk : chunks) {
      give(chunk);
    }
  }

  /** {@code length} bytes of {@code array} from {@code offset}, copied into chunks, each flipped for reading. */
  public static ByteBuffer[] copyOf(byte[] array, int offset, int length) {
    int count = (length + CHUNK_BYTES - 1) / CHUNK_BYTES;
    ByteBuffer[] chunks = new ByteBuffer[count];
    for (int i = 0; i < count; i++) {
      int n = Math.min(CHUNK_BYTES, length - i * CHUNK_BYTES);
      chunks[i] = take().put(array, offset + i * CHUNK_BYTES, n).flip();
    }
    return chunks;
  }

  /** The bytes of chunks (each flipped for reading, positions unchanged) as one array. */
  public static byte[] toArray(ByteBuffer[] chunks, int length) {
    byte[] array = new byte[length];
    int at = 0;
    for (ByteBuffer chunk : chunks) {
      int n = chunk.remaining();
      chunk.get(chunk.position(), array, at, n);
      at += n;
    }
    return array;
  }
}
