package org.asyncparallel.internal.launch;

import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts processes only when there are descriptors for their pipes. Asked to start a process
 * without them, the JDK (25.0.3 here; {@code ProcessImpl} with {@code posix_spawn}) fails its
 * {@code pipe2} with EMFILE and then closes descriptor numbers it never opened: {@code strace -f}
 * of ResourceLimitTest's fixture showed {@code pipe2(...) = -1 EMFILE} followed by
 * {@code close(48)} (another part of the process's open file) and {@code close(0)} (its standard
 * input), from the thread starting the worker. Whatever else of the process held those numbers
 * then reads, writes or closes something else. So each start first takes the descriptors that a
 * start uses ({@value #NEEDED}: five pipes and the helper's own), gives them back at once, and only
 * then asks the JDK; if they cannot be taken, the start fails as the JDK's would ({@code error=24,
 * Too many open files}) and nothing is closed. A thread of the process that opens files between
 * the two steps can still take them: the window is a few microseconds, not the whole start.
 */
public final class ProcessStarts {
  /** Descriptors taken before a start. */
  static final int NEEDED = 12;
  private static final String NULL_DEVICE = "/dev/null";

  private ProcessStarts() {}

  /**
   * {@code builder.start()}, after checking that the descriptors it needs are free.
   *
   * @throws IOException as {@link ProcessBuilder#start}, and {@code error=24, Too many open files}
   *     when the descriptors are not free (no process is started then)
   */
  public static Process start(ProcessBuilder builder) throws IOException {
    reserve();
    return builder.start();
  }

  /** Takes {@link #NEEDED} descriptors and gives them back; fails if the process has fewer free. */
  static void reserve() throws IOException {
    List<FileInputStream> taken = new ArrayList<>(NEEDED);
    try {
      for (int i = 0; i < NEEDED; i++) {
        taken.add(new FileInputStream(NULL_DEVICE));
      }
    } catch (IOException e) {
      if (String.valueOf(e.getMessage()).contains("Too many open files")) {
        throw new IOException("Cannot start a process: error=24, Too many open files (fewer than "
            + NEEDED + " descriptors free for its pipes)", e);
      }
      if (!String.valueOf(e.getMessage()).contains(NULL_DEVICE)) {
        throw e;
      } // no /dev/null (a strange machine): start as before, unguarded
    } finally {
      for (FileInputStream stream : taken) {
        stream.close();
      }
    }
  }
}
