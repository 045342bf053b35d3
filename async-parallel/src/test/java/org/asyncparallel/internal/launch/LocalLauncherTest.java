package org.asyncparallel.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.spi.SelectorProvider;
import java.util.List;
import org.asyncparallel.internal.net.UnixSocketsInit;
import org.junit.jupiter.api.Test;

/** The JVM options the library gives every worker, and how the user's options change them. */
class LocalLauncherTest {
  private static final String PROVIDER =
      "-Djava.nio.channels.spi.SelectorProvider=" + SelectorProvider.provider().getClass().getName();

  @Test
  void workersGetThisJvmsSelectorProviderByNameAndASmallInitialHeap() {
    assertThat(LocalLauncher.defaultsFor(List.of()))
        .containsAll(LocalLauncher.DEFAULT_OPTIONS)
        .contains(UnixSocketsInit.EXPORT_OPTION, LocalLauncher.INITIAL_HEAP, PROVIDER);
  }

  @Test
  void theUsersOwnSelectorProviderAndHeapSizeAreLeftToThem() {
    List<String> options = LocalLauncher.defaultsFor(
        List.of("-Djava.nio.channels.spi.SelectorProvider=com.example.Provider", "-Xmx64m"));
    assertThat(options).noneMatch(o -> o.startsWith("-Djava.nio.channels.spi.SelectorProvider="))
        .doesNotContain(LocalLauncher.INITIAL_HEAP);
  }
}
