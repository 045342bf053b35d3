package org.asyncparallel.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A thread's socket read buffer starts small and doubles, up to 64 KiB, only when a read fills it. */
class ReadBufferTest {
  @Test
  void aReadThatFillsTheBufferDoublesItForTheNextUpTo64KiB() {
    var reads = new ReadBuffer();
    assertThat(reads.buffer().capacity()).isEqualTo(ReadBuffer.FIRST_BYTES);
    assertThat(reads.buffer().isDirect()).isTrue();
    reads.afterRead(ReadBuffer.FIRST_BYTES - 1); // the socket had less: an idle link keeps the small one
    assertThat(reads.buffer().capacity()).isEqualTo(ReadBuffer.FIRST_BYTES);
    int expected = ReadBuffer.FIRST_BYTES;
    for (int i = 0; i < 6; i++) {
      reads.afterRead(reads.buffer().capacity()); // a stream fills every read
      expected = Math.min(2 * expected, ReadBuffer.MAX_BYTES);
      assertThat(reads.buffer().capacity()).isEqualTo(expected);
    }
    assertThat(reads.buffer().capacity()).isEqualTo(ReadBuffer.MAX_BYTES);
  }
}
