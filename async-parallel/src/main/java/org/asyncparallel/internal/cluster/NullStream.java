package org.asyncparallel.internal.cluster;

import java.io.OutputStream;
import java.io.PrintStream;

/** Discards what is written: for output that is only kept as a tail, not shown. */
final class NullStream {
  static final PrintStream INSTANCE = new PrintStream(OutputStream.nullOutputStream());

  private NullStream() {}
}
