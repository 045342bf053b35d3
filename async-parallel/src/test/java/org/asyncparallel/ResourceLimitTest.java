package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.asyncparallel.fixtures.FdLimitMain;
import org.asyncparallel.testing.Fixture;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * When the operating system refuses what a call needs (here: a descriptor, for a worker's pipes,
 * a channel's socket, a hub's listening socket), the caller gets a {@link ParallelException} that
 * says so, nothing is left behind, and the runtime works again once the pressure is gone. A main
 * process of its own ({@link FdLimitMain}) runs under {@code ulimit -n}, never the test JVM.
 */
@ExtendWith(NoLeftoverProcesses.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ResourceLimitTest {
  private static final String WORKER_REFUSED = "the main process cannot start a worker process: too many open files";

  @Test
  void withItsOpenFilesUsedUpTheMainProcessRefusesWithTypedErrorsLeaksNothingAndRecovers() throws Exception {
    // the fixture's classes come from jars, as workers' do
    try (Fixture main = Fixture.startUnderFileLimit(256, FdLimitMain.class)) {
      assertThat(main.awaitExit(180)).as("exit status; stderr:\n" + main.stderr()).isZero();

      assertThat(line(main, "worker hub")).as("a worker that used up its own descriptors makes a hub")
          .startsWith("ok " + ParallelException.class.getName() + ": machine '")
          .contains("cannot listen on the Unix socket")
          .containsIgnoringCase("too many open files")
          .endsWith("| then: ok a hub");
      assertThat(Integer.parseInt(line(main, "hogs"))).isPositive();
      assertThat(line(main, "run")).startsWith(ParallelException.class.getName() + ": " + WORKER_REFUSED);
      assertThat(line(main, "spawn")).startsWith(ParallelException.class.getName() + ": " + WORKER_REFUSED);
      assertThat(line(main, "nested run")).as("a worker's run, relayed by the main process")
          .startsWith(ParallelException.class.getName() + ": " + WORKER_REFUSED);
      assertThat(line(main, "new channel")).startsWith(ChannelClosedException.class.getName() + ": ")
          .contains("could not connect").containsIgnoringCase("too many open files");
      assertThat(line(main, "children")).as("no process half-started: only the server").isEqualTo("1");

      assertThat(line(main, "after: run")).isEqualTo("ok 1");
      assertThat(line(main, "after: spawn")).isEqualTo("ok pong");
      assertThat(line(main, "after: nested run")).isEqualTo("ok 2");
      assertThat(line(main, "after: new channel")).isEqualTo("ok pong");
      String fds = line(main, "fds");
      assertThat(fds.split(" ")[1]).as("descriptors of the main process, " + fds).isEqualTo(fds.split(" ")[3]);
      assertThat(main.stdout()).contains("\ndone\n");
    }
  }

  private static String line(Fixture main, String step) throws Exception {
    return main.awaitLine(step + ":", 1_000);
  }
}
