package org.asyncparallel.internal.runtime;

import org.asyncparallel.internal.codec.Codec;
import org.asyncparallel.internal.wire.Message;

/**
 * The DATA messages that carry user values on channels and hubs. A {@code byte[]} value travels
 * plain (its content is the frame's body), so the receiver hands out the frame's own array: one
 * copy of a large array less on each side than a tagged encoding, whose tag would have to be
 * stripped. Every other value travels as its {@link Codec} bytes.
 */
final class Payloads {
  private Payloads() {}

  /**
   * The message for a value: a {@code byte[]} itself, or the value's Codec bytes. A plain message
   * holds the caller's own array, which the caller may change once its write returns: a
   * connection copies it as it queues it ({@code Connection.write}); {@link #snapshot} makes one to
   * keep.
   *
   * @throws org.asyncparallel.ParallelException if it cannot be serialized or does not fit in one
   *     message
   */
  static Message.Data encode(Object value, String what, int maxFrameBytes) {
    if (value instanceof byte[] bytes) {
      Codec.checkFits(bytes.length, what, maxFrameBytes);
      return new Message.Data(bytes, true);
    }
    return new Message.Data(Codec.encode(value, what, maxFrameBytes));
  }

  /** A message to keep and write again and again: a plain one's array copied. */
  static Message.Data snapshot(Message.Data data) {
    return data.plain() ? new Message.Data(data.payload().clone(), true) : data;
  }

  /**
   * The value a message from {@code from} carries: a plain one's array itself, or its Codec bytes
   * decoded (the description for an error is only made then, not for every plain message).
   *
   * @throws org.asyncparallel.ParallelException if it does not decode
   */
  static Object decodeFrom(Message.Data data, Object from) {
    return data.plain() ? data.payload() : Codec.decode(data.payload(), "the message from " + from);
  }
}
