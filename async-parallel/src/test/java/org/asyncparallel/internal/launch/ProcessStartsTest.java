package org.asyncparallel.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.asyncparallel.fixtures.StartWithoutDescriptorsMain;
import org.asyncparallel.testing.Fixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A process start without the descriptors for its pipes is refused before the JDK tries it: the
 * JDK's own attempt fails its {@code pipe2} and then closes descriptor numbers it never opened
 * (its caller's standard input among them). Run in a process of its own under {@code ulimit -n}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessStartsTest {
  @Test
  void aStartWithoutDescriptorsIsRefusedAndClosesNothingOfTheProcess() throws Exception {
    try (Fixture main = Fixture.startUnderFileLimit(128, StartWithoutDescriptorsMain.class)) {
      assertThat(main.awaitExit(60)).as("exit status; stderr:\n" + main.stderr()).isZero();
      assertThat(Integer.parseInt(main.awaitLine("hogs:", 1_000).strip())).isPositive();
      assertThat(main.awaitLine("start:", 1_000)).startsWith("refused: ").contains("error=24, Too many open files");
      assertThat(main.awaitLine("stdin open:", 1_000)).isEqualTo("true");
      assertThat(main.awaitLine("closed behind its back:", 1_000)).isEqualTo("0");
    }
  }
}
