package org.asyncparallel.internal.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.asyncparallel.internal.Threads;

/**
 * Copies a worker's stdout or stderr to this process's {@code System.out} or {@code System.err}
 * (looked up at each write, so a redirection by the application applies), whole lines at a time so
 * that workers' lines do not interleave mid-line, and keeps the last bytes for error messages.
 */
public final class OutputPump {
  private static final int TAIL_BYTES = 4096;

  private final InputStream from;
  private final Supplier<PrintStream> to;
  private final String hiddenLine; // a line containing it is not copied (the JVM's, not the user's)
  private final CountDownLatch ended = new CountDownLatch(1);
  private final byte[] tail = new byte[TAIL_BYTES];
  private int tailLength;

  private OutputPump(InputStream from, Supplier<PrintStream> to, String hiddenLine) {
    this.from = from;
    this.to = to;
    this.hiddenLine = hiddenLine;
  }

  public static OutputPump start(String name, InputStream from, Supplier<PrintStream> to) {
    return start(name, from, to, null);
  }

  /** As {@link #start(String, InputStream, Supplier)}, leaving out lines that contain {@code hiddenLine}. */
  public static OutputPump start(String name, InputStream from, Supplier<PrintStream> to, String hiddenLine) {
    var pump = new OutputPump(from, to, hiddenLine);
    Threads.startPlatform(name, pump::run);
    return pump;
  }

  /** Waits at most {@code millis} for the stream's end; true if it ended. */
  public boolean awaitEnd(long millis) throws InterruptedException {
    return ended.await(millis, TimeUnit.MILLISECONDS);
  }

  /** The last lines seen (at most about 4 KiB, at most {@code maxLines}). */
  public synchronized String tail(int maxLines) {
    String text = new String(tail, 0, tailLength, StandardCharsets.UTF_8).stripTrailing();
    String[] lines = text.split("\n", -1);
    int from = Math.max(0, lines.length - maxLines);
    return String.join("\n", Arrays.copyOfRange(lines, from, lines.length));
  }

  private void run() {
    byte[] buffer = new byte[8192];
    int held = 0;
    try {
      int n;
      while ((n = from.read(buffer, held, buffer.length - held)) > 0) {
        remember(buffer, held, n);
        held += n;
        int lastNewline = lastIndexOf(buffer, (byte) '\n', held);
        if (lastNewline >= 0 || held == buffer.length) {
          int upTo = lastNewline >= 0 ? lastNewline + 1 : held;
          emit(buffer, upTo);
          System.arraycopy(buffer, upTo, buffer, 0, held - upTo);
          held -= upTo;
        }
      }
    } catch (IOException e) {
      // the worker is gone; what was read is emitted below
    } finally {
      emit(buffer, held);
      ended.countDown();
    }
  }

  private void emit(byte[] bytes, int length) {
    if (length == 0) {
      return;
    }
    PrintStream out = to.get();
    if (hiddenLine == null) {
      out.write(bytes, 0, length);
    } else {
      int start = 0;
      while (start < length) {
        int end = start;
        while (end < length && bytes[end] != '\n') {
          end++;
        }
        end = Math.min(end + 1, length);
        if (!new String(bytes, start, end - start, StandardCharsets.UTF_8).contains(hiddenLine)) {
          out.write(bytes, start, end - start);
        }
        start = end;
      }
    }
    out.flush();
  }

  private synchronized void remember(byte[] bytes, int offset, int length) {
    if (length >= TAIL_BYTES) {
      System.arraycopy(bytes, offset + length - TAIL_BYTES, tail, 0, TAIL_BYTES);
      tailLength = TAIL_BYTES;
      return;
    }
    int keep = Math.min(tailLength, TAIL_BYTES - length);
    System.arraycopy(tail, tailLength - keep, tail, 0, keep);
    System.arraycopy(bytes, offset, tail, keep, length);
    tailLength = keep + length;
  }

  private static int lastIndexOf(byte[] bytes, byte b, int length) {
    for (int i = length - 1; i >= 0; i--) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
