package org.asyncparallel.internal.wire;

import java.nio.ByteBuffer;

/**
 * Cuts frames out of bytes that arrive in pieces of any size (a non-blocking socket's reads). The
 * length is checked against the maximum before the body is allocated, as in {@link FrameReader}.
 * A body of {@value #CHUNKED_BODY_BYTES} bytes or more is gathered in {@link DirectChunks} and made
 * an array only once it is whole (a half-read megabyte array would be copied by every garbage
 * collection it lives through); a reader may read such a body's bytes straight into its chunks
 * ({@link #readTarget}). Not thread-safe: a connection's reads are fed by one thread at a time.
 */
public final class FrameDecoder {
  /** Receives each whole frame, in order. */
  @FunctionalInterface
  public interface Sink {
    void accept(Frame frame) throws java.io.IOException;
  }

  /** Bodies at least this large are gathered in direct chunks. */
  public static final int CHUNKED_BODY_BYTES = 64 * 1024;

  private final int maxFrameBytes;
  private final byte[] header = new byte[Frame.HEADER_BYTES];
  private int headerFilled; // bytes of a header split across feeds, in header
  private byte type; // the type of the frame being read
  private byte[] body; // a small body being read, or null
  private ByteBuffer[] chunks; // a large body being read, or null; its chunks are taken as needed
  private int bodyLength;
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
      if (body == null && chunks == null) {
        if (headerFilled == 0 && bytes.remaining() >= Frame.HEADER_BYTES) {
          start(bytes.getInt(), bytes.get()); // the common case: a whole header here, read in place
        } else {
          int n = Math.min(bytes.remaining(), header.length - headerFilled);
          bytes.get(header, headerFilled, n);
          headerFilled += n;
          if (headerFilled < header.length) {
            return;
          }
          headerFilled = 0;
          start(ByteBuffer.wrap(header).getInt(), header[4]);
        }
        // then on below, with what is left of these bytes: an empty body completes here
      }
      if (chunks != null) {
        ByteBuffer target = readTarget();
        int n = Math.min(bytes.remaining(), target.remaining());
        target.put(target.position(), bytes, bytes.position(), n);
        bytes.position(bytes.position() + n);
        filled(n, sink);
        continue;
      }
      int n = Math.min(bytes.remaining(), body.length - bodyFilled);
      bytes.get(body, bodyFilled, n);
      bodyFilled += n;
      if (bodyFilled == body.length) {
        var frame = new Frame(type, body);
        body = null;
        sink.accept(frame);
      }
    }
  }

  /**
   * A header has been read: checks its length, then readies the body (an array, or chunks for a
   * large one; a frame with an empty body is a body of length 0, completed by the caller's loop).
   */
  private void start(int length, byte frameType) throws ProtocolException {
    if (length < 1 || length > maxFrameBytes) {
      throw new ProtocolException("frame length " + Integer.toUnsignedString(length)
          + " is outside 1.." + maxFrameBytes);
    }
    type = frameType;
    bodyLength = length - 1;
    bodyFilled = 0;
    if (bodyLength >= CHUNKED_BODY_BYTES) {
      chunks = new ByteBuffer[(bodyLength + DirectChunks.CHUNK_BYTES - 1) / DirectChunks.CHUNK_BYTES];
    } else {
      body = new byte[bodyLength];
    }
  }

  /**
   * Where the next bytes may be read straight into: the part of a large body's current chunk that
   * the body still needs (position and limit set); null when no large body is being read. After
   * reading into it, call {@link #filled}.
   */
  public ByteBuffer readTarget() {
    return chunks == null ? null : target(bodyFilled / DirectChunks.CHUNK_BYTES, bodyFilled);
  }

  /**
   * For a scattering read: the {@link #readTarget} and the body's following chunks, up to
   * {@code maxChunks} in all (each with what it still needs); null when no large body is being
   * read. After reading into them, call {@link #filled} with the bytes read.
   */
  public ByteBuffer[] readTargets(int maxChunks) {
    if (chunks == null) {
      return null;
    }
    int first = bodyFilled / DirectChunks.CHUNK_BYTES;
    int count = Math.min(maxChunks, chunks.length - first);
    ByteBuffer[] out = new ByteBuffer[count];
    for (int i = 0; i < count; i++) {
      int index = first + i;
      out[i] = target(index, i == 0 ? bodyFilled : index * DirectChunks.CHUNK_BYTES);
    }
    return out;
  }

  /** Chunk {@code index}, taken if need be, positioned at body offset {@code from}, limited to the body. */
  private ByteBuffer target(int index, int from) {
    if (chunks[index] == null) {
      chunks[index] = DirectChunks.take();
    }
    int start = index * DirectChunks.CHUNK_BYTES;
    return chunks[index]
        .limit(Math.min(DirectChunks.CHUNK_BYTES, bodyLength - start))
        .position(from - start);
  }

  /**
   * Counts {@code n} bytes read into the {@link #readTarget}; hands the frame to {@code sink} if
   * they complete it (its body then an array, its chunks given back).
   */
  public void filled(int n, Sink sink) throws java.io.IOException {
    bodyFilled += n;
    if (bodyFilled < bodyLength) {
      return;
    }
    ByteBuffer[] whole = chunks;
    for (ByteBuffer chunk : whole) {
      chunk.position(0); // each chunk's limit is where its part of the body ends
    }
    var frame = new Frame(type, DirectChunks.toArray(whole, bodyLength));
    DirectChunks.giveAll(whole);
    chunks = null;
    sink.accept(frame);
  }

  /** True when no frame is half-read: an end of stream here is a clean one. */
  public boolean atBoundary() {
    return body == null && chunks == null && headerFilled == 0;
  }
}
