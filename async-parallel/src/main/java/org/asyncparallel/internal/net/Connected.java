package org.asyncparallel.internal.net;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import org.asyncparallel.internal.wire.Frame;
import org.asyncparallel.internal.wire.FrameReader;
import org.asyncparallel.internal.wire.FrameSealer;
import org.asyncparallel.internal.wire.FrameWriter;

/**
 * An authenticated socket with its frame reader and writer, before a {@link Connection} owns it.
 *
 * @param channel the socket, blocking
 * @param reader reads frames from it
 * @param writer writes frames to it
 * @param sealer encrypts and authenticates every frame after the handshake (links between
 *     machines), or null (links within a machine: a Unix socket in a directory only its user reads)
 */
public record Connected(SocketChannel channel, FrameReader reader, FrameWriter writer, FrameSealer sealer) {
  /**
   * The buffers of a socket's reader and writer: they carry the handshake and the first frames (a
   * {@link Connection} then reads and writes the socket itself), and a larger body goes straight
   * from or into its array. Small: every buffer a starting worker zeroes stays resident while it
   * idles (64 KiB each, two per link, were ~0.3 MiB of a worker).
   */
  public static final int HANDSHAKE_BUFFER_BYTES = 8 * 1024;

  /** A new socket's reader and writer, with {@link #HANDSHAKE_BUFFER_BYTES} buffers; frames plain. */
  static Connected handshaking(SocketChannel socket, int maxFrameBytes) {
    return new Connected(socket, new FrameReader(socket, maxFrameBytes, HANDSHAKE_BUFFER_BYTES),
        new FrameWriter(socket, HANDSHAKE_BUFFER_BYTES));
  }

  /** A socket whose frames travel as they are. */
  public Connected(SocketChannel channel, FrameReader reader, FrameWriter writer) {
    this(channel, reader, writer, null);
  }

  /** This socket with frames sealed by {@code sealer} from now on. */
  Connected sealedWith(FrameSealer frameSealer) {
    return new Connected(channel, reader, writer, frameSealer);
  }

  /** Writes one frame (sealed if this link seals) and flushes; for the first frames, before a Connection. */
  void writeFirst(Frame frame) throws IOException {
    Frame out = sealer == null ? frame : sealer.seal(frame);
    writer.write(out.type(), out.body());
    writer.flush();
  }

  /** Reads one frame (opened if this link seals), or null at the end; before a Connection. */
  Frame readFirst() throws IOException {
    Frame in = reader.read();
    return in == null || sealer == null ? in : sealer.open(in);
  }

  /** Closes the socket, ignoring errors. */
  public void closeQuietly() {
    closeQuietly(channel);
  }

  /** Closes a socket, ignoring errors. */
  static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing is best effort
    }
  }
}
