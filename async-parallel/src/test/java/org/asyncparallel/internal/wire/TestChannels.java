package org.asyncparallel.internal.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicLong;

/** In-memory byte channels for the wire tests: no sockets. */
final class TestChannels {
  private TestChannels() {}

  /** Reads from an array, at most {@code chunk} bytes per read, counting what it hands out. */
  static final class Source implements ReadableByteChannel {
    private final byte[] bytes;
    private final int chunk;
    private int position;
    private int reads;
    private boolean open = true;

    Source(byte[] bytes, int chunk) {
      this.bytes = bytes;
      this.chunk = chunk;
    }

    /** Bytes handed out so far. */
    int consumed() {
      return position;
    }

    int reads() {
      return reads;
    }

    @Override
    public int read(ByteBuffer dst) {
      reads++;
      if (position == bytes.length) {
        return -1;
      }
      int n = Math.min(Math.min(chunk, dst.remaining()), bytes.length - position);
      dst.put(bytes, position, n);
      position += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }

  /**
   * A channel that starts with {@code prefix} and then never ends (0x55 bytes forever), counting
   * every byte it hands out: proves a reader stopped reading.
   */
  static final class Endless implements ReadableByteChannel {
    private final byte[] prefix;
    private final AtomicLong handedOut = new AtomicLong();

    Endless(byte[] prefix) {
      this.prefix = prefix;
    }

    long handedOut() {
      return handedOut.get();
    }

    @Override
    public int read(ByteBuffer dst) {
      int n = 0;
      while (dst.hasRemaining()) {
        long at = handedOut.getAndIncrement();
        dst.put(at < prefix.length ? prefix[(int) at] : (byte) 0x55);
        n++;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** Collects what is written, counting the write calls. */
  static final class Sink implements WritableByteChannel {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int chunk;
    private int writes;

    Sink() {
      this(Integer.MAX_VALUE);
    }

    /** A sink that accepts at most {@code chunk} bytes per write (a short write). */
    Sink(int chunk) {
      this.chunk = chunk;
    }

    byte[] bytes() {
      return bytes.toByteArray();
    }

    int writes() {
      return writes;
    }

    @Override
    public int write(ByteBuffer src) {
      writes++;
      int n = Math.min(chunk, src.remaining());
      byte[] part = new byte[n];
      src.get(part);
      bytes.write(part, 0, n);
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** Copies everything written through it to a record, for replays. */
  static final class Tee implements WritableByteChannel {
    private final WritableByteChannel out;
    private final ByteArrayOutputStream record = new ByteArrayOutputStream();

    Tee(WritableByteChannel out) {
      this.out = out;
    }

    synchronized byte[] recorded() {
      return record.toByteArray();
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      ByteBuffer copy = src.duplicate();
      int n = out.write(src);
      byte[] part = new byte[n];
      copy.get(part);
      synchronized (this) {
        record.write(part, 0, n);
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return out.isOpen();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
