package org.asyncparallel.internal.wire;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * An exception thrown in a worker, as text: it travels without Java serialization, so its class
 * need not exist (or deserialize) on the other side.
 *
 * @param className the exception's class
 * @param message its message, or empty
 * @param stackTrace its full stack trace with causes, as {@link Throwable#printStackTrace} prints it
 */
public record RemoteError(String className, String message, String stackTrace) {
  /** The text of {@code t}. */
  public static RemoteError of(Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    String message = t.getMessage() == null ? "" : t.getMessage();
    return new RemoteError(t.getClass().getName(), message, trace.toString());
  }
}
