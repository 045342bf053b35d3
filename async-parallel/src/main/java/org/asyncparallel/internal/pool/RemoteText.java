package org.asyncparallel.internal.pool;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * An exception thrown in a pool worker, as text: its class need not exist where it is read.
 *
 * @param className the exception's class
 * @param what what threw, e.g. "the function threw"
 * @param trace its stack trace with causes, as {@link Throwable#printStackTrace} prints it
 */
record RemoteText(String className, String what, String trace) {
  /** The text of {@code t}, which {@code what} did. */
  static RemoteText of(String what, Throwable t) {
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    return new RemoteText(t.getClass().getName(), what, trace.toString().stripTrailing());
  }

  /** "what: trace". */
  String describe() {
    return what + " " + trace;
  }
}
