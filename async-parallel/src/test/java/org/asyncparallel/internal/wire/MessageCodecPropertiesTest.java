package org.asyncparallel.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.asyncparallel.testing.Mutator;

/**
 * Properties of {@link MessageCodec}: every message record, with generated fields, comes back
 * from its frame unchanged (alone and in a stream read in pieces of any size); any frame at all,
 * generated or mutated from a valid one, decodes to a message or is a {@link ProtocolException},
 * and a decoded message re-encodes to a frame that decodes to the same message.
 */
class MessageCodecPropertiesTest {
  /** Strings as Java holds them, without lone surrogates (which UTF-8 cannot carry). */
  private static Arbitrary<String> strings() {
    return Arbitraries.oneOf(List.of(
        Arbitraries.strings().ascii().ofMaxLength(24),
        Arbitraries.strings().withCharRange('\u0000', '\uD7FF').withCharRange('\uE000', '\uFFFF').ofMaxLength(24),
        Arbitraries.of("", "😀 emoji", "𝄞 clef", "user@hôst-1", "/tmp/asyncparallel-42/1234.sock")));
  }

  private static Arbitrary<byte[]> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
  }

  @Provide
  static Arbitrary<Message> messages() {
    Arbitrary<Long> id = Arbitraries.longs();
    Arbitrary<JobKind> kind = Arbitraries.of(JobKind.class);
    Arbitrary<Endpoint> endpoint = Combinators.combine(strings(), strings(), strings(),
        Arbitraries.integers().between(0, 65535)).as(Endpoint::new);
    Arbitrary<HubAddress> address = Combinators.combine(endpoint, id).as(HubAddress::new);
    Arbitrary<RemoteError> error = Combinators.combine(strings(), strings(), strings()).as(RemoteError::new);
    return Arbitraries.oneOf(List.of(
        Combinators.combine(id, id).as(Message.Hello::new),
        id.map(Message.Attach::new),
        id.map(Message.Attached::new),
        strings().map(Message.Refused::new),
        bytes().map(Message.Data::new),
        bytes().map(b -> new Message.Data(b, true)),
        Combinators.combine(id, kind, bytes()).as(Message.Assign::new),
        Combinators.combine(id, address).as(Message.HubReady::new),
        Combinators.combine(id, bytes()).as(Message.Result::new),
        Combinators.combine(id, error).as(Message.Failure::new),
        Combinators.combine(id, strings()).as(Message.Died::new),
        Combinators.combine(id, strings()).as(Message.Rejected::new),
        Combinators.combine(id, strings(), kind, bytes()).as(Message.Request::new),
        id.map(Message.Cancel::new),
        Combinators.combine(id, strings(), strings()).as(Message.AgentHello::new),
        id.map(Message.Launch::new),
        Combinators.combine(id, id).as(Message.Launched::new),
        id.map(Message.Kill::new),
        Combinators.combine(id, strings()).as(Message.Exited::new),
        Combinators.combine(Arbitraries.integers().between(-128, 127), bytes()).as(Message.Output::new),
        Arbitraries.just(new Message.Heartbeat())));
  }

  @Example
  void theGeneratorMakesEveryKindOfMessage() {
    Set<Class<?>> made = new HashSet<>();
    messages().sampleStream().limit(5_000).forEach(m -> made.add(m.getClass()));
    assertThat(made).containsExactlyInAnyOrder(Message.class.getPermittedSubclasses());
  }

  @Property(tries = 3_000)
  void everyMessageComesBackFromItsFrame(@ForAll("messages") Message message) throws ProtocolException {
    MessageCodecTest.assertSameMessage(MessageCodec.decode(MessageCodec.encode(message)), message);
  }

  @Property(tries = 300)
  void aStreamOfMessagesComesBackReadInPiecesOfAnySize(
      @ForAll @Size(max = 40) List<@From("messages") Message> messages,
      @ForAll @IntRange(min = 1, max = 5_000) int chunk) throws IOException {
    var sink = new TestChannels.Sink();
    var writer = new FrameWriter(sink);
    for (Message message : messages) {
      Frame frame = MessageCodec.encode(message);
      writer.write(frame.type(), frame.body());
    }
    writer.flush();
    var reader = new FrameReader(new TestChannels.Source(sink.bytes(), chunk), 1 << 20);
    List<Message> back = new ArrayList<>();
    for (Frame frame = reader.read(); frame != null; frame = reader.read()) {
      back.add(MessageCodec.decode(frame));
    }
    assertThat(back).hasSameSizeAs(messages);
    for (int i = 0; i < messages.size(); i++) {
      MessageCodecTest.assertSameMessage(back.get(i), messages.get(i));
    }
  }

  @Property(tries = 10_000)
  void anyFrameDecodesToAMessageOrIsAProtocolError(@ForAll byte type, @ForAll @Size(max = 120) byte[] body) {
    assertDecodesSafely(new Frame(type, body));
  }

  @Property(tries = 10_000)
  void aMutatedFrameDecodesToAMessageOrIsAProtocolError(@ForAll("messages") Message message, @ForAll long seed) {
    Frame frame = MessageCodec.encode(message);
    var mutator = new Mutator(seed);
    byte type = mutator.random().nextInt(8) == 0 ? (byte) mutator.random().nextInt(256) : frame.type();
    assertDecodesSafely(new Frame(type, mutator.mutate(frame.body())));
  }

  /** A message, or a protocol error: and a decoded message survives its own round trip. */
  private static void assertDecodesSafely(Frame frame) {
    Message decoded;
    try {
      decoded = MessageCodec.decode(frame);
    } catch (ProtocolException e) {
      return;
    } catch (RuntimeException e) {
      fail("frame type " + frame.type() + " of " + frame.body().length + " bytes threw " + e, e);
      return;
    }
    Frame again = MessageCodec.encode(decoded);
    assertThat(again.type()).isEqualTo(frame.type());
    try {
      MessageCodecTest.assertSameMessage(MessageCodec.decode(again), decoded);
    } catch (ProtocolException e) {
      fail("the re-encoding of a decoded " + decoded.getClass().getSimpleName() + " does not decode", e);
    }
  }
}
