package org.asyncparallel.testing;

import org.asyncparallel.Parallel;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class whose tests share one runtime of this machine alone, with the default
 * configuration: {@code Parallel.init()} before the first test, {@code Parallel.shutdown()} (waited
 * for) after the last.
 */
public final class LocalRuntime implements BeforeAllCallback, AfterAllCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    Parallel.init();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    Parallel.shutdown().join();
  }
}
