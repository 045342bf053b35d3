package org.asyncparallel.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Channel;
import org.asyncparallel.testing.TestNet;

/**
 * Faults in single workers, at random, every 0.3 to 1.5 s: SIGKILL of a worker JVM of this
 * machine or of a test host, SIGSTOP of one (SIGCONT 0.5 to 3 s later), or the close of a channel
 * that a workload thread of the test JVM is reading.
 *
 * <p>It only ever signals worker JVMs this test started: descendants of the test JVM whose
 * command line runs {@code WorkerMain}, and {@code WorkerMain} JVMs inside the test's own network
 * namespaces. The target is checked again just before the signal; SIGKILL goes through its
 * {@link ProcessHandle}, which the JDK ties to the process's start time. Each kill is recorded in
 * the ledger before the signal is sent, so a failure it causes is always explained.
 */
final class Injector {
  static final String WORKER_MAIN = "org.asyncparallel.internal.worker.WorkerMain";

  private final Ledger ledger;
  private final TestNet net;
  private final int hosts;
  private final Random random;
  private final Map<Op, Channel<?, ?>> channels = new ConcurrentHashMap<>();
  private final Map<Long, ProcessHandle> stopped = new ConcurrentHashMap<>();
  private final ScheduledExecutorService resumer = Executors.newSingleThreadScheduledExecutor(
      r -> Thread.ofPlatform().daemon().name("chaos-resume").unstarted(r));
  private final ExecutorService closer = Executors.newCachedThreadPool(
      r -> Thread.ofPlatform().daemon().name("chaos-close").unstarted(r));
  private final Thread thread;
  private volatile boolean running = true;

  Injector(Ledger ledger, TestNet net, int hosts, long seed) {
    this.ledger = ledger;
    this.net = net;
    this.hosts = hosts;
    this.random = new Random(seed);
    this.thread = Thread.ofPlatform().daemon().name("chaos-injector").unstarted(this::loop);
  }

  void start() {
    thread.start();
  }

  /** Lets the injector close {@code channel}, which {@code op} is reading, until {@link #withdraw}. */
  void offer(Op op, Channel<?, ?> channel) {
    channels.put(op, channel);
  }

  void withdraw(Op op) {
    channels.remove(op);
  }

  /** Stops injecting and resumes every worker it stopped. Blocks until then. */
  void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(30_000);
    resumer.shutdownNow();
    resumer.awaitTermination(10, TimeUnit.SECONDS);
    List.copyOf(stopped.keySet()).forEach(this::resume);
    closer.shutdown();
    closer.awaitTermination(30, TimeUnit.SECONDS);
  }

  private void loop() {
    while (running) {
      try {
        Thread.sleep(300 + random.nextInt(1200));
        injectOne();
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        ledger.violation("the injector failed: " + Ledger.describe(e, 1500));
      }
    }
  }

  private void injectOne() throws Exception {
    int dice = random.nextInt(100);
    if (dice < 30) {
      pick(localWorkers()).ifPresent(p -> kill(p, "kill-9-local"));
    } else if (dice < 45) {
      pick(remoteWorkers()).ifPresent(p -> kill(p, "kill-9-remote"));
    } else if (dice < 62) {
      pick(localWorkers()).ifPresent(p -> stop(p, "sigstop-local"));
    } else if (dice < 72) {
      pick(remoteWorkers()).ifPresent(p -> stop(p, "sigstop-remote"));
    } else {
      pick(new ArrayList<>(channels.entrySet())).ifPresent(e -> closeChannel(e.getKey(), e.getValue()));
    }
  }

  private <T> Optional<T> pick(List<T> candidates) {
    return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(random.nextInt(candidates.size())));
  }

  /** Live worker JVMs below the test JVM (spares included). */
  static List<ProcessHandle> localWorkers() {
    return ProcessHandle.current().descendants().filter(Injector::isWorker).toList();
  }

  /** Live worker JVMs in the test hosts' namespaces. */
  private List<ProcessHandle> remoteWorkers() throws Exception {
    List<ProcessHandle> found = new ArrayList<>();
    for (int i = 1; i <= hosts; i++) {
      if (!Files.exists(Path.of("/run/netns/aptns" + i))) {
        continue; // crashed
      }
      for (String line : net.processesOn(i)) {
        if (line.contains(WORKER_MAIN)) {
          ProcessHandle.of(Long.parseLong(line.substring(0, line.indexOf(' ')))).filter(Injector::isWorker)
              .ifPresent(found::add);
        }
      }
    }
    return found;
  }

  private static boolean isWorker(ProcessHandle p) {
    return p.isAlive() && p.info().commandLine().map(c -> c.contains(WORKER_MAIN)).orElse(false);
  }

  private void kill(ProcessHandle p, String kind) {
    if (!isWorker(p)) {
      return;
    }
    ledger.killing(p.pid());
    if (p.destroyForcibly()) {
      ledger.fault(kind, "pid " + p.pid());
    }
  }

  private void stop(ProcessHandle p, String kind) {
    if (!isWorker(p) || stopped.putIfAbsent(p.pid(), p) != null) {
      return;
    }
    if (signal(p, "STOP")) {
      long millis = 500 + random.nextInt(2500);
      ledger.fault(kind, "pid " + p.pid() + " for " + millis + " ms");
      resumer.schedule(() -> resume(p.pid()), millis, TimeUnit.MILLISECONDS);
    } else {
      stopped.remove(p.pid());
    }
  }

  private void resume(long pid) {
    ProcessHandle p = stopped.remove(pid);
    if (p != null && p.isAlive()) {
      signal(p, "CONT");
    }
  }

  /** Sends a signal with kill(1), if {@code p} is still the worker it was. */
  private static boolean signal(ProcessHandle p, String signal) {
    if (!isWorker(p)) {
      return false;
    }
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  private void closeChannel(Op op, Channel<?, ?> channel) {
    if (channels.remove(op) == null) {
      return;
    }
    op.markClosedByInjector();
    ledger.fault("close-channel", op.toString());
    closer.execute(channel::close);
  }
}
