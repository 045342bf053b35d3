package org.asyncparallel.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The handshake's own SHA-256 and HMAC-SHA256 agree with the JDK's, byte for byte. */
class Sha256Test {
  @Test
  void knownAnswers() {
    assertThat(HexFormat.of().formatHex(Sha256.digest("abc".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(HexFormat.of().formatHex(Sha256.digest(new byte[0])))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // RFC 4231 test case 2
    assertThat(HexFormat.of().formatHex(Sha256.hmac("Jefe".getBytes(StandardCharsets.US_ASCII),
        "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }

  @Test
  void agreesWithTheJdkOnEveryLengthAroundTheBlockEdgesAndOnRandomInputs() throws Exception {
    Random random = new Random(7);
    for (int length = 0; length < 300; length++) {
      byte[] data = new byte[length];
      random.nextBytes(data);
      int split = length == 0 ? 0 : random.nextInt(length);
      byte[] left = java.util.Arrays.copyOfRange(data, 0, split);
      byte[] right = java.util.Arrays.copyOfRange(data, split, length);
      assertThat(Sha256.digest(left, right)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
      byte[] key = new byte[length % 100];
      random.nextBytes(key);
      if (key.length == 0) {
        key = new byte[] {1};
      }
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      assertThat(Sha256.hmac(key, left, right)).isEqualTo(mac.doFinal(data));
    }
  }

  @Test
  void randomBytesAreFreshEachTime() {
    assertThat(Secret.randomBytes(32)).hasSize(32).isNotEqualTo(Secret.randomBytes(32));
  }
}
