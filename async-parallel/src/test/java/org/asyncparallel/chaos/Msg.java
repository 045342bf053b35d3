package org.asyncparallel.chaos;

import java.io.Serializable;

/**
 * A message of the soak's echo streams. Data messages carry their stream, a sequence number from 0
 * and a padding that depends on both, so that the receiving side can check order, gaps,
 * duplicates and contents ({@link #check}). Two control messages: {@link #HELLO} (a greeting that
 * names the sender's process, "pid N on HOST") and {@link #STOP} (ends a server that serves many
 * clients).
 *
 * @param stream the echo stream (one per client)
 * @param seq the sequence number, or {@link #HELLO} / {@link #STOP}
 * @param pad the padding of a data message; the sender's name in a greeting
 */
record Msg(long stream, int seq, String pad) implements Serializable {
  static final int HELLO = -1;
  static final int STOP = -2;
  /** Marks an invariant violation found in a worker, so that the test tells it from a fault. */
  static final String VIOLATION = "CHAOS-INVARIANT-VIOLATION";

  /** Data message {@code seq} of {@code stream}. */
  static Msg data(long stream, int seq) {
    return new Msg(stream, seq, padOf(stream, seq));
  }

  /** A greeting naming this process. */
  static Msg hello(long stream) {
    return new Msg(stream, HELLO, Tasks.me());
  }

  static Msg stop() {
    return new Msg(0, STOP, "");
  }

  /** 0 to 300 characters, different for neighbouring messages. */
  static String padOf(long stream, int seq) {
    int length = Math.floorMod(stream * 31 + seq * 7L, 301);
    return String.valueOf((char) ('a' + Math.floorMod(stream + seq, 26))).repeat(length);
  }

  /**
   * Checks that this is data message {@code expected} of {@code stream}.
   *
   * @throws IllegalStateException marked {@link #VIOLATION}, saying what was wrong, where
   */
  void check(long stream, int expected, String where) {
    if (this.stream != stream || seq != expected || !pad.equals(padOf(stream, seq))) {
      throw new IllegalStateException(VIOLATION + " at " + where + ": expected message " + expected
          + " of stream " + stream + ", got " + (seq == expected ? "a corrupted copy of it" : "message " + seq
          + " of stream " + this.stream) + " (" + (seq < expected ? "duplicate or reordered" : "gap: lost messages")
          + ")");
    }
  }

  @Override
  public String toString() {
    return "Msg[" + stream + "#" + seq + "]";
  }
}
