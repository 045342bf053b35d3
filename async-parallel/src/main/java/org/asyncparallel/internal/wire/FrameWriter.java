package org.asyncparallel.internal.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Writes frames to a byte channel through one buffer: small frames are gathered into a single
 * write, large bodies go straight from their array. Not thread-safe: a connection has one writing
 * thread. Nothing reaches the channel until {@link #flush()} or the buffer fills.
 */
public final class FrameWriter {
  private final WritableByteChannel out;
  private final ByteBuffer buffer;

  public FrameWriter(WritableByteChannel out) {
    this(out, 64 * 1024);
  }

  /** @param bufferBytes the buffer's size (larger bodies are written straight from their arrays) */
  public FrameWriter(WritableByteChannel out, int bufferBytes) {
    this.out = out;
    this.buffer = ByteBuffer.allocate(bufferBytes);
  }

  /** Appends one frame. */
  public void write(byte type, byte[] body) throws IOException {
    if (buffer.remaining() < Frame.HEADER_BYTES) {
      flush();
    }
    buffer.putInt(body.length + 1).put(type);
    if (body.length <= buffer.remaining()) {
      buffer.put(body);
      return;
    }
    flush();
    if (body.length < buffer.capacity() / 2) {
      buffer.put(body);
    } else {
      writeFully(ByteBuffer.wrap(body));
    }
  }

  /** Appends raw bytes (the handshake). */
  public void writeRaw(byte[] bytes) throws IOException {
    if (bytes.length > buffer.remaining()) {
      flush();
      writeFully(ByteBuffer.wrap(bytes));
    } else {
      buffer.put(bytes);
    }
  }

  /** Hands everything appended so far to the channel. */
  public void flush() throws IOException {
    buffer.flip();
    try {
      writeFully(buffer);
    } finally {
      buffer.clear();
    }
  }

  /** True when nothing is waiting in the buffer. */
  public boolean isEmpty() {
    return buffer.position() == 0;
  }

  private void writeFully(ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
  }
}
