package org.asyncparallel.internal.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.asyncparallel.internal.Threads;

/**
 * The process's one I/O thread, {@code asyncparallel-io}: a selector over every connection's
 * socket. It reads and cuts frames (handing them to the connections' handlers, which only queue),
 * finishes writes that a socket could not take at once, and runs the connections' lifecycle
 * tasks. It never runs user code and never blocks but in {@link Selector#select}.
 *
 * <p>Started by the first connection of the process; a daemon that then lives as long as the
 * process (an idle selector costs nothing). Interest sets change only on this thread.
 */
final class IoLoop {
  private static final Object LOCK = new Object();
  private static IoLoop instance; // guarded by LOCK

  private final Selector selector;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  /** The one read buffer: every socket is read into it, then its bytes are cut into frames. */
  private final ReadBuffer readBuffer = new ReadBuffer();
  private final Thread thread;

  private IoLoop() throws IOException {
    selector = Selector.open();
    thread = Threads.startPlatform("io", this::run);
  }

  /** The process's loop, started on first use. */
  static IoLoop get() {
    synchronized (LOCK) {
      if (instance == null) {
        try {
          instance = new IoLoop();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot open a selector", e);
        }
      }
      return instance;
    }
  }

  /** True on the I/O thread itself. */
  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on the I/O thread, soon: after the current round of reads. */
  void execute(Runnable task) {
    tasks.add(task);
    if (!inLoop()) {
      selector.wakeup();
    }
  }

  /** What runs once the keys cancelled since the last select have left the selector (I/O thread only). */
  private final List<Runnable> afterRelease = new ArrayList<>();

  /**
   * Makes the I/O thread select again: an interest change made on another thread takes effect
   * only then (until it does, the selector still wakes the I/O thread for that socket).
   */
  void reselect() {
    if (!inLoop()) {
      selector.wakeup();
    }
  }

  /**
   * Stops watching a socket (its connection ended), then runs {@code then} once the key has left
   * the selector, which is when a closed socket's descriptor is released: whoever {@code then}
   * tells that the connection is gone may count descriptors. Call on the I/O thread.
   */
  void cancel(SelectionKey key, Runnable then) {
    key.cancel();
    afterRelease.add(then);
  }

  /** Registers a connection's socket (non-blocking) for reads. Call on the I/O thread. */
  SelectionKey register(Connection connection) throws IOException {
    var channel = connection.socket();
    channel.configureBlocking(false);
    return channel.register(selector, SelectionKey.OP_READ, connection);
  }

  private void run() {
    while (true) {
      try {
        if (tasks.isEmpty()) {
          selector.select(this::ready);
        } else { // queued by this thread itself, which does not wake the selector
          selector.selectNow(this::ready);
        }
      } catch (IOException | RuntimeException e) {
        // a selector failure is not one connection's: keep serving the others
      }
      drain(tasks);
      if (!afterRelease.isEmpty()) {
        // a closed socket's descriptor is released only when its key leaves the selector, at a
        // select: do it now, not whenever the next event comes (a link read by its consumer
        // brings none here), and only then say the connection is gone
        try {
          selector.selectNow(this::ready);
        } catch (IOException | RuntimeException e) {
          // as above
        }
        var released = new ArrayList<>(afterRelease);
        afterRelease.clear();
        released.forEach(IoLoop::runQuietly);
      }
    }
  }

  private static void drain(Queue<Runnable> queue) {
    Runnable task;
    while ((task = queue.poll()) != null) {
      runQuietly(task);
    }
  }

  private static void runQuietly(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      // a task belongs to one connection, which ends itself on failure
    }
  }

  private void ready(SelectionKey key) {
    var connection = (Connection) key.attachment();
    if (!key.isValid()) {
      return;
    }
    if (key.isWritable()) {
      connection.onWritable();
    }
    if (key.isValid() && key.isReadable()) {
      connection.onReadable(readBuffer); // the connection clears it before it reads into it
    }
  }
}
