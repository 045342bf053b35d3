package org.asyncparallel.internal.net;

import static org.asyncparallel.internal.wire.FrameAssertions.assertSameFrames;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.asyncparallel.internal.wire.DirectChunks;
import org.asyncparallel.internal.wire.Frame;
import org.asyncparallel.internal.wire.FrameDecoder;
import org.junit.jupiter.api.Test;

/**
 * The queue of a connection's unwritten frames, drained the way its flusher drains it (small frames
 * through a staging buffer, large bodies straight from where they are) by a socket that takes a
 * random number of bytes each time: the bytes are the frames, in order, whether a body waited on
 * the heap or in direct chunks.
 */
class OutboxTest {
  private final Random random = new Random(5);

  private Frame frame(int size) {
    byte[] body = new byte[size];
    random.nextBytes(body);
    return new Frame((byte) (1 + random.nextInt(100)), body);
  }

  /** Drains the outbox as Connection.flush does, into the returned bytes. */
  private byte[] drain(Outbox outbox) {
    var wire = new ByteArrayOutputStream();
    ByteBuffer stage = ByteBuffer.allocate(16 * 1024);
    while (outbox.unwritten() > 0) {
      writeOnce(outbox, stage, wire, 1 + random.nextInt(1_500_000)); // what the socket takes this time
    }
    return wire.toByteArray();
  }

  /**
   * One write of the flusher, to a socket that takes at most {@code room} bytes: a gathering write
   * from where the bytes are (buffers in order, the last one perhaps in part), or from the staging
   * buffer; the markers reached are completed, as the connection does.
   */
  private static void writeOnce(Outbox outbox, ByteBuffer stage, ByteArrayOutputStream wire, int room) {
    ByteBuffer[] direct = stage.position() == 0 ? outbox.directSlices() : null;
    int n = 0;
    if (direct != null) {
      for (ByteBuffer buffer : direct) {
        int k = Math.min(room - n, buffer.remaining());
        byte[] taken = new byte[k];
        buffer.get(taken);
        wire.writeBytes(taken);
        n += k;
      }
      outbox.tookDirect(n);
    } else {
      outbox.copyInto(stage);
      stage.flip();
      n = Math.min(room, stage.remaining());
      byte[] taken = new byte[n];
      stage.get(taken);
      wire.writeBytes(taken);
      stage.compact();
    }
    outbox.wrote(n).forEach(reached -> reached.complete(null));
  }

  private static List<Frame> decode(byte[] wire) throws Exception {
    List<Frame> frames = new ArrayList<>();
    var decoder = new FrameDecoder(8 << 20);
    decoder.feed(ByteBuffer.wrap(wire), frames::add);
    assertThat(decoder.atBoundary()).isTrue();
    return frames;
  }

