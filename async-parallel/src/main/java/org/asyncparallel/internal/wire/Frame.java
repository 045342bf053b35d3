package org.asyncparallel.internal.wire;

/**
 * One frame on an authenticated connection.
 *
 * <pre>
 *  0               4       5
 *  +---------------+-------+--------------------------+
 *  | length (u32)  | type  | body (length - 1 bytes)  |
 *  +---------------+-------+--------------------------+
 * </pre>
 *
 * {@code length} counts the type byte and the body, big-endian. A reader checks it against its
 * maximum before it allocates anything.
 *
 * @param type the message type, see {@link MessageCodec}
 * @param body the body; owned by the frame
 */
public record Frame(byte type, byte[] body) {
  /** Bytes before the body: the length and the type. */
  public static final int HEADER_BYTES = 5;
}
