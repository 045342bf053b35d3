package org.asyncparallel.internal.launch;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a worker process could not be started, in words, for the message the caller gets. The
 * operating system's refusals arrive as {@code ProcessBuilder.start}'s {@link IOException}, whose
 * message carries the errno of the failed call ({@code Cannot run program "java": error=24, Too
 * many open files}: no descriptors left for its pipes), or as an {@link OutOfMemoryError} when no
 * thread can be created (too many processes or threads, or no memory for a stack).
 */
final class LaunchFailure {
  /** {@code error=24} (JDK 21), {@code error: 24} (JDK 25). */
  private static final Pattern ERRNO = Pattern.compile("error[=:] ?(\\d+)");
  /** What JDK 25 appends to every failed start: guesses about its spawn helper, misleading here. */
  private static final String JDK_GUESSES = "Possible reasons:";

  private LaunchFailure() {}

  /** An {@link IOException} whose message says what was refused, with {@code cause} as evidence. */
  static IOException of(Throwable cause) {
    String evidence = cause.toString();
    int guesses = evidence.indexOf(JDK_GUESSES);
    if (guesses > 0) {
      evidence = evidence.substring(0, guesses).strip();
    }
    return new IOException(explain(cause) + " (" + evidence + ")", cause);
  }

  /** What the operating system refused, in words. */
  static String explain(Throwable cause) {
    if (cause instanceof OutOfMemoryError) {
      return "cannot create a thread: too many processes or threads (ulimit -u), or no memory left";
    }
    Matcher errno = ERRNO.matcher(String.valueOf(cause.getMessage()));
    return switch (errno.find() ? Integer.parseInt(errno.group(1)) : -1) {
      case 24 -> "too many open files: the process's limit (ulimit -n) is used up";
      case 23 -> "too many open files on the machine: the system-wide limit is used up";
      case 11 -> "the operating system refused a new process: too many processes or threads (ulimit -u),"
          + " or no memory left";
      case 12 -> "the operating system refused a new process: no memory left";
      case 2 -> "no such program";
      case 13 -> "permission denied";
      default -> "the operating system refused to start it";
    };
  }
}
