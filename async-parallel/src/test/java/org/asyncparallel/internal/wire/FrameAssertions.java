package org.asyncparallel.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/** Assertions on frames for the tests of the wire and net packages. */
public final class FrameAssertions {
  private FrameAssertions() {}

  /** Same types and bodies, in the same order (bodies compared by content, quickly: some are megabytes). */
  public static void assertSameFrames(List<Frame> read, List<Frame> written) {
    assertThat(read).hasSameSizeAs(written);
    for (int i = 0; i < read.size(); i++) {
      assertThat(read.get(i).type()).as("type of frame %d", i).isEqualTo(written.get(i).type());
      assertThat(java.util.Arrays.equals(read.get(i).body(), written.get(i).body()))
          .as("body of frame %d (%d bytes read, %d written)", i, read.get(i).body().length, written.get(i).body().length)
          .isTrue();
    }
  }
}
