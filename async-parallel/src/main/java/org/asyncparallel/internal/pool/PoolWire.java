package org.asyncparallel.internal.pool;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.asyncparallel.ParallelException;

/**
 * The bytes of a pool's {@link Request}s and {@link Reply}s, which travel as {@code byte[]}
 * messages on the worker's hub link (a {@code byte[]} message is sent as it is: no codec). A
 * hand-written layout rather than Java serialization: the records are the library's own, and a
 * {@code submit} pays their encoding twice per round trip (a record's object stream took 3-7 µs
 * to read back here).
 *
 * <pre>
 *   message  = tag u8, then its fields in order
 *   long     = i64          bytes = i32 length (-1: null) + the bytes      str = bytes of UTF-8
 *   Request: 1 Hello | 2 Chunk(mapId, seq, start, items bytes, hasDefine u8 [fn bytes, reducer bytes,
 *            ended: i32 count + longs]) | 3 Call(callId, task bytes) | 4 Stop
 *   Reply:  11 Ready(pid) | 12 InitFailed(pid, text) | 13 Results(mapId, seq, values bytes, nanos)
 *         | 14 Partial(mapId, seq, value bytes, nanos) | 15 ItemFailed(mapId, seq, index, text)
 *         | 16 CallDone(callId, value bytes) | 17 CallFailed(callId, text)
 *   text   = className str, what str, trace str   (a RemoteText)
 * </pre>
 *
 * Decoding is strict: an unknown tag, a length that is negative (but for a null) or past the end,
 * or bytes left over is a {@link ParallelException}.
 */
final class PoolWire {
  private static final byte HELLO = 1;
  private static final byte CHUNK = 2;
  private static final byte CALL = 3;
  private static final byte STOP = 4;
  private static final byte READY = 11;
  private static final byte INIT_FAILED = 12;
  private static final byte RESULTS = 13;
  private static final byte PARTIAL = 14;
  private static final byte ITEM_FAILED = 15;
  private static final byte CALL_DONE = 16;
  private static final byte CALL_FAILED = 17;

  private PoolWire() {}

  static byte[] encode(Request request) {
    return switch (request) {
      case Request.Hello h -> new byte[] {HELLO};
      case Request.Stop s -> new byte[] {STOP};
      case Request.Call c -> put(allocate(CALL, 8 + size(c.task())).putLong(c.callId()), c.task()).array();
      case Request.Chunk c -> {
        Request.Define d = c.define();
        int defineSize = d == null ? 0 : size(d.fn()) + size(d.reducer()) + 4 + 8 * d.ended().length;
        ByteBuffer out = put(allocate(CHUNK, 24 + size(c.items()) + 1 + defineSize)
            .putLong(c.mapId()).putLong(c.seq()).putLong(c.start()), c.items());
        out.put((byte) (d == null ? 0 : 1));
        if (d != null) {
          put(put(out, d.fn()), d.reducer()).putInt(d.ended().length);
          for (long ended : d.ended()) {
            out.putLong(ended);
          }
        }
        yield out.array();
      }
    };
  }

  static byte[] encode(Reply reply) {
    return switch (reply) {
      case Reply.Ready r -> allocate(READY, 8).putLong(r.pid()).array();
      case Reply.InitFailed f -> text(allocate(INIT_FAILED, 8 + size(f.error())).putLong(f.pid()), f.error()).array();
      case Reply.Results r -> put(allocate(RESULTS, 24 + size(r.values())).putLong(r.mapId()).putLong(r.seq()),
          r.values()).putLong(r.nanos()).array();
      case Reply.Partial p -> put(allocate(PARTIAL, 24 + size(p.value())).putLong(p.mapId()).putLong(p.seq()),
          p.value()).putLong(p.nanos()).array();
      case Reply.ItemFailed f -> text(allocate(ITEM_FAILED, 24 + size(f.error()))
          .putLong(f.mapId()).putLong(f.seq()).putLong(f.index()), f.error()).array();
      case Reply.CallDone d -> put(allocate(CALL_DONE, 8 + size(d.value())).putLong(d.callId()), d.value()).array();
      case Reply.CallFailed f -> text(allocate(CALL_FAILED, 8 + size(f.error())).putLong(f.callId()), f.error()).array();
    };
  }

