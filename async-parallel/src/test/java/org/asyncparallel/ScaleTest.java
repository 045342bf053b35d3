package org.asyncparallel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.testing.LocalRuntime;
import org.asyncparallel.testing.NoLeftoverProcesses;
import org.asyncparallel.testing.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hub with a thousand connected clients: every one is served, and neither side pays a thread
 * per connection (each process has one I/O thread however many connections it holds).
 */
@ExtendWith({NoLeftoverProcesses.class, LocalRuntime.class})
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ScaleTest {
  private static final int CLIENTS = 1_000;

  /** A hub that answers "threads" with its process's live thread count, and echoes numbers. */
  private static Object serve(Hub<Object, Object> hub) {
    for (HubEvent.Data<Object> m : hub.listenSimple()) {
      if ("bye".equals(m.message())) {
        return "done";
      } else if ("threads".equals(m.message())) {
        hub.send(m.client(), Thread.activeCount());
      } else if ("clients".equals(m.message())) {
        hub.send(m.client(), hub.clients().size());
      } else if ("fds".equals(m.message())) {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
          hub.send(m.client(), (int) fds.count());
        } catch (java.io.IOException e) {
          hub.send(m.client(), -1);
        }
      } else {
        hub.send(m.client(), m.message());
      }
    }
    return "done";
  }

  @Test
  void aHubServesAThousandClientsWithoutAThreadPerConnection() throws Exception {
    Spawned<Object, Object, Object> spawned = Parallel.spawn(ScaleTest::serve).get(60, TimeUnit.SECONDS);
    Channel<Object, Object> first = spawned.channel();
    first.write("threads");
    int threadsBefore = (Integer) first.read();
    int localThreadsBefore = Thread.activeCount();

    List<Channel<Object, Object>> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      Channel<Object, Object> channel = Serialization.roundTrip(first); // a channel that lands anywhere is a new client
      channel.write(i);
      clients.add(channel);
    }
    for (int i = 0; i < CLIENTS; i++) {
      assertThat(clients.get(i).read()).isEqualTo(i);
    }
    first.write("clients");
    assertThat(first.read()).isEqualTo(CLIENTS + 1);
    first.write("threads");
    int threadsDuring = (Integer) first.read();
    first.write("fds");
    int fdsDuring = (Integer) first.read();
    // a thread per connection would add a thousand; the hub's process holds a socket per client.
    // (Connecting and authenticating run on two bounded pools of 32 threads each, one per side,
    // whose idle threads end after 30 s; a burst beyond that waits its turn.)
    System.out.printf("ScaleTest: hub threads +%d, client threads +%d%n",
        threadsDuring - threadsBefore, Thread.activeCount() - localThreadsBefore);
    assertThat(threadsDuring - threadsBefore).isLessThan(CLIENTS / 10);
    assertThat(Thread.activeCount() - localThreadsBefore).isLessThan(CLIENTS / 10);
    assertThat(fdsDuring).isGreaterThan(CLIENTS);

    for (Channel<Object, Object> channel : clients) {
      channel.close();
    }
    int connected;
    do {
      first.write("clients");
      connected = (Integer) first.read();
    } while (connected > 1);
    first.write("fds");
    assertThat((Integer) first.read()).isLessThan(fdsDuring - CLIENTS + 50);
    first.write("bye");
    assertThat(spawned.result().get(60, TimeUnit.SECONDS)).isEqualTo("done");
    first.close();
  }
}
