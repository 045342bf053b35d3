package org.asyncparallel.internal.wire;

import static org.asyncparallel.internal.wire.FrameAssertions.assertSameFrames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The non-blocking frame cutter: frames arrive in pieces of any size, lengths are checked first. */
class FrameDecoderTest {
  private static byte[] encode(List<Frame> frames) throws Exception {
    var bytes = new ByteArrayOutputStream();
    var writer = new FrameWriter(java.nio.channels.Channels.newChannel(bytes));
    for (Frame f : frames) {
      writer.write(f.type(), f.body());
    }
    writer.flush();
    return bytes.toByteArray();
  }

  @Test
  void framesCutFromPiecesOfEverySizeAreTheFramesWritten() throws Exception {
    var random = new Random(42);
    List<Frame> written = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] body = new byte[random.nextInt(i % 10 == 0 ? 100_000 : 100)];
      random.nextBytes(body);
      written.add(new Frame((byte) random.nextInt(128), body));
    }
    byte[] stream = encode(written);
    for (int piece : new int[] {1, 2, 5, 7, 4096, 65536, stream.length}) {
      var decoder = new FrameDecoder(1 << 20);
      List<Frame> read = new ArrayList<>();
      for (int at = 0; at < stream.length; at += piece) {
        decoder.feed(ByteBuffer.wrap(stream, at, Math.min(piece, stream.length - at)), read::add);
      }
      assertThat(decoder.atBoundary()).isTrue();
      assertThat(read).hasSameSizeAs(written);
      for (int i = 0; i < read.size(); i++) {
        assertThat(read.get(i).type()).isEqualTo(written.get(i).type());
        assertThat(read.get(i).body()).isEqualTo(written.get(i).body());
      }
    }
  }

  @Test
  void eachFrameComesOutAsSoonAsItsLastByteIsFedFromADirectBuffer() throws Exception {
    // small frames, empty bodies among them (a header that ends a feed completes its frame at once)
    List<Frame> written = new ArrayList<>();
    List<Integer> ends = new ArrayList<>();
    int end = 0;
    for (int i = 0; i < 40; i++) {
      byte[] body = new byte[i % 3 == 0 ? 0 : i];
      java.util.Arrays.fill(body, (byte) i);
      written.add(new Frame((byte) (i % 7), body));
      end += Frame.HEADER_BYTES + body.length;
      ends.add(end);
    }
    byte[] stream = encode(written);
    for (int piece : new int[] {1, 3, 5, 6, 64, 100}) {
      var decoder = new FrameDecoder(1000);
      List<Frame> read = new ArrayList<>();
      for (int at = 0; at < stream.length; at += piece) {
        int n = Math.min(piece, stream.length - at);
        ByteBuffer direct = ByteBuffer.allocateDirect(n).put(stream, at, n).flip();
        decoder.feed(direct, read::add);
        assertThat(direct.hasRemaining()).isFalse();
        int fed = at + n;
        assertThat(read).as("frames out after %d bytes in pieces of %d", fed, piece)
            .hasSize((int) ends.stream().filter(e -> e <= fed).count());
      }
      assertSameFrames(read, written);
      assertThat(decoder.atBoundary()).isTrue();
    }
  }

  @Test
  void aHalfFrameIsNotABoundary() throws Exception {
    byte[] stream = encode(List.of(new Frame((byte) 3, new byte[10])));
    var decoder = new FrameDecoder(100);
    List<Frame> read = new ArrayList<>();
    decoder.feed(ByteBuffer.wrap(stream, 0, 7), read::add);
    assertThat(read).isEmpty();
    assertThat(decoder.atBoundary()).isFalse();
  }

  @Test
  void aLengthOverTheLimitOrZeroIsRefusedBeforeAnyAllocation() {
    var decoder = new FrameDecoder(1000);
    assertThatThrownBy(() -> decoder.feed(ByteBuffer.wrap(new byte[] {(byte) 0x7f, -1, -1, -1, 1}), f -> { }))
        .isInstanceOf(ProtocolException.class).hasMessageContaining("outside 1..1000");
    var other = new FrameDecoder(1000);
    assertThatThrownBy(() -> other.feed(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 1}), f -> { }))
        .isInstanceOf(ProtocolException.class).hasMessageContaining("frame length 0");
  }

  /** Bodies on both sides of the chunked threshold and of chunk boundaries, among small ones. */
  private static List<Frame> mixedSizes(Random random) {
    int chunk = DirectChunks.CHUNK_BYTES;
    int[] sizes = {0, 1, FrameDecoder.CHUNKED_BODY_BYTES - 1, FrameDecoder.CHUNKED_BODY_BYTES, 70,
        chunk - 1, chunk, chunk + 1, 3, 3 * chunk + 17, 1 << 20, 5};
    List<Frame> frames = new ArrayList<>();
    for (int size : sizes) {
      byte[] body = new byte[size];
      random.nextBytes(body);
      frames.add(new Frame((byte) random.nextInt(128), body));
    }
    return frames;
  }

  @Test
  void largeBodiesGatheredInChunksComeOutWholeFromPiecesOfEverySize() throws Exception {
    List<Frame> written = mixedSizes(new Random(7));
    byte[] stream = encode(written);
    for (int piece : new int[] {1000, 4096, 65536, 65537, 300_000}) {
      var decoder = new FrameDecoder(2 << 20);
      List<Frame> read = new ArrayList<>();
      for (int at = 0; at < stream.length; at += piece) {
        decoder.feed(ByteBuffer.wrap(stream, at, Math.min(piece, stream.length - at)), read::add);
      }
      assertThat(decoder.atBoundary()).isTrue();
      assertSameFrames(read, written);
    }
  }

  /**
   * A reader that reads a large body straight into the decoder's chunks ({@code readTargets}, one
   * to four at a time), taking at most a random number of bytes each time as a socket would, gets
   * the same frames.
   */
  @Test
  void readingStraightIntoTheChunksGivesTheSameFrames() throws Exception {
    var random = new Random(11);
    List<Frame> written = mixedSizes(random);
    byte[] stream = encode(written);
    var decoder = new FrameDecoder(2 << 20);
    List<Frame> read = new ArrayList<>();
    int straight = 0;
    for (int at = 0; at < stream.length; ) {
      int available = Math.min(1 + random.nextInt(1_200_000), stream.length - at);
      ByteBuffer[] targets = decoder.readTargets(1 + random.nextInt(4));
      if (targets != null) { // as a scattering read fills them: in order, the last one perhaps in part
        int n = 0;
        for (ByteBuffer target : targets) {
          int k = Math.min(available - n, target.remaining());
          target.put(stream, at + n, k);
          n += k;
        }
        at += n;
        straight += n;
        decoder.filled(n, read::add);
      } else {
        decoder.feed(ByteBuffer.wrap(stream, at, available), read::add);
        at += available;
      }
    }
    assertThat(decoder.atBoundary()).isTrue();
    assertSameFrames(read, written);
    assertThat(straight).as("bytes read straight into chunks").isGreaterThan(DirectChunks.CHUNK_BYTES);
  }

  @Test
  void aLargeBodyCutOffIsNotABoundary() throws Exception {
    byte[] stream = encode(List.of(new Frame((byte) 3, new byte[FrameDecoder.CHUNKED_BODY_BYTES * 2])));
    var decoder = new FrameDecoder(1 << 20);
    List<Frame> read = new ArrayList<>();
    decoder.feed(ByteBuffer.wrap(stream, 0, stream.length - 1), read::add);
    assertThat(read).isEmpty();
    assertThat(decoder.atBoundary()).isFalse();
    assertThat(decoder.readTarget().remaining()).as("what the body still lacks").isEqualTo(1);
  }
}