  /**
   * @throws ParallelException if the bytes are not a request
   */
  static Request decodeRequest(byte[] message) {
    ByteBuffer in = ByteBuffer.wrap(message);
    try {
      Request request = switch (in.get()) {
        case HELLO -> new Request.Hello();
        case STOP -> new Request.Stop();
        case CALL -> new Request.Call(in.getLong(), bytes(in));
        case CHUNK -> {
          long mapId = in.getLong();
          long seq = in.getLong();
          long start = in.getLong();
          byte[] items = bytes(in);
          Request.Define define = null;
          if (in.get() != 0) {
            byte[] fn = bytes(in);
            byte[] reducer = bytes(in);
            long[] ended = new long[count(in, 8)];
            for (int i = 0; i < ended.length; i++) {
              ended[i] = in.getLong();
            }
            define = new Request.Define(fn, reducer, ended);
          }
          yield new Request.Chunk(mapId, seq, start, items, define);
        }
        default -> throw new IllegalArgumentException("unknown request tag " + message[0]);
      };
      return finished(in, request);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw malformed("request", e);
    }
  }

  /**
   * @throws ParallelException if the bytes are not a reply
   */
  static Reply decodeReply(byte[] message) {
    ByteBuffer in = ByteBuffer.wrap(message);
    try {
      Reply reply = switch (in.get()) {
        case READY -> new Reply.Ready(in.getLong());
        case INIT_FAILED -> new Reply.InitFailed(in.getLong(), text(in));
        case RESULTS -> new Reply.Results(in.getLong(), in.getLong(), bytes(in), in.getLong());
        case PARTIAL -> new Reply.Partial(in.getLong(), in.getLong(), bytes(in), in.getLong());
        case ITEM_FAILED -> new Reply.ItemFailed(in.getLong(), in.getLong(), in.getLong(), text(in));
        case CALL_DONE -> new Reply.CallDone(in.getLong(), bytes(in));
        case CALL_FAILED -> new Reply.CallFailed(in.getLong(), text(in));
        default -> throw new IllegalArgumentException("unknown reply tag " + message[0]);
      };
      return finished(in, reply);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw malformed("reply", e);
    }
  }

  private static ParallelException malformed(String what, RuntimeException e) {
    String why = e instanceof BufferUnderflowException ? "it ends too soon" : e.getMessage();
    return new ParallelException("a malformed pool " + what + ": " + why, e);
  }

  private static <T> T finished(ByteBuffer in, T message) {
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " bytes after its end");
    }
    return message;
  }

  private static ByteBuffer allocate(byte tag, int fields) {
    return ByteBuffer.allocate(1 + fields).put(tag);
  }

  private static int size(byte[] bytes) {
    return 4 + (bytes == null ? 0 : bytes.length);
  }

  private static int size(RemoteText text) {
    return size(utf8(text.className())) + size(utf8(text.what())) + size(utf8(text.trace()));
  }

  /** Puts the i32 length and the bytes (-1 for null). */
  private static ByteBuffer put(ByteBuffer out, byte[] bytes) {
    out.putInt(bytes == null ? -1 : bytes.length);
    return bytes == null ? out : out.put(bytes);
  }

  private static ByteBuffer text(ByteBuffer out, RemoteText text) {
    return put(put(put(out, utf8(text.className())), utf8(text.what())), utf8(text.trace()));
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(ByteBuffer in) {
    int length = in.getInt();
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException("a field of " + length + " bytes where " + in.remaining() + " remain");
    }
    byte[] out = Arrays.copyOfRange(in.array(), in.position(), in.position() + length);
    in.position(in.position() + length);
    return out;
  }

  private static int count(ByteBuffer in, int eachBytes) {
    int count = in.getInt();
    if (count < 0 || (long) count * eachBytes > in.remaining()) {
      throw new IllegalArgumentException("a count of " + count + " where " + in.remaining() + " bytes remain");
    }
    return count;
  }

  private static RemoteText text(ByteBuffer in) {
    return new RemoteText(string(in), string(in), string(in));
  }

  private static String string(ByteBuffer in) {
    byte[] utf8 = bytes(in);
    return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
  }
}
