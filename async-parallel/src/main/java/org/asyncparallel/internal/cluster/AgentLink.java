package org.asyncparallel.internal.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.util.function.Consumer;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.wire.Frame;
import org.asyncparallel.internal.wire.FrameReader;
import org.asyncparallel.internal.wire.FrameWriter;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.MessageCodec;

/**
 * The link between the root and the agent of a worker machine: frames over the pipes of the ssh
 * session that started the agent (ssh authenticated it; the messages are hand-decoded records, no
 * Java serialization). One reader thread; {@link #send} writes and flushes under a lock.
 */
final class AgentLink {
  /** The reason given when the other side closed the pipe. */
  static final String SESSION_ENDED = "the ssh session ended";
  private final FrameReader reader;
  private final FrameWriter writer;
  private final OutputStream out;
  private volatile long lastHeard = System.nanoTime();

  AgentLink(InputStream in, OutputStream out, int maxFrameBytes) {
    this.reader = new FrameReader(Channels.newChannel(in), maxFrameBytes);
    this.out = out;
    this.writer = new FrameWriter(Channels.newChannel(out));
  }

  /** Writes one message now. False if the pipe is broken. */
  synchronized boolean send(Message message) {
    try {
      Frame frame = MessageCodec.encode(message);
      writer.write(frame.type(), frame.body());
      writer.flush();
      out.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Starts the reader thread: every message to {@code onMessage}, then {@code onEnd} once. */
  void start(String role, Consumer<Message> onMessage, Consumer<String> onEnd) {
    Threads.startPlatform(role, () -> {
      String reason = SESSION_ENDED;
      try {
        Frame frame;
        while ((frame = reader.read()) != null) {
          lastHeard = System.nanoTime();
          onMessage.accept(MessageCodec.decode(frame));
        }
      } catch (IOException e) {
        reason = "the ssh session broke: " + e.getMessage();
      } catch (RuntimeException e) {
        reason = "the agent link failed: " + e;
      }
      onEnd.accept(reason);
    });
  }

  /** Reads the first message, blocking (before {@link #start}). Null at end of stream. */
  Message readFirst() throws IOException {
    Frame frame = reader.read();
    lastHeard = System.nanoTime();
    return frame == null ? null : MessageCodec.decode(frame);
  }

  /** Reads raw bytes (the magic that opens the agent's stream). */
  byte[] readRaw(int n) throws IOException {
    return reader.readExactly(n);
  }

  /** Nanoseconds since the last message arrived. */
  long silentNanos() {
    return System.nanoTime() - lastHeard;
  }
}
