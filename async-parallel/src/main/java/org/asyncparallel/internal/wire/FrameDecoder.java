package org.asyncparallel.internal.wire;

import java.nio.ByteBuffer;

/**
 * Cuts frames out of bytes that arrive in pieces of any size (a non-blocking socket's reads). The
 * length is checked against the maximum before the body is allocated, as in {@link FrameReader}.
 * Not thread-safe: a connection's reads are fed by one thread at a time.
 */
public final class FrameDecoder {
  /** Receives each whole frame, in order. */
  @FunctionalInterface
  public interface Sink {
    void accept(Frame frame) throws java.io.IOException;
  }

  private final int maxFrameBytes;
  private final byte[] header = new byte[Frame.HEADER_BYTES];
  private int headerFilled;
  private byte[] body; // null while the header is incomplete
  private int bodyFilled;

  /** @param maxFrameBytes the largest {@code length} accepted */
  public FrameDecoder(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Consumes every byte of {@code bytes} (from its position to its limit), handing each frame
   * completed by them to {@code sink}.
   *
   * @throws ProtocolException if a length is zero or above the maximum (nothing is allocated)
   */
  public void feed(ByteBuffer bytes, Sink sink) throws java.io.IOException {
    while (bytes.hasRemaining()) {
      if (body == null) {
        int n = Math.min(bytes.remaining(), header.length - headerFilled);
        bytes.get(header, headerFilled, n);
        headerFilled += n;
        if (headerFilled < header.length) {
          return;
        }
        int length = ByteBuffer.wrap(header).getInt();
        if (length < 1 || length > maxFrameBytes) {
          throw new ProtocolException("frame length " + Integer.toUnsignedString(length)
              + " is outside 1.." + maxFrameBytes);
        }
        body = new byte[length - 1];
        bodyFilled = 0;
      }
      int n = Math.min(bytes.remaining(), body.length - bodyFilled);
      bytes.get(body, bodyFilled, n);
      bodyFilled += n;
      if (bodyFilled == body.length) {
        var frame = new Frame(header[4], body);
        body = null;
        headerFilled = 0;
        sink.accept(frame);
      }
    }
  }

  /** True when no frame is half-read: an end of stream here is a clean one. */
  public boolean atBoundary() {
    return body == null && headerFilled == 0;
  }
}
