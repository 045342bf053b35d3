package org.asyncparallel.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MessageCodecTest {
  private static final Set<Byte> KNOWN_TYPES = Set.of((byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 16, (byte) 17,
      (byte) 32, (byte) 33, (byte) 34, (byte) 35, (byte) 36, (byte) 37, (byte) 38, (byte) 39,
      (byte) 48, (byte) 49, (byte) 50, (byte) 51, (byte) 52, (byte) 53, (byte) 54);

  private static final HubAddress ADDRESS =
      new HubAddress(new Endpoint("user@hôst-1", "/tmp/asyncparallel-42/1234.sock"), 7);

  /** At least one of every message type, with edge values. */
  static List<Message> samples() {
    byte[] big = new byte[70_000];
    new Random(5).nextBytes(big);
    return List.of(
        new Message.Hello(1, 4242),
        new Message.Hello(Long.MIN_VALUE, Long.MAX_VALUE),
        new Message.Attach(3),
        new Message.Attach(-1),
        new Message.Attached(99),
        new Message.Refused("no hub 3 in process 77 (it was closed)"),
        new Message.Refused(""),
        new Message.Data(new byte[] {1, 2, 3}),
        new Message.Data(new byte[0]),
        new Message.Data(big),
        new Message.Data(new byte[] {4, 5}, true),
        new Message.Data(new byte[0], true),
        new Message.Data(big, true),
        new Message.Assign(5, JobKind.RUN, new byte[] {(byte) 0xac, (byte) 0xed, 0, 5}),
        new Message.Assign(6, JobKind.SPAWN, new byte[0]),
        new Message.HubReady(8, ADDRESS),
        new Message.HubReady(0, new HubAddress(new Endpoint("", ""), Long.MIN_VALUE)),
        new Message.HubReady(7, new HubAddress(new Endpoint("host1", "/tmp/x.sock", "10.77.0.12", 40000), 2)),
        new Message.Result(9, big),
        new Message.Result(10, new byte[0]),
        new Message.Failure(11, new RemoteError("java.lang.IllegalStateException", "bad “state” ✓",
            "java.lang.IllegalStateException: bad\n\tat X.y(X.java:1)\n")),
        new Message.Failure(12, new RemoteError("E", "", "")),
        new Message.Died(13, "worker pid 5 was killed by signal 9 (SIGKILL)"),
        new Message.Rejected(14, "the runtime is shutting down"),
        new Message.Request(15, "master", JobKind.RUN, new byte[] {7, 7}),
        new Message.Request(16, "ünïcode-machine", JobKind.SPAWN, new byte[0]),
        new Message.Cancel(17),
        new Message.Cancel(Long.MAX_VALUE),
        new Message.AgentHello(321, "10.77.0.11", "10.77.0.1"),
        new Message.AgentHello(1, "", ""),
        new Message.Launch(18),
        new Message.Launched(18, 4321),
        new Message.Kill(19),
        new Message.Exited(20, "worker pid 9 exited with status 3"),
        new Message.Output(1, "hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
        new Message.Output(2, new byte[0]),
        new Message.Heartbeat());
  }

  /** Samples whose encoding has a structure (DATA accepts any body). */
  static List<Message> structured() {
    return samples().stream().filter(m -> !(m instanceof Message.Data)).toList();
  }

  @Test
  void samplesCoverEveryMessageType() {
    Set<Class<?>> covered = new HashSet<>();
    samples().forEach(m -> covered.add(m.getClass()));
    assertThat(covered).containsExactlyInAnyOrder(Message.class.getPermittedSubclasses());
  }

  @Test
  void everyMessageRoundTrips() throws ProtocolException {
    for (Message message : samples()) {
      Frame frame = MessageCodec.encode(message);
      assertSameMessage(MessageCodec.decode(frame), message);
    }
  }

  @Test
  void everyMessageRoundTripsThroughFrames() throws IOException {
    var sink = new TestChannels.Sink();
    var writer = new FrameWriter(sink);
    for (Message message : samples()) {
      Frame frame = MessageCodec.encode(message);
      writer.write(frame.type(), frame.body());
    }
    writer.flush();
    var reader = new FrameReader(new TestChannels.Source(sink.bytes(), 1000), 1 << 20);
    for (Message message : samples()) {
      assertSameMessage(MessageCodec.decode(reader.read()), message);
    }
    assertThat(reader.read()).isNull();
  }

  @Test
  void typeCodesAreTheDocumentedOnes() {
    assertThat(type(new Message.Hello(1, 2))).isEqualTo(1);
    assertThat(type(new Message.Attach(1))).isEqualTo(2);
    assertThat(type(new Message.Attached(1))).isEqualTo(3);
    assertThat(type(new Message.Refused("x"))).isEqualTo(4);
    assertThat(type(new Message.Data(new byte[0]))).isEqualTo(16);
    assertThat(type(new Message.Data(new byte[0], true))).isEqualTo(17);
    assertThat(type(new Message.Assign(1, JobKind.RUN, new byte[0]))).isEqualTo(32);
    assertThat(type(new Message.HubReady(1, ADDRESS))).isEqualTo(33);
    assertThat(type(new Message.Result(1, new byte[0]))).isEqualTo(34);
    assertThat(type(new Message.Failure(1, new RemoteError("a", "b", "c")))).isEqualTo(35);
    assertThat(type(new Message.Died(1, "x"))).isEqualTo(36);
    assertThat(type(new Message.Rejected(1, "x"))).isEqualTo(37);
    assertThat(type(new Message.Request(1, "m", JobKind.RUN, new byte[0]))).isEqualTo(38);
    assertThat(type(new Message.Cancel(1))).isEqualTo(39);
  }

  private static int type(Message message) {
    return MessageCodec.encode(message).type();
  }

  @Test
  void bodyLayoutsAreBigEndianWithU32LengthPrefixedFields() {
    assertThat(MessageCodec.encode(new Message.Hello(1, 0x0102030405060708L)).body())
        .containsExactly(0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(MessageCodec.encode(new Message.Refused("hé")).body())
        .containsExactly(0, 0, 0, 3, 'h', 0xc3, 0xa9);
    assertThat(MessageCodec.encode(new Message.Assign(2, JobKind.SPAWN, new byte[] {9})).body())
        .containsExactly(0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 1, 9);
    assertThat(MessageCodec.encode(new Message.Request(3, "m", JobKind.RUN, new byte[] {8, 9})).body())
        .containsExactly(0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 'm', 0, 0, 0, 0, 2, 8, 9);
    assertThat(MessageCodec.encode(new Message.HubReady(4, new HubAddress(new Endpoint("a", "/s"), 5))).body())
        .containsExactly(0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 'a', 0, 0, 0, 2, '/', 's', 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5);
    assertThat(MessageCodec.encode(new Message.HubReady(4, new HubAddress(new Endpoint("a", "/s", "h", 258), 5))).body())
        .containsExactly(0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 'a', 0, 0, 0, 2, '/', 's', 0, 0, 0, 1, 'h',
            0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 5);
    byte[] payload = {1, 2, 3};
    assertThat(MessageCodec.encode(new Message.Data(payload)).body())
        .as("DATA's body is the payload itself").containsExactly(1, 2, 3);
    assertThat(MessageCodec.encode(new Message.Data(payload, true)).body())
        .as("plain DATA's body is the byte[] value's content").containsExactly(1, 2, 3);
  }

  @Test
  void unknownTypesAreProtocolErrors() {
    for (int t = Byte.MIN_VALUE; t <= Byte.MAX_VALUE; t++) {
      byte type = (byte) t;
      if (KNOWN_TYPES.contains(type)) {
        continue;
      }
      for (byte[] body : new byte[][] {new byte[0], new byte[16], new byte[100]}) {
        assertThatThrownBy(() -> MessageCodec.decode(new Frame(type, body)))
            .as("type %d", type)
            .isExactlyInstanceOf(ProtocolException.class)
            .hasMessageContaining("unknown frame type " + type);
      }
    }
  }

  @Test
  void everyTruncationIsAProtocolError() {
    for (Message message : structured()) {
      Frame frame = MessageCodec.encode(message);
      for (int n = 0; n < frame.body().length; n++) {
        byte[] prefix = Arrays.copyOf(frame.body(), n);
        assertThatThrownBy(() -> MessageCodec.decode(new Frame(frame.type(), prefix)))
            .as("%s cut to %d bytes", message.getClass().getSimpleName(), n)
            .isExactlyInstanceOf(ProtocolException.class);
      }
    }
  }

  @Test
  void trailingBytesAreAProtocolError() {
    for (Message message : structured()) {
      Frame frame = MessageCodec.encode(message);
      for (int extra = 1; extra <= 3; extra++) {
        byte[] longer = Arrays.copyOf(frame.body(), frame.body().length + extra);
        assertThatThrownBy(() -> MessageCodec.decode(new Frame(frame.type(), longer)))
            .as("%s with %d extra bytes", message.getClass().getSimpleName(), extra)
            .isExactlyInstanceOf(ProtocolException.class)
            .hasMessageContaining(extra + " bytes too many");
      }
    }
  }

  @Test
  void lengthFieldsLargerThanTheRestOfTheBodyAreProtocolErrors() {
    // REFUSED: a string that claims more than what follows, and a negative length
    for (int claimed : new int[] {1, 5, 0x7fffffff, -1, Integer.MIN_VALUE}) {
      byte[] body = ByteBuffer.allocate(4).putInt(claimed).array();
      assertThatThrownBy(() -> MessageCodec.decode(new Frame((byte) 4, body)))
          .as("claimed %d", claimed)
          .isExactlyInstanceOf(ProtocolException.class)
          .hasMessageContaining("claims " + claimed);
    }
    // RESULT: id, then a byte array claiming one byte more than there is
    byte[] result = ByteBuffer.allocate(8 + 4 + 10).putLong(1).putInt(11).array();
    assertThatThrownBy(() -> MessageCodec.decode(new Frame((byte) 34, result)))
        .isExactlyInstanceOf(ProtocolException.class).hasMessageContaining("claims 11");
    // HUB_READY: the second string claims 2 GiB
    byte[] hubReady = ByteBuffer.allocate(8 + 4 + 1 + 4 + 8).putLong(1).putInt(1).put((byte) 'a')
        .putInt(0x7fffffff).array();
    assertThatThrownBy(() -> MessageCodec.decode(new Frame((byte) 33, hubReady)))
        .isExactlyInstanceOf(ProtocolException.class).hasMessageContaining("claims 2147483647");
  }

  @Test
  void unknownJobKindIsAProtocolError() {
    for (byte kind : new byte[] {2, 3, 127, -1, -128}) {
      byte[] assign = ByteBuffer.allocate(8 + 1 + 4).putLong(1).put(kind).putInt(0).array();
      assertThatThrownBy(() -> MessageCodec.decode(new Frame((byte) 32, assign)))
          .isExactlyInstanceOf(ProtocolException.class).hasMessageContaining("unknown job kind " + kind);
      byte[] request = ByteBuffer.allocate(8 + 4 + 8 + 4).putLong(1).putInt(0).put(kind).putInt(0).array();
      assertThatThrownBy(() -> MessageCodec.decode(new Frame((byte) 38, Arrays.copyOf(request, 8 + 4 + 1 + 4))))
          .isExactlyInstanceOf(ProtocolException.class).hasMessageContaining("unknown job kind " + kind);
    }
  }

  @Test
  void randomBytesDecodeToAMessageOrAProtocolErrorOnly() {
    var random = new Random(20_240_601L);
    List<Frame> valid = structured().stream().map(MessageCodec::encode).toList();
    byte[] types = {1, 2, 3, 4, 32, 33, 34, 35, 36, 37, 38, 39};
    int decoded = 0;
    int refused = 0;
    for (int i = 0; i < 20_000; i++) {
      Frame frame;
      switch (i % 4) {
        case 0 -> { // a random body for a known structured type
          byte[] body = new byte[random.nextInt(64)];
          random.nextBytes(body);
          frame = new Frame(types[random.nextInt(types.length)], body);
        }
        case 1 -> { // a random body for any type
          byte[] body = new byte[random.nextInt(128)];
          random.nextBytes(body);
          frame = new Frame((byte) random.nextInt(256), body);
        }
        case 2 -> { // a valid frame with a few bytes flipped
          Frame base = valid.get(random.nextInt(valid.size()));
          byte[] body = base.body().clone();
          for (int k = random.nextInt(4) + 1; k > 0 && body.length > 0; k--) {
            body[random.nextInt(body.length)] = (byte) random.nextInt(256);
          }
          frame = new Frame(base.type(), body);
        }
        default -> { // a valid frame cut or extended at random, under another valid type
          Frame base = valid.get(random.nextInt(valid.size()));
          int length = random.nextInt(base.body().length + 8);
          byte[] body = Arrays.copyOf(base.body(), length);
          frame = new Frame(random.nextBoolean() ? base.type() : types[random.nextInt(types.length)], body);
        }
      }
      try {
        Message message = MessageCodec.decode(frame);
        assertThat(message).isNotNull();
        decoded++;
      } catch (ProtocolException e) {
        refused++;
      } catch (Throwable t) {
        fail("frame type " + frame.type() + " body " + Arrays.toString(frame.body()) + " threw " + t, t);
      }
    }
    assertThat(decoded + refused).isEqualTo(20_000);
    assertThat(decoded).as("the fuzz reaches successful decodes too").isPositive();
    assertThat(refused).isPositive();
  }

  // ---------------------------------------------------------------------------------------------

  /** Records with byte[] fields lack value equality: compare component by component. */
  static void assertSameMessage(Object actual, Object expected) {
    assertThat(actual).isNotNull();
    assertThat(actual.getClass()).isEqualTo(expected.getClass());
    if (!expected.getClass().isRecord()) {
      assertThat(actual).isEqualTo(expected);
      return;
    }
    for (RecordComponent component : expected.getClass().getRecordComponents()) {
      Object a;
      Object e;
      try {
        a = component.getAccessor().invoke(actual);
        e = component.getAccessor().invoke(expected);
      } catch (ReflectiveOperationException ex) {
        throw new AssertionError(ex);
      }
      String what = expected.getClass().getSimpleName() + "." + component.getName();
      if (e instanceof byte[] bytes) {
        assertThat(a).as(what).isInstanceOf(byte[].class);
        assertThat(Arrays.equals((byte[]) a, bytes)).as(what + " bytes").isTrue();
      } else if (e != null && e.getClass().isRecord()) {
        assertSameMessage(a, e);
      } else {
        assertThat(a).as(what).isEqualTo(e);
      }
    }
  }
}
