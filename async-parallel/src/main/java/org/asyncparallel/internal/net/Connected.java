package org.asyncparallel.internal.net;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import org.asyncparallel.internal.wire.FrameReader;
import org.asyncparallel.internal.wire.FrameWriter;

/**
 * An authenticated socket with its frame reader and writer, before a {@link Connection} owns it.
 *
 * @param channel the socket, blocking
 * @param reader reads frames from it
 * @param writer writes frames to it
 */
public record Connected(SocketChannel channel, FrameReader reader, FrameWriter writer) {
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
