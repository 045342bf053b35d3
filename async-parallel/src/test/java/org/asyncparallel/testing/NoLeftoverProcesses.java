package org.asyncparallel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves a child process of the test JVM behind (the ssh sessions of a running
 * cluster's agents excepted: they live as long as the runtime) (after waiting a few seconds for
 * it to end by itself), and kills what it finds, by PID, so that one leak does not spoil the rest.
 */
public final class NoLeftoverProcesses implements AfterEachCallback {
  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    List<ProcessHandle> left = Processes.awaitNoDescendants(10_000);
    if (!left.isEmpty()) {
      String described = left.stream().map(Processes::describe).collect(Collectors.joining("\n"));
      left.forEach(ProcessHandle::destroyForcibly);
      assertThat(described).as("processes left behind by " + context.getDisplayName()).isEmpty();
    }
  }
}
