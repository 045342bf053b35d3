package org.asyncparallel.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.testing.Mutator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile bytes into {@link FrameReader}: random strings, valid streams mutated, cut anywhere, or
 * with a length replaced by one outside {@code 1..max}. A read ends in a frame, a clean end
 * ({@code null}), a {@link ProtocolException} or an {@link EOFException}, never in another
 * exception; no frame exceeds the maximum; the reader never allocates more than its buffer, the
 * maximum and the input; a bad length is refused before its body is read or allocated.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameReaderFuzzTest {
  private static final int BUFFER = 64 * 1024; // FrameReader's read-ahead buffer
  private static final int[] MAXIMA = {4096, 65536, 1 << 20};
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @BeforeAll
  static void measureAllocations() {
    assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
    THREADS.setThreadAllocatedMemoryEnabled(true);
    // load every class a read can touch, so that class loading is not counted as the reader's
    for (byte[] input : new byte[][] {{0, 0, 0, 2, 7, 1}, {0, 0, 0, 0, 7}, {0, 0, 0, 9, 7, 1}, {0, 0}}) {
      readAll(input, 3, 4096);
    }
  }

  /** A valid stream: its frames, and the offset at which each starts. */
  private record Stream(List<Frame> frames, int[] offsets, byte[] bytes) {}

  private static Stream validStream(Mutator m, int max) throws IOException {
    List<Frame> frames = new ArrayList<>();
    var sink = new TestChannels.Sink();
    var writer = new FrameWriter(sink);
    int n = 1 + m.random().nextInt(8);
    int[] offsets = new int[n];
    int at = 0;
    for (int i = 0; i < n; i++) {
      int size = m.random().nextInt(10) == 0 ? m.random().nextInt(Math.min(max, 3 * BUFFER)) : m.random().nextInt(300);
      byte[] body = new byte[Math.min(size, max - 1)];
      m.random().nextBytes(body);
      var frame = new Frame((byte) m.random().nextInt(256), body);
      frames.add(frame);
      offsets[i] = at;
      at += Frame.HEADER_BYTES + body.length;
      writer.write(frame.type(), frame.body());
    }
    writer.flush();
    return new Stream(frames, offsets, sink.bytes());
  }

  /** What a reader made of a stream: its frames, and how it ended. */
  private record Outcome(List<Frame> frames, Throwable end, long allocated, int consumed) {}

  private static Outcome readAll(byte[] input, int chunk, int max) {
    var source = new TestChannels.Source(input, chunk);
    List<Frame> frames = new ArrayList<>();
    long before = THREADS.getCurrentThreadAllocatedBytes();
    Throwable end = null;
    try {
      var reader = new FrameReader(source, max);
      for (Frame frame = reader.read(); frame != null; frame = reader.read()) {
        frames.add(frame);
      }
    } catch (Throwable t) {
      end = t;
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    return new Outcome(frames, end, allocated, source.consumed());
  }

  private static void assertSafe(Outcome outcome, byte[] input, int max, Mutator m) {
    String what = m.describe(input) + ", max " + max;
    if (outcome.end() != null && !(outcome.end() instanceof ProtocolException)
        && !(outcome.end() instanceof EOFException)) {
      fail("the reader ended in " + outcome.end() + " on " + what, outcome.end());
    }
    long delivered = 0;
    for (Frame frame : outcome.frames()) {
      assertThat(frame.body().length + 1).as("a frame's length, " + what).isLessThanOrEqualTo(max);
      delivered += Frame.HEADER_BYTES + frame.body().length;
    }
    assertThat(delivered).as("bytes delivered as frames, " + what).isLessThanOrEqualTo(input.length);
    // the buffer, at most one body allowed by the maximum, the frames, and slack for the records
    // and the exception with its stack trace
    long bound = BUFFER + (long) max + 2L * input.length + 64 * 1024;
    assertThat(outcome.allocated()).as("bytes allocated while reading, " + what).isLessThanOrEqualTo(bound);
  }

  @Test
  void arbitraryBytesEndInAFrameAProtocolErrorOrAnEndOfStream() throws IOException {
    Mutator m = Mutator.seeded(0x5EED_F8A1L);
    List<byte[]> corpus = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      corpus.add(validStream(m, 4096).bytes());
    }
    int protocolErrors = 0;
    int eofs = 0;
    int clean = 0;
    for (int i = 0; i < Mutator.iterations(20_000); i++) {
      byte[] input = switch (i % 3) {
        case 0 -> m.randomBytes(200);
        case 1 -> m.mutate(corpus.get(m.random().nextInt(corpus.size())), corpus);
        default -> m.mutate(m.mutate(corpus.get(m.random().nextInt(corpus.size())), corpus), corpus);
      };
      int max = MAXIMA[m.random().nextInt(MAXIMA.length)];
      int chunk = 1 + m.random().nextInt(m.random().nextBoolean() ? 16 : 2 * BUFFER);
      Outcome outcome = readAll(input, chunk, max);
      assertSafe(outcome, input, max, m);
      if (outcome.end() instanceof ProtocolException) {
        protocolErrors++;
      } else if (outcome.end() instanceof EOFException) {
        eofs++;
      } else {
        clean++;
      }
    }
    assertThat(protocolErrors).as("inputs refused for their length").isPositive();
    assertThat(eofs).as("inputs that ended inside a frame").isPositive();
    assertThat(clean).as("inputs read to a clean end").isPositive();
  }

  @Test
  void aValidStreamCutAnywhereGivesBackItsWholeFramesThenAnEndOfStream() throws IOException {
    Mutator m = Mutator.seeded(0xC07L);
    for (int i = 0; i < Mutator.iterations(3_000); i++) {
      int max = MAXIMA[m.random().nextInt(MAXIMA.length)];
      Stream stream = validStream(m, max);
      int cut = m.random().nextInt(stream.bytes().length + 1);
      byte[] input = Arrays.copyOf(stream.bytes(), cut);
      Outcome outcome = readAll(input, 1 + m.random().nextInt(2 * BUFFER), max);
      assertSafe(outcome, input, max, m);
      int whole = 0;
      boolean atBoundary = cut == 0;
      for (int f = 0; f < stream.frames().size(); f++) {
        int end = stream.offsets()[f] + Frame.HEADER_BYTES + stream.frames().get(f).body().length;
        if (end <= cut) {
          whole++;
          atBoundary |= end == cut;
        }
      }
      assertThat(outcome.frames()).as("frames read back from a stream cut at " + cut).hasSize(whole);
      for (int f = 0; f < whole; f++) {
        assertThat(outcome.frames().get(f).type()).isEqualTo(stream.frames().get(f).type());
        assertThat(outcome.frames().get(f).body()).isEqualTo(stream.frames().get(f).body());
      }
      if (atBoundary) {
        assertThat(outcome.end()).as("a cut between frames is a clean end").isNull();
      } else {
        assertThat(outcome.end()).as("a cut inside a frame").isInstanceOf(EOFException.class);
      }
    }
  }

  @Test
  void aLengthOutsideOneToMaxIsRefusedBeforeItsBodyIsReadOrAllocated() throws IOException {
    Mutator m = Mutator.seeded(0x1E46L);
    for (int i = 0; i < Mutator.iterations(3_000); i++) {
      int max = MAXIMA[m.random().nextInt(MAXIMA.length)];
      Stream stream = validStream(m, max);
      int victim = m.random().nextInt(stream.frames().size());
      int bad = switch (m.random().nextInt(4)) {
        case 0 -> 0;
        case 1 -> max + 1 + m.random().nextInt(Integer.MAX_VALUE - max);
        case 2 -> Integer.MIN_VALUE + m.random().nextInt(Integer.MAX_VALUE); // >= 2^31 unsigned
        default -> new int[] {-1, Integer.MAX_VALUE, max + 1, Integer.MIN_VALUE}[m.random().nextInt(4)];
      };
      byte[] input = stream.bytes().clone();
      ByteBuffer.wrap(input).putInt(stream.offsets()[victim], bad);
      Outcome outcome = readAll(input, 1 + m.random().nextInt(2 * BUFFER), max);
      assertSafe(outcome, input, max, m);
      assertThat(outcome.frames()).as("frames before the bad length").hasSize(victim);
      assertThat(outcome.end()).isInstanceOf(ProtocolException.class)
          .hasMessageContaining("frame length " + Integer.toUnsignedString(bad));
      assertThat(outcome.consumed()).as("bytes read by then")
          .isLessThanOrEqualTo(stream.offsets()[victim] + 4 + BUFFER);
    }
  }

  @Test
  void readExactlyOnAStreamThatEndsFirstIsAnEndOfStream() {
    Mutator m = Mutator.seeded(0xEAC7L);
    for (int i = 0; i < Mutator.iterations(2_000); i++) {
      byte[] input = m.randomBytes(200);
      int wanted = input.length + 1 + m.random().nextInt(100);
      var reader = new FrameReader(new TestChannels.Source(input, 1 + m.random().nextInt(64)), 4096);
      try {
        reader.readExactly(wanted);
        fail("read " + wanted + " bytes out of " + input.length);
      } catch (EOFException e) {
        // expected
      } catch (Throwable t) {
        fail("readExactly ended in " + t + " on " + m.describe(input), t);
      }
    }
  }
}
