package org.asyncparallel.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FrameReaderWriterTest {
  private static final int BUFFER = 64 * 1024;
  private static final int MAX = 1 << 20;

  /** Sizes around every boundary of the 64 KiB buffers, up to 200_000. */
  private static List<Integer> edgeSizes() {
    List<Integer> sizes = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 100, 1000, 4096));
    for (int boundary : new int[] {BUFFER / 2, BUFFER - Frame.HEADER_BYTES, BUFFER, 2 * BUFFER, 3 * BUFFER}) {
      for (int d = -6; d <= 6; d++) {
        sizes.add(boundary + d);
      }
    }
    sizes.add(200_000);
    return sizes;
  }

  private static List<byte[]> bodies(List<Integer> sizes, long seed) {
    var random = new Random(seed);
    List<byte[]> bodies = new ArrayList<>();
    for (int size : sizes) {
      byte[] body = new byte[size];
      random.nextBytes(body);
      bodies.add(body);
    }
    return bodies;
  }

  private static byte[] encode(List<byte[]> bodies, TestChannels.Sink sink) throws IOException {
    var writer = new FrameWriter(sink);
    for (int i = 0; i < bodies.size(); i++) {
      writer.write((byte) i, bodies.get(i));
    }
    writer.flush();
    assertThat(writer.isEmpty()).isTrue();
    return sink.bytes();
  }

  private static void assertReadsBack(FrameReader reader, List<byte[]> bodies) throws IOException {
    for (int i = 0; i < bodies.size(); i++) {
      Frame frame = reader.read();
      assertThat(frame).as("frame %d", i).isNotNull();
      assertThat(frame.type()).as("type of frame %d", i).isEqualTo((byte) i);
      assertThat(frame.body().length).as("length of frame %d", i).isEqualTo(bodies.get(i).length);
      assertThat(Arrays.equals(frame.body(), bodies.get(i))).as("body of frame %d", i).isTrue();
    }
    assertThat(reader.read()).as("clean end after the last frame").isNull();
  }

  @Test
  void manyFramesOfEverySizeRoundTrip() throws IOException {
    List<Integer> sizes = edgeSizes();
    var random = new Random(7);
    for (int i = 0; i < 150; i++) {
      sizes.add(random.nextInt(200_001));
    }
    for (int i = 0; i < 150; i++) {
      sizes.add(random.nextInt(300)); // small frames, gathered in the writer's buffer
    }
    List<byte[]> bodies = bodies(sizes, 1);
    byte[] wire = encode(bodies, new TestChannels.Sink());
    long expected = sizes.stream().mapToLong(s -> s + Frame.HEADER_BYTES).sum();
    assertThat(wire.length).isEqualTo(expected);

    assertReadsBack(new FrameReader(Channels.newChannel(new ByteArrayInputStream(wire)), MAX), bodies);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 4999, BUFFER - 1, BUFFER + 1})
  void framesSplitAcrossShortReadsAndShortWrites(int chunk) throws IOException {
    List<byte[]> bodies = bodies(edgeSizes(), chunk);
    byte[] wire = encode(bodies, new TestChannels.Sink(chunk));
    var source = new TestChannels.Source(wire, chunk);
    assertReadsBack(new FrameReader(source, MAX), bodies);
    assertThat(source.consumed()).isEqualTo(wire.length);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 8192})
  void theSmallBuffersOfASocketsHandshakeCarryFramesOfEverySize(int chunk) throws IOException {
    int small = org.asyncparallel.internal.net.Connected.HANDSHAKE_BUFFER_BYTES;
    List<Integer> sizes = new ArrayList<>(List.of(0, 1, 100));
    for (int boundary : new int[] {small / 2, small - Frame.HEADER_BYTES, small, 2 * small}) {
      for (int d = -3; d <= 3; d++) {
        sizes.add(boundary + d);
      }
    }
    sizes.add(100_000);
    List<byte[]> bodies = bodies(sizes, chunk);
    var sink = new TestChannels.Sink(chunk);
    var writer = new FrameWriter(sink, small);
    for (int i = 0; i < bodies.size(); i++) {
      writer.write((byte) i, bodies.get(i));
    }
    writer.flush();
    byte[] wire = sink.bytes();
    assertThat(wire.length).isEqualTo(sizes.stream().mapToLong(s -> s + Frame.HEADER_BYTES).sum());
    assertReadsBack(new FrameReader(new TestChannels.Source(wire, chunk), MAX, small), bodies);
  }

  @Test
  void oneByteReadsDeliverEveryFrame() throws IOException {
    List<byte[]> bodies = bodies(List.of(0, 7, BUFFER - 3, BUFFER + 11, 200_000, 1), 3);
    byte[] wire = encode(bodies, new TestChannels.Sink());
    var source = new TestChannels.Source(wire, 1);
    assertReadsBack(new FrameReader(source, MAX), bodies);
    // one byte per read: one read per byte plus the final end-of-stream read
    assertThat(source.reads()).isEqualTo(wire.length + 1);
  }

  @Test
  void frameLayoutIsLengthTypeBody() throws IOException {
    var sink = new TestChannels.Sink();
    var writer = new FrameWriter(sink);
    writer.write((byte) 7, new byte[] {1, 2, 3});
    writer.write((byte) -2, new byte[0]);
    writer.flush();
    assertThat(sink.bytes()).containsExactly(0, 0, 0, 4, 7, 1, 2, 3, 0, 0, 0, 1, -2);
  }

  @Test
  void writerGathersSmallFramesUntilFlush() throws IOException {
    var sink = new TestChannels.Sink();
    var writer = new FrameWriter(sink);
    assertThat(writer.isEmpty()).isTrue();
    for (int i = 0; i < 100; i++) {
      writer.write((byte) 1, new byte[] {(byte) i});
    }
    assertThat(writer.isEmpty()).isFalse();
    assertThat(sink.writes()).as("nothing reaches the channel before flush").isZero();
    writer.flush();
    assertThat(sink.writes()).as("100 small frames in one write").isEqualTo(1);
    assertThat(sink.bytes()).hasSize(100 * 6);
    assertThat(writer.isEmpty()).isTrue();
  }

  @Test
  void rawBytesThenFramesShareOneStream() throws IOException {
    var sink = new TestChannels.Sink();
    var writer = new FrameWriter(sink);
    byte[] raw = new byte[Handshake.CHALLENGE_BYTES];
    new Random(3).nextBytes(raw);
    byte[] bigRaw = new byte[BUFFER + 10];
    new Random(4).nextBytes(bigRaw);
    writer.writeRaw(raw);
    writer.write((byte) 9, new byte[] {42});
    writer.writeRaw(bigRaw);
    writer.write((byte) 10, new byte[0]);
    writer.flush();

    var reader = new FrameReader(new TestChannels.Source(sink.bytes(), 5), MAX);
    assertThat(reader.readExactly(raw.length)).isEqualTo(raw);
    Frame first = reader.read();
    assertThat(first.type()).isEqualTo((byte) 9);
    assertThat(first.body()).containsExactly(42);
    assertThat(reader.readExactly(bigRaw.length)).isEqualTo(bigRaw);
    assertThat(reader.read().type()).isEqualTo((byte) 10);
    assertThat(reader.read()).isNull();
  }

  @Test
  void cleanEndOfStreamAtAFrameBoundaryIsNull() throws IOException {
    var empty = new FrameReader(Channels.newChannel(new ByteArrayInputStream(new byte[0])), MAX);
    assertThat(empty.read()).isNull();
    assertThat(empty.read()).as("still null when asked again").isNull();

    byte[] one = {0, 0, 0, 2, 5, 99};
    var reader = new FrameReader(new TestChannels.Source(one, 1), MAX);
    assertThat(reader.read().body()).containsExactly(99);
    assertThat(reader.read()).isNull();
  }

  @Test
  void endOfStreamInsideTheLengthIsEof() {
    assertEof(new byte[] {0, 0}, 64);
    assertEof(new byte[] {0}, 1);
  }

  @Test
  void endOfStreamAfterTheLengthIsEof() {
    assertEof(new byte[] {0, 0, 0, 1}, 64);
    assertEof(new byte[] {0, 0, 0, 1}, 1);
  }

  @Test
  void endOfStreamInsideASmallBodyIsEof() {
    assertEof(new byte[] {0, 0, 0, 10, 1, 1, 2, 3}, 64);
    assertEof(new byte[] {0, 0, 0, 10, 1, 1, 2, 3}, 1);
  }

  @Test
  void endOfStreamInsideALargeBodyIsEof() {
    int length = 150_000;
    byte[] wire = new byte[4 + 1 + 100_000];
    ByteBuffer.wrap(wire).putInt(length).put((byte) 3);
    assertEof(wire, 64 * 1024);
    assertEof(wire, 1000);
  }

  @Test
  void endOfStreamInsideTheSecondFrameIsEof() throws IOException {
    byte[] wire = {0, 0, 0, 2, 5, 99, 0, 0, 0, 3, 6, 1};
    var reader = new FrameReader(new TestChannels.Source(wire, 64), MAX);
    assertThat(reader.read().type()).isEqualTo((byte) 5);
    assertThatThrownBy(reader::read).isInstanceOf(EOFException.class);
  }

  @Test
  void endOfStreamInsideReadExactlyIsEof() {
    var reader = new FrameReader(new TestChannels.Source(new byte[10], 3), MAX);
    assertThatThrownBy(() -> reader.readExactly(38)).isInstanceOf(EOFException.class);
  }

  private static void assertEof(byte[] wire, int chunk) {
    var reader = new FrameReader(new TestChannels.Source(wire, chunk), MAX);
    assertThatThrownBy(reader::read).isExactlyInstanceOf(EOFException.class);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE, -200, MAX + 1, MAX + 1000, Integer.MAX_VALUE})
  void lengthOutsideOneToMaxIsAProtocolErrorAfterReadingOnlyTheLength(int length) {
    byte[] wire = new byte[4 + 100];
    ByteBuffer.wrap(wire).putInt(length);
    var source = new TestChannels.Source(wire, 1);
    var reader = new FrameReader(source, MAX);
    assertThatThrownBy(reader::read)
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageContaining(Integer.toUnsignedString(length))
        .hasMessageContaining("1.." + MAX);
    assertThat(source.consumed()).as("only the 4 length bytes were read").isEqualTo(4);
  }

  @Test
  void lengthOfExactlyMaxIsAccepted() throws IOException {
    int max = 1000;
    byte[] wire = new byte[4 + max];
    ByteBuffer.wrap(wire).putInt(max).put((byte) 4);
    Frame frame = new FrameReader(new TestChannels.Source(wire, 100), max).read();
    assertThat(frame.type()).isEqualTo((byte) 4);
    assertThat(frame.body()).hasSize(max - 1);
  }

  @Test
  void hugeLengthIsRefusedWithoutAllocatingOrReadingTheBody() {
    byte[] header = ByteBuffer.allocate(5).putInt(0x7fffffff).put((byte) 16).array();
    var endless = new TestChannels.Endless(header);
    var reader = new FrameReader(endless, MAX);
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    long before = threads.getCurrentThreadAllocatedBytes();

    assertThatThrownBy(reader::read)
        .isExactlyInstanceOf(ProtocolException.class)
        .hasMessageContaining("2147483647");

    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(allocated).as("bytes allocated while refusing the frame").isLessThan(256 * 1024);
    assertThat(endless.handedOut()).as("read no further than the first buffer fill")
        .isLessThanOrEqualTo(BUFFER);
  }

  @Test
  void aStreamOfManyFramesViaOutputStreamChannel() throws IOException {
    var out = new ByteArrayOutputStream();
    var writer = new FrameWriter(Channels.newChannel(out));
    List<byte[]> bodies = bodies(List.of(5, 0, 70_000, 3, 131_072), 11);
    for (int i = 0; i < bodies.size(); i++) {
      writer.write((byte) i, bodies.get(i));
    }
    writer.flush();
    assertReadsBack(new FrameReader(Channels.newChannel(new ByteArrayInputStream(out.toByteArray())), MAX), bodies);
  }
}
