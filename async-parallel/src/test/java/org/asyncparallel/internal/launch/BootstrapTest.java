package org.asyncparallel.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Cluster;
import org.asyncparallel.internal.runtime.RuntimeSettings;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class BootstrapTest {
  private static Bootstrap sample(List<String> workers) {
    var settings = new RuntimeSettings(Secret.generate(), 0x1234_5678_9abc_def0L,
        new Cluster("master-hôst", workers), "master-hôst", !workers.isEmpty(),
        Path.of("/tmp/asyncparallel-42"), 64 << 20, "10.0.0.1", "10.0.0.2");
    return new Bootstrap(settings, 77, new Endpoint("master-hôst", "/tmp/asyncparallel-42/1000.sock", "", 4242));
  }

  private static byte[] bytesOf(Bootstrap bootstrap) throws IOException {
    var out = new ByteArrayOutputStream();
    bootstrap.writeTo(out);
    return out.toByteArray();
  }

  private static void assertSame(Bootstrap actual, Bootstrap expected) {
    RuntimeSettings a = actual.settings();
    RuntimeSettings e = expected.settings();
    assertThat(a.secret().bytes()).isEqualTo(e.secret().bytes());
    assertThat(a.runtimeId()).isEqualTo(e.runtimeId());
    assertThat(a.cluster()).isEqualTo(e.cluster());
    assertThat(a.localMachine()).isEqualTo(e.localMachine());
    assertThat(a.workerMachine()).isEqualTo(e.workerMachine());
    assertThat(a.socketDirectory()).isEqualTo(e.socketDirectory());
    assertThat(a.maxFrameBytes()).isEqualTo(e.maxFrameBytes());
    assertThat(a.masterAddress()).isEqualTo(e.masterAddress());
    assertThat(a.advertisedHost()).isEqualTo(e.advertisedHost());
    assertThat(actual.workerId()).isEqualTo(expected.workerId());
    assertThat(actual.root()).isEqualTo(expected.root());
  }

  @Test
  void roundTripWithoutWorkerMachines() throws IOException {
    Bootstrap bootstrap = sample(List.of());
    Bootstrap back = Bootstrap.readFrom(new ByteArrayInputStream(bytesOf(bootstrap)));
    assertSame(back, bootstrap);
    assertThat(back.settings().cluster().workerMachines()).isEmpty();
  }

  @Test
  void roundTripWithThreeWorkerMachines() throws IOException {
    Bootstrap bootstrap = sample(List.of("alice@node1", "node-2", "nœud3"));
    Bootstrap back = Bootstrap.readFrom(new ByteArrayInputStream(bytesOf(bootstrap)));
    assertSame(back, bootstrap);
    assertThat(back.settings().cluster().workerMachines()).containsExactly("alice@node1", "node-2", "nœud3");
  }

  @Test
  void layoutStartsWithMagicVersionAndSecret() throws IOException {
    Bootstrap bootstrap = sample(List.of("w"));
    byte[] bytes = bytesOf(bootstrap);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    byte[] magic = new byte[4];
    in.get(magic);
    assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("APJB");
    assertThat(in.getShort()).isEqualTo((short) 1);
    byte[] secret = new byte[32];
    in.get(secret);
    assertThat(secret).isEqualTo(bootstrap.settings().secret().bytes());
    assertThat(in.getLong()).isEqualTo(0x1234_5678_9abc_def0L);
    assertThat(in.getLong()).isEqualTo(77);
    assertThat(in.getInt()).isEqualTo(64 << 20);
    assertThat(in.get()).as("worker machine flag").isEqualTo((byte) 1);
    assertThat(readUtf(in)).isEqualTo("/tmp/asyncparallel-42");
    assertThat(readUtf(in)).isEqualTo("master-hôst");
    assertThat(readUtf(in)).isEqualTo("master-hôst");
    assertThat(readUtf(in)).isEqualTo("/tmp/asyncparallel-42/1000.sock");
    assertThat(readUtf(in)).isEqualTo("master-hôst");
    assertThat(in.getInt()).isEqualTo(1);
    assertThat(readUtf(in)).isEqualTo("w");
    assertThat(readUtf(in)).as("root host").isEqualTo("");
    assertThat(in.getInt()).as("root port").isEqualTo(4242);
    assertThat(readUtf(in)).as("master address").isEqualTo("10.0.0.1");
    assertThat(readUtf(in)).as("advertised host").isEqualTo("10.0.0.2");
    assertThat(in.hasRemaining()).isFalse();
  }

  /** u16 length + (modified) UTF-8; plain UTF-8 for these strings (no NUL, no supplementary). */
  private static String readUtf(ByteBuffer in) {
    byte[] bytes = new byte[Short.toUnsignedInt(in.getShort())];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void readsExactlyItsRecordAndLeavesTheRestOfTheStream() throws IOException {
    for (List<String> workers : List.of(List.<String>of(), List.of("a", "b", "c"))) {
      byte[] record = bytesOf(sample(workers));
      byte[] tail = "AFTER THE RECORD".getBytes(StandardCharsets.US_ASCII);
      byte[] stream = Arrays.copyOf(record, record.length + tail.length);
      System.arraycopy(tail, 0, stream, record.length, tail.length);
      InputStream in = new ByteArrayInputStream(stream);
      Bootstrap.readFrom(in);
      assertThat(in.readAllBytes()).isEqualTo(tail);
    }
  }

  @Test
  void twoRecordsBackToBackAreReadOneAfterTheOther() throws IOException {
    Bootstrap first = sample(List.of());
    Bootstrap second = sample(List.of("x", "y", "z"));
    var out = new ByteArrayOutputStream();
    first.writeTo(out);
    second.writeTo(out);
    InputStream in = new ByteArrayInputStream(out.toByteArray());
    assertSame(Bootstrap.readFrom(in), first);
    assertSame(Bootstrap.readFrom(in), second);
    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  void streamWithoutTheMagicIsRefused() {
    for (String text : new String[] {"hello world, this is not a bootstrap record at all",
        "APJA\0\1................................................................",
        "{\"json\": true}"}) {
      byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
      assertThatThrownBy(() -> Bootstrap.readFrom(new ByteArrayInputStream(bytes)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("does not start with a bootstrap record");
    }
  }

  @Test
  void otherVersionIsRefused() throws IOException {
    byte[] bytes = bytesOf(sample(List.of()));
    bytes[5] = 2; // version 2
    assertThatThrownBy(() -> Bootstrap.readFrom(new ByteArrayInputStream(bytes)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("version 1");
  }

  @Test
  void emptyOrTruncatedStreamIsAnIoException() throws IOException {
    byte[] whole = bytesOf(sample(List.of("a", "b", "c")));
    for (int n = 0; n < whole.length; n++) {
      byte[] prefix = Arrays.copyOf(whole, n);
      assertThatThrownBy(() -> Bootstrap.readFrom(new ByteArrayInputStream(prefix)))
          .as("cut to %d of %d bytes", n, whole.length)
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void negativeMachineCountIsRefused() throws IOException {
    byte[] bytes = bytesOf(sample(List.of()));
    // the count is followed by: root host "" (2), root port (4), "10.0.0.1" (2 + 8), "10.0.0.2" (2 + 8)
    ByteBuffer.wrap(bytes).putInt(bytes.length - 4 - 26, -1);
    assertThatThrownBy(() -> Bootstrap.readFrom(new ByteArrayInputStream(bytes)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bad machine count -1");
  }
}
