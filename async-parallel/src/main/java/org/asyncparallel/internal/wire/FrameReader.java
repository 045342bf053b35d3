package org.asyncparallel.internal.wire;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads frames (and, before them, the fixed-size handshake) from a byte channel, through one
 * buffer. Not thread-safe: a connection has one reading thread.
 */
public final class FrameReader {
  private final ReadableByteChannel in;
  private final int maxFrameBytes;
  private final ByteBuffer buffer;

  /**
   * @param in the channel, in blocking mode
   * @param maxFrameBytes the largest {@code length} accepted
   */
  public FrameReader(ReadableByteChannel in, int maxFrameBytes) {
    this(in, maxFrameBytes, 64 * 1024);
  }

  /**
   * @param in the channel, in blocking mode
   * @param maxFrameBytes the largest {@code length} accepted
   * @param bufferBytes the read buffer's size (larger bodies are read straight into their arrays)
   */
  public FrameReader(ReadableByteChannel in, int maxFrameBytes, int bufferBytes) {
    this.in = in;
    this.maxFrameBytes = maxFrameBytes;
    this.buffer = ByteBuffer.allocate(bufferBytes).flip();
  }

  /** The largest frame {@code length} this reader accepts. */
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /**
   * Reads the next frame.
   *
   * @return the frame, or {@code null} at a clean end of stream between frames
   * @throws ProtocolException if the length is zero or above the maximum (nothing is allocated)
   * @throws EOFException if the stream ends inside a frame
   */
  public Frame read() throws IOException {
    if (!fill(4, true)) {
      return null;
    }
    int length = buffer.getInt();
    if (length < 1 || length > maxFrameBytes) {
      throw new ProtocolException("frame length " + Integer.toUnsignedString(length)
          + " is outside 1.." + maxFrameBytes);
    }
    fill(1, false);
    byte type = buffer.get();
    byte[] body = new byte[length - 1];
    readInto(body);
    return new Frame(type, body);
  }

  /**
   * Reads exactly {@code n} raw bytes (the handshake).
   *
   * @throws EOFException if the stream ends first
   */
  public byte[] readExactly(int n) throws IOException {
    byte[] bytes = new byte[n];
    readInto(bytes);
    return bytes;
  }

  /**
   * Takes the bytes read ahead of the last frame or handshake (a peer may send its next frames at
   * once): whoever reads this socket next must start with them. Leaves this reader empty.
   */
  public ByteBuffer takeBuffered() {
    var rest = ByteBuffer.allocate(buffer.remaining());
    rest.put(buffer).flip();
    return rest;
  }

  private void readInto(byte[] target) throws IOException {
    int done = Math.min(buffer.remaining(), target.length);
    buffer.get(target, 0, done);
    if (done == target.length) {
      return;
    }
    if (target.length - done >= buffer.capacity()) {
      ByteBuffer direct = ByteBuffer.wrap(target, done, target.length - done);
      while (direct.hasRemaining()) {
        if (in.read(direct) < 0) {
          throw new EOFException("connection ended inside a frame");
        }
      }
      return;
    }
    fill(target.length - done, false);
    buffer.get(target, done, target.length - done);
  }

  /** Makes at least {@code n} (at most the capacity) bytes available; false on EOF at a boundary. */
  private boolean fill(int n, boolean eofAllowed) throws IOException {
    if (buffer.remaining() >= n) {
      return true;
    }
    boolean atBoundary = !buffer.hasRemaining();
    buffer.compact();
    try {
      while (buffer.position() < n) {
        if (in.read(buffer) < 0) {
          if (eofAllowed && atBoundary && buffer.position() == 0) {
            return false;
          }
          throw new EOFException("connection ended inside a frame");
        }
      }
    } finally {
      buffer.flip();
    }
    return true;
  }
}
