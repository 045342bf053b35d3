package org.asyncparallel.internal.pool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.asyncparallel.Progress;

/**
 * A one-line progress bar for a long map, redrawn in place with {@code \r}:
 *
 * <pre>
 *   [###########.........]  55%  550,000/1,000,000 items  3.21 M items/s  ETA 0:00:01
 * </pre>
 *
 * It appears once the map has run for a second, is redrawn at most five times a second, and ends
 * with a newline when the map ends. Only one bar draws at a time in a process (the first map that
 * wants one); others stay silent. Drawn by the map's driver thread.
 */
public final class ProgressBar {
  private static final long SHOW_AFTER_NANOS = 1_000_000_000L;
  private static final long REDRAW_NANOS = 200_000_000L;
  private static final int WIDTH = 24;
  private static final AtomicReference<ProgressBar> DRAWING = new AtomicReference<>();

  private final PrintStream out;
  private long lastDraw;
  private int lastLength;
  private boolean drawn;

  /** A bar that draws on {@code out}. */
  public ProgressBar(PrintStream out) {
    this.out = out;
  }

  /** A bar on standard error if it is a terminal, else {@code null}. */
  static ProgressBar onTerminal() {
    return stderrIsTerminal() ? new ProgressBar(System.err) : null;
  }

  /**
   * True if standard error is a terminal: on Linux, file descriptor 2 is a tty device; elsewhere,
   * the JVM has a console.
   */
  public static boolean stderrIsTerminal() {
    Path fd2 = Path.of("/proc/self/fd/2");
    if (Files.exists(Path.of("/proc/self/fd"))) {
      try {
        String target = Files.readSymbolicLink(fd2).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
      } catch (IOException | UnsupportedOperationException | SecurityException e) {
        return false;
      }
    }
    return System.console() != null;
  }

  /** Draws the progress if the map has run long enough and the last drawing is old enough. */
  public void update(Progress progress, long startNanos) {
    long now = System.nanoTime();
    if (now - startNanos < SHOW_AFTER_NANOS || (drawn && now - lastDraw < REDRAW_NANOS)) {
      return;
    }
    if (!drawn && !DRAWING.compareAndSet(null, this)) {
      return;
    }
    draw(progress);
    lastDraw = now;
  }

  /** Draws the final figures and ends the line, if the bar was ever drawn. */
  public void finish(Progress progress) {
    if (drawn) {
      draw(progress);
      out.print('\n');
      out.flush();
      DRAWING.compareAndSet(this, null);
    }
  }

  private void draw(Progress p) {
    String line = render(p);
    int pad = Math.max(0, lastLength - line.length());
    out.print("\r" + line + " ".repeat(pad));
    out.flush();
    lastLength = line.length();
    drawn = true;
  }

  /** The text of the bar for these figures. */
  public static String render(Progress p) {
    var s = new StringBuilder();
    String rate = rate(p.itemsPerSecond());
    if (p.totalKnown()) {
      double f = Math.min(1, Math.max(0, p.fraction()));
      int full = (int) Math.round(f * WIDTH);
      s.append('[').append("#".repeat(full)).append(".".repeat(WIDTH - full)).append(']');
      s.append(String.format(Locale.ROOT, " %3d%%  %,d/%,d items  %s", (int) Math.floor(f * 100), p.done(),
          p.total(), rate));
      if (p.itemsPerSecond() > 0 && p.done() < p.total()) {
        long seconds = (long) Math.ceil((p.total() - p.done()) / p.itemsPerSecond());
        s.append(String.format(Locale.ROOT, "  ETA %d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60));
      }
    } else {
      s.append(String.format(Locale.ROOT, "%,d items  %s", p.done(), rate));
    }
    return s.toString();
  }

  private static String rate(double perSecond) {
    if (perSecond >= 1e6) {
      return String.format(Locale.ROOT, "%.2f M items/s", perSecond / 1e6);
    }
    if (perSecond >= 1e3) {
      return String.format(Locale.ROOT, "%.1f k items/s", perSecond / 1e3);
    }
    return String.format(Locale.ROOT, "%.1f items/s", perSecond);
  }
}
