package org.asyncparallel.internal.wire;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes {@link Message}s to frames and back, by hand: no Java serialization is involved, so
 * decoding a frame never runs user code. Fields are big-endian; a string or byte array is a u32
 * length and its bytes; a decoder checks every length against what is left of the frame.
 */
public final class MessageCodec {
  static final byte HELLO = 1;
  static final byte ATTACH = 2;
  static final byte ATTACHED = 3;
  static final byte REFUSED = 4;
  /** The type of {@link Message.Data}, the hot path: its body is the payload itself. */
  public static final byte DATA = 16;
  /** The type of a plain {@link Message.Data}: its body is a {@code byte[]} value's content. */
  public static final byte DATA_BYTES = 17;
  static final byte ASSIGN = 32;
  static final byte HUB_READY = 33;
  static final byte RESULT = 34;
  static final byte FAILURE = 35;
  static final byte DIED = 36;
  static final byte REJECTED = 37;
  static final byte REQUEST = 38;
  static final byte CANCEL = 39;
  static final byte AGENT_HELLO = 48;
  static final byte LAUNCH = 49;
  static final byte LAUNCHED = 50;
  static final byte KILL = 51;
  static final byte EXITED = 52;
  static final byte OUTPUT = 53;
  static final byte HEARTBEAT = 54;

  private MessageCodec() {}

