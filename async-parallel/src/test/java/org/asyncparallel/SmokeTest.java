package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void runAndSpawn() throws Exception {
    Parallel.init();
    try {
      assertThat(Parallel.run(() -> 6 * 7).get()).isEqualTo(42);
      Spawned<String, String, String> s = Parallel.<String, String, String>spawn(h -> {
        for (HubEvent.Data<String> m : h.listenSimple()) {
          if (m.message().equals("stop")) return "done";
          h.send(m.client(), m.message() + "!");
        }
        return "ended";
      }).get();
      s.channel().write("ping");
      assertThat(s.channel().read()).isEqualTo("ping!");
      s.channel().write("stop");
      assertThat(s.result().get()).isEqualTo("done");
    } finally {
      Parallel.shutdown().get();
    }
  }
}