  @Test
  void heapAndChunkedBodiesLeaveInOrderAndWhole() throws Exception {
    int chunk = DirectChunks.CHUNK_BYTES;
    int[] sizes = {3, 40_000, 0, chunk, 10, chunk + 1, 2 * chunk - 1, 31_000, (1 << 20) + 5, 64, 33_000};
    var outbox = new Outbox();
    List<Frame> written = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      Frame f = frame(sizes[i]);
      written.add(f);
      boolean chunked = i % 2 == 1;
      outbox.add(chunked ? OutFrame.copiedToChunks(f.type(), f.body().clone()) : OutFrame.of(f), 0);
    }
    long total = written.stream().mapToLong(f -> Frame.HEADER_BYTES + f.body().length).sum();
    assertThat(outbox.unwritten()).isEqualTo(total);
    assertSameFrames(decode(drain(outbox)), written);
    assertThat(outbox.hasFrames()).isFalse();
  }

  @Test
  void aChunkedBodyIsACopyTheCallerMayChangeAtOnce() throws Exception {
    Frame f = frame(300_000);
    byte[] callers = f.body().clone();
    var outbox = new Outbox();
    outbox.add(OutFrame.copiedToChunks(f.type(), callers), 0);
    java.util.Arrays.fill(callers, (byte) 0);
    assertSameFrames(decode(drain(outbox)), List.of(f));
  }

  @Test
  void aMarkerIsReachedOnceEverythingBeforeItIsWrittenAndNotBefore() {
    var outbox = new Outbox();
    outbox.add(OutFrame.copiedToChunks((byte) 1, new byte[500_000]), 0);
    CompletableFuture<Void> marker = outbox.marker();
    outbox.add(OutFrame.of(frame(10)), 0);
    long before = Frame.HEADER_BYTES + 500_000;
    assertThat(outbox.wrote(before - 1)).isEmpty();
    assertThat(outbox.wrote(1)).containsExactly(marker);
    assertThat(outbox.unwritten()).isEqualTo(Frame.HEADER_BYTES + 10);
  }

  @Test
  void aLazyLinkThatSealsGetsItsChunkedBodiesBackAsArraysToSeal() throws Exception {
    var outbox = new Outbox();
    Frame big = frame(DirectChunks.CHUNK_BYTES + 9);
    Frame small = frame(5);
    outbox.add(OutFrame.copiedToChunks(big.type(), big.body()), 0);
    outbox.add(OutFrame.of(small), 0);
    List<Frame> seen = new ArrayList<>();
    outbox.replaceAll(f -> {
      seen.add(f);
      return new Frame(f.type(), reversed(f.body())); // stands for sealing: another body
    });
    assertSameFrames(seen, List.of(big, small));
    assertSameFrames(decode(drain(outbox)),
        List.of(new Frame(big.type(), reversed(big.body())), new Frame(small.type(), reversed(small.body()))));
  }

  @Test
  void smallFramesAppendedIntoSegmentsWhileOthersAreWrittenLeaveInOrder() throws Exception {
    var outbox = new Outbox(false);
    List<Frame> written = new ArrayList<>();
    var wire = new ByteArrayOutputStream();
    ByteBuffer stage = ByteBuffer.allocate(16 * 1024);
    List<CompletableFuture<Void>> markers = new ArrayList<>();
    List<Long> markerTargets = new ArrayList<>();
    long appended = 0;
    for (int step = 0; step < 3000 || outbox.unwritten() > 0; step++) {
      if (step < 3000) { // senders append between the flusher's writes, as they do
        int kind = random.nextInt(40);
        Frame f = frame(kind == 0 ? 70_000 : kind == 1 ? 9_000 : random.nextInt(200));
        byte[] callers = f.body().clone();
        if (kind == 0) {
          outbox.add(OutFrame.copiedToChunks(f.type(), callers), 0);
        } else if (Outbox.fitsSegment(callers.length)) {
          outbox.addSmall(f.type(), callers, 0);
        } else {
          outbox.add(OutFrame.of(new Frame(f.type(), callers.clone())), 0); // Connection.owned's copy
        }
        java.util.Arrays.fill(callers, (byte) 0); // the caller reuses its array at once
        written.add(f);
        appended += Frame.HEADER_BYTES + f.body().length;
        if (random.nextInt(50) == 0) {
          markers.add(outbox.marker());
          markerTargets.add(appended);
        }
      }
      if (random.nextInt(3) == 0 || step >= 3000) { // the socket takes a little, a partial write
        writeOnce(outbox, stage, wire, 1 + random.nextInt(3000));
        for (int i = 0; i < markers.size(); i++) {
          assertThat(markers.get(i).isDone())
              .as("marker at %d after %d bytes", markerTargets.get(i), wire.size())
              .isEqualTo(markerTargets.get(i) <= wire.size());
        }
      }
    }
    assertSameFrames(decode(wire.toByteArray()), written);
    assertThat(outbox.hasFrames()).isFalse();
  }

  @Test
  void anUntimedOutboxKeepsNoAgesAndItsMarkersFollowSealing() {
    var timed = new Outbox(true);
    timed.add(OutFrame.of(frame(10)), 12_345);
    assertThat(timed.oldestUnwrittenNanos()).isEqualTo(12_345);
    var untimed = new Outbox(false);
    untimed.add(OutFrame.of(frame(10)), 12_345);
    assertThat(untimed.oldestUnwrittenNanos()).as("no clock is kept without an age limit").isZero();
    CompletableFuture<Void> marker = untimed.marker();
    untimed.add(OutFrame.of(frame(20)), 0);
    untimed.replaceAll(f -> new Frame(f.type(), new byte[f.body().length + 16])); // sealing adds bytes
    assertThat(untimed.unwritten()).isEqualTo(2L * Frame.HEADER_BYTES + 10 + 20 + 32);
    assertThat(untimed.wrote(Frame.HEADER_BYTES + 26 - 1)).isEmpty();
    assertThat(untimed.wrote(1)).containsExactly(marker);
  }

  private static byte[] reversed(byte[] bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = bytes[bytes.length - 1 - i];
    }
    return out;
  }
}
