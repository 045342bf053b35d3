package org.asyncparallel.internal.net;

import java.nio.ByteBuffer;

/**
 * The direct buffer a thread reads sockets into: small at first, doubled (up to
 * {@value #MAX_BYTES} bytes) each time a read fills it. A stream of small messages soon reads
 * 64 KiB per system call, while a process that only exchanges a few messages (an idle worker)
 * keeps {@value #FIRST_BYTES} bytes: a direct buffer is zeroed, so all of it stays resident. Used by
 * one thread at a time (the I/O thread, or a consumer reading for itself).
 */
final class ReadBuffer {
  static final int FIRST_BYTES = 8 * 1024;
  static final int MAX_BYTES = 64 * 1024;

  private ByteBuffer buffer = ByteBuffer.allocateDirect(FIRST_BYTES);

  /** The buffer for the next read. */
  ByteBuffer buffer() {
    return buffer;
  }

  /**
   * After a read whose bytes have all been handed on: if it filled the buffer, the next read gets
   * one twice as large.
   */
  void afterRead(int read) {
    if (read == buffer.capacity() && read < MAX_BYTES) {
      buffer = ByteBuffer.allocateDirect(2 * read);
    }
  }
}
