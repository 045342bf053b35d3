package org.asyncparallel.internal.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.asyncparallel.ParallelException;
import org.junit.jupiter.api.Test;

/**
 * Every pool request and reply comes back from its bytes as it was, and bytes that are not one
 * (cut short, with a stray byte, an unknown tag, a length past the end) are a
 * {@link ParallelException} that says so, never another exception.
 */
class PoolWireTest {
  private static final byte[] BIG = new byte[10_000];

  static {
    new Random(7).nextBytes(BIG);
  }

  private static final RemoteText TEXT = new RemoteText("java.lang.IllegalStateException", "the function threw",
      "java.lang.IllegalStateException: ünïcode ✓\n\tat X.y(X.java:1)");

  static List<Request> requests() {
    return List.of(
        new Request.Hello(),
        new Request.Stop(),
        new Request.Call(42, new byte[] {9, 8, 7}),
        new Request.Call(Long.MIN_VALUE, new byte[0]),
        new Request.Chunk(1, 2, 3, BIG, null),
        new Request.Chunk(4, 5, 6, new byte[] {1}, new Request.Define(new byte[] {2, 3}, null, new long[0])),
        new Request.Chunk(7, 8, 9, new byte[0], new Request.Define(new byte[] {4}, new byte[] {5, 6},
            new long[] {10, Long.MAX_VALUE})));
  }

  static List<Reply> replies() {
    return List.of(
        new Reply.Ready(1234),
        new Reply.InitFailed(99, TEXT),
        new Reply.Results(1, 2, BIG, 3_000_000),
        new Reply.Partial(3, 4, new byte[] {1, 2}, 0),
        new Reply.ItemFailed(5, 6, 7, new RemoteText("E", "", "")),
        new Reply.CallDone(8, new byte[] {4}),
        new Reply.CallDone(9, new byte[0]),
        new Reply.CallFailed(10, TEXT));
  }

  @Test
  void everyRequestComesBackAsItWas() {
    for (Request request : requests()) {
      assertThat(PoolWire.decodeRequest(PoolWire.encode(request)))
          .usingRecursiveComparison().isEqualTo(request);
    }
  }

  @Test
  void everyReplyComesBackAsItWas() {
    for (Reply reply : replies()) {
      assertThat(PoolWire.decodeReply(PoolWire.encode(reply))).usingRecursiveComparison().isEqualTo(reply);
    }
  }

  @Test
  void aCallAndItsAnswerAreAFewBytesMoreThanTheirValues() {
    assertThat(PoolWire.encode(new Request.Call(1, new byte[150]))).hasSize(1 + 8 + 4 + 150);
    assertThat(PoolWire.encode(new Reply.CallDone(1, new byte[5]))).hasSize(1 + 8 + 4 + 5);
  }

  @Test
  void cutShortOrWithAStrayByteIsAMalformedMessage() {
    for (Request request : requests()) {
      byte[] bytes = PoolWire.encode(request);
      for (int cut = 0; cut < bytes.length; cut += Math.max(1, bytes.length / 200)) {
        byte[] prefix = Arrays.copyOf(bytes, cut);
        assertThatThrownBy(() -> PoolWire.decodeRequest(prefix)).as("%s cut to %d", request, cut)
            .isExactlyInstanceOf(ParallelException.class).hasMessageContaining("a malformed pool request");
      }
      byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
      assertThatThrownBy(() -> PoolWire.decodeRequest(longer)).hasMessageContaining("1 bytes after its end");
    }
    for (Reply reply : replies()) {
      byte[] bytes = PoolWire.encode(reply);
      for (int cut = 0; cut < bytes.length; cut += Math.max(1, bytes.length / 200)) {
        byte[] prefix = Arrays.copyOf(bytes, cut);
        assertThatThrownBy(() -> PoolWire.decodeReply(prefix)).as("%s cut to %d", reply, cut)
            .isExactlyInstanceOf(ParallelException.class).hasMessageContaining("a malformed pool reply");
      }
    }
  }

  @Test
  void unknownTagsAndImpossibleLengthsAreMalformedMessages() {
    assertThatThrownBy(() -> PoolWire.decodeRequest(new byte[] {77})).hasMessageContaining("unknown request tag 77");
    assertThatThrownBy(() -> PoolWire.decodeReply(new byte[] {1})).hasMessageContaining("unknown reply tag 1");
    byte[] call = PoolWire.encode(new Request.Call(1, new byte[] {1, 2}));
    call[9] = (byte) 0x7f; // the task's length: far past the end
    assertThatThrownBy(() -> PoolWire.decodeRequest(call)).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("bytes where 2 remain");
    byte[] chunk = PoolWire.encode(new Request.Chunk(1, 2, 3, new byte[0],
        new Request.Define(new byte[0], null, new long[] {1})));
    chunk[chunk.length - 12] = (byte) 0x40; // the count of ended maps: far more than the bytes left
    assertThatThrownBy(() -> PoolWire.decodeRequest(chunk)).isExactlyInstanceOf(ParallelException.class)
        .hasMessageContaining("a count of");
  }
}