  /** The frame for a message. */
  public static Frame encode(Message message) {
    if (message instanceof Message.Data d) {
      return new Frame(d.plain() ? DATA_BYTES : DATA, d.payload());
    }
    var bytes = new ByteArrayOutputStream(64);
    var out = new DataOutputStream(bytes);
    try {
      // instanceof, not a pattern switch: a pattern switch links through SwitchBootstraps the first
      // time it runs, ~5-7 ms of CPU in a fresh JVM even with the class archive, which every
      // worker would pay at its HELLO (DESIGN.md, "What a worker does not do")
      byte type;
      if (message instanceof Message.Hello m) {
        out.writeLong(m.workerId());
        out.writeLong(m.pid());
        type = HELLO;
      } else if (message instanceof Message.Attach m) {
        out.writeLong(m.hubId());
        type = ATTACH;
      } else if (message instanceof Message.Attached m) {
        out.writeLong(m.clientId());
        type = ATTACHED;
      } else if (message instanceof Message.Refused m) {
        writeString(out, m.reason());
        type = REFUSED;
      } else if (message instanceof Message.Assign m) {
        out.writeLong(m.jobId());
        out.writeByte(m.kind().ordinal());
        writeBytes(out, m.task());
        type = ASSIGN;
      } else if (message instanceof Message.HubReady m) {
        out.writeLong(m.id());
        writeEndpoint(out, m.address().endpoint());
        out.writeLong(m.address().hubId());
        type = HUB_READY;
      } else if (message instanceof Message.Result m) {
        out.writeLong(m.id());
        writeBytes(out, m.value());
        type = RESULT;
      } else if (message instanceof Message.Failure m) {
        out.writeLong(m.id());
        writeString(out, m.error().className());
        writeString(out, m.error().message());
        writeString(out, m.error().stackTrace());
        type = FAILURE;
      } else if (message instanceof Message.Died m) {
        out.writeLong(m.id());
        writeString(out, m.reason());
        type = DIED;
      } else if (message instanceof Message.Rejected m) {
        out.writeLong(m.id());
        writeString(out, m.reason());
        type = REJECTED;
      } else if (message instanceof Message.Request m) {
        out.writeLong(m.requestId());
        writeString(out, m.machine());
        out.writeByte(m.kind().ordinal());
        writeBytes(out, m.task());
        type = REQUEST;
      } else if (message instanceof Message.Cancel m) {
        out.writeLong(m.requestId());
        type = CANCEL;
      } else if (message instanceof Message.AgentHello m) {
        out.writeLong(m.pid());
        writeString(out, m.advertisedHost());
        writeString(out, m.masterAddress());
        type = AGENT_HELLO;
      } else if (message instanceof Message.Launch m) {
        out.writeLong(m.workerId());
        type = LAUNCH;
      } else if (message instanceof Message.Launched m) {
        out.writeLong(m.workerId());
        out.writeLong(m.pid());
        type = LAUNCHED;
      } else if (message instanceof Message.Kill m) {
        out.writeLong(m.workerId());
        type = KILL;
      } else if (message instanceof Message.Exited m) {
        out.writeLong(m.workerId());
        writeString(out, m.description());
        type = EXITED;
      } else if (message instanceof Message.Output m) {
        out.writeByte(m.stream());
        writeBytes(out, m.bytes());
        type = OUTPUT;
      } else if (message instanceof Message.Heartbeat) {
        type = HEARTBEAT;
      } else {
        throw new AssertionError("no encoding for " + message.getClass().getName());
      }
      return new Frame(type, bytes.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
  }

  /**
   * The message in a frame.
   *
   * @throws ProtocolException if the type is unknown or the body is malformed
   */
  public static Message decode(Frame frame) throws ProtocolException {
    if (frame.type() == DATA || frame.type() == DATA_BYTES) {
      return new Message.Data(frame.body(), frame.type() == DATA_BYTES);
    }
    ByteBuffer in = ByteBuffer.wrap(frame.body());
    try {
      Message message = switch (frame.type()) {
        case HELLO -> new Message.Hello(in.getLong(), in.getLong());
        case ATTACH -> new Message.Attach(in.getLong());
        case ATTACHED -> new Message.Attached(in.getLong());
        case REFUSED -> new Message.Refused(readString(in));
        case ASSIGN -> new Message.Assign(in.getLong(), readKind(in), readBytes(in));
        case HUB_READY -> new Message.HubReady(in.getLong(), new HubAddress(readEndpoint(in), in.getLong()));
        case RESULT -> new Message.Result(in.getLong(), readBytes(in));
        case FAILURE -> new Message.Failure(in.getLong(),
            new RemoteError(readString(in), readString(in), readString(in)));
        case DIED -> new Message.Died(in.getLong(), readString(in));
        case REJECTED -> new Message.Rejected(in.getLong(), readString(in));
        case REQUEST -> new Message.Request(in.getLong(), readString(in), readKind(in), readBytes(in));
        case CANCEL -> new Message.Cancel(in.getLong());
        case AGENT_HELLO -> new Message.AgentHello(in.getLong(), readString(in), readString(in));
        case LAUNCH -> new Message.Launch(in.getLong());
        case LAUNCHED -> new Message.Launched(in.getLong(), in.getLong());
        case KILL -> new Message.Kill(in.getLong());
        case EXITED -> new Message.Exited(in.getLong(), readString(in));
        case OUTPUT -> new Message.Output(in.get(), readBytes(in));
        case HEARTBEAT -> new Message.Heartbeat();
        default -> throw new ProtocolException("unknown frame type " + frame.type());
      };
      if (in.hasRemaining()) {
        throw new ProtocolException("frame type " + frame.type() + " has " + in.remaining()
            + " bytes too many");
      }
      return message;
    } catch (BufferUnderflowException e) {
      throw new ProtocolException("frame type " + frame.type() + " is truncated");
    }
  }

  private static void writeEndpoint(DataOutputStream out, Endpoint endpoint) throws IOException {
    writeString(out, endpoint.machine());
    writeString(out, endpoint.unixPath());
    writeString(out, endpoint.host());
    out.writeInt(endpoint.port());
  }

  private static Endpoint readEndpoint(ByteBuffer in) throws ProtocolException {
    String machine = readString(in);
    String unixPath = readString(in);
    String host = readString(in);
    int port = in.getInt();
    if (port < 0 || port > 65535) {
      throw new ProtocolException("port " + port + " is out of range");
    }
    return new Endpoint(machine, unixPath, host, port);
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] readBytes(ByteBuffer in) throws ProtocolException {
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new ProtocolException("a field claims " + length + " bytes but " + in.remaining() + " are left");
    }
    byte[] bytes = new byte[length];
    in.get(bytes);
    return bytes;
  }

  private static String readString(ByteBuffer in) throws ProtocolException {
    return new String(readBytes(in), StandardCharsets.UTF_8);
  }

  private static JobKind readKind(ByteBuffer in) throws ProtocolException {
    int ordinal = in.get();
    JobKind[] kinds = JobKind.values();
    if (ordinal < 0 || ordinal >= kinds.length) {
      throw new ProtocolException("unknown job kind " + ordinal);
    }
    return kinds[ordinal];
  }
}
