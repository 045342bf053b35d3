package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.launch.Bootstrap;
import org.asyncparallel.internal.launch.LocalLauncher;
import org.asyncparallel.internal.cluster.RemoteMachine;
import org.asyncparallel.internal.launch.WorkerHandle;
import org.asyncparallel.internal.launch.WorkerProcess;
import org.asyncparallel.internal.net.Connected;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.ProtocolException;

/**
 * The root's job service: the only code that starts worker processes. It launches a JVM per job,
 * matches the worker's HELLO to its job, assigns the task, relays the replies to the requester (a
 * {@link Submission} here, or a worker that asked over its control link), turns a lost worker
 * into a {@code Died} reply with the evidence, and ends every process at shutdown.
 *
 * <p>Process starts run on one launcher thread, so a request never waits for {@code fork}.
 */
final class Supervisor implements JobGateway {
  private static final Duration EXIT_AFTER_DISCONNECT = Duration.ofSeconds(5);

  private final RuntimeSettings settings;
  private final LocalLauncher launcher;
  private final Duration gracePeriod;
  private final Endpoint rootEndpoint;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Job> jobs = new ConcurrentHashMap<>();
  private final Map<Long, WorkerHandle> processes = new ConcurrentHashMap<>();
  private final Map<String, RemoteMachine> machines = new ConcurrentHashMap<>();
  private final ExecutorService launches = Executors.newSingleThreadExecutor(
      r -> Thread.ofPlatform().daemon().name("asyncparallel-launcher").unstarted(r));
  private volatile boolean shuttingDown;

  Supervisor(RuntimeSettings settings, LocalLauncher launcher, Duration gracePeriod, Endpoint rootEndpoint) {
    this.settings = settings;
    this.launcher = launcher;
    this.gracePeriod = gracePeriod;
    this.rootEndpoint = rootEndpoint;
  }

  @Override
  public JobHandle submit(String machine, JobKind kind, byte[] task, Requester requester) {
    var job = new Job(ids.incrementAndGet(), kind, machine, task, requester, this);
    if (shuttingDown) {
      job.finish(new Message.Rejected(job.id, "the runtime is shutting down"));
      return job;
    }
    if (!machine.equals(settings.localMachine())) {
      RemoteMachine remote = machines.get(machine);
      String down = remote == null ? "machine '" + machine + "' has no agent" : remote.lostReason();
      if (down != null) {
        job.finish(new Message.Rejected(job.id, "cannot start a worker: " + down));
        return job;
      }
    }
    jobs.put(job.id, job);
    launches.execute(() -> launch(job));
    return job;
  }

  /** Adds a worker machine whose agent is up. */
  void addMachine(RemoteMachine machine) {
    machines.put(machine.machine(), machine);
  }

  void forget(Job job) {
    jobs.remove(job.id);
  }

  private void launch(Job job) {
    if (job.isFinished() || shuttingDown) {
      job.finish(new Message.Rejected(job.id, "the runtime is shutting down"));
      return;
    }
    if (!job.machine.equals(settings.localMachine())) {
      WorkerHandle worker = machines.get(job.machine).launch(job.id);
      job.worker = worker;
      processes.put(job.id, worker);
      worker.onExit().whenComplete((p, e) -> onExit(job, worker));
      if (job.cancelled) {
        worker.kill();
      }
      return;
    }
    WorkerProcess worker;
    try {
      worker = launcher.start(job.id);
    } catch (IOException | RuntimeException e) {
      job.finish(new Message.Rejected(job.id, "could not start a worker JVM: " + e.getMessage()));
      return;
    }
    job.worker = worker;
    processes.put(job.id, worker);
    worker.onExit().whenComplete((p, e) -> onExit(job, worker));
    worker.sendBootstrap(new Bootstrap(settings, job.id, rootEndpoint));
    if (job.cancelled || shuttingDown) {
      worker.kill();
    }
  }

  /** A worker said HELLO on a new authenticated connection. */
  void onHello(Connected connected, Message.Hello hello) {
    Job job = jobs.get(hello.workerId());
    WorkerHandle worker = job == null ? null : job.worker;
    if (worker == null || (worker.pid() != 0 && worker.pid() != hello.pid())) {
      connected.closeQuietly(); // unknown, finished or cancelled: it will find its stdin closed
      return;
    }
    var connection = Connection.over("worker-" + hello.pid(), connected);
    job.connection = connection;
    connection.start(new WorkerLink(job, connection));
    connection.send(new Message.Assign(job.id, job.kind, job.takeTask()));
  }

  private void onExit(Job job, WorkerHandle worker) {
    processes.remove(job.id);
    if (job.isFinished()) {
      return;
    }
    if (job.connection == null) {
      Threads.CALLBACKS.execute(() -> job.finish(new Message.Died(job.id,
          worker.describeExit() + " (before it connected to the main process)")));
      return;
    }
    // Normally the connection's end reports the death (WorkerLink.onClosed) after the last frame.
    // A lost machine never closes its connections: give in-flight frames a moment, then report.
    Threads.TIMER.schedule(() -> {
      if (!job.isFinished()) {
        job.connection.abort("its worker is gone");
        Threads.CALLBACKS.execute(() -> job.finish(new Message.Died(job.id, worker.describeExit())));
      }
    }, 2, TimeUnit.SECONDS);
  }

  /** The control link with one worker: its own job's replies and its nested requests. */
  private final class WorkerLink implements Connection.Handler {
    private final Job job;
    private final Connection connection;
    private final Map<Long, JobHandle> requests = new ConcurrentHashMap<>();

    WorkerLink(Job job, Connection connection) {
      this.job = job;
      this.connection = connection;
    }

    @Override
    public void onMessage(Message message) throws IOException {
      switch (message) {
        case Message.HubReady m -> job.requester.onReply(m);
        case Message.Result m -> job.finish(m);
        case Message.Failure m -> job.finish(m);
        case Message.Request m -> {
          long requestId = m.requestId();
          requests.put(requestId, submit(m.machine(), m.kind(), m.task(), reply -> relay(requestId, reply)));
        }
        case Message.Cancel m -> {
          JobHandle handle = requests.remove(m.requestId());
          if (handle != null) {
            handle.cancel();
          }
        }
        default -> throw new ProtocolException("a worker may not send " + message.getClass().getSimpleName());
      }
    }

    private void relay(long requestId, Message reply) {
      if (!(reply instanceof Message.HubReady)) {
        requests.remove(requestId);
      }
      connection.send(Replies.withId(reply, requestId));
    }

    @Override
    public void onClosed(String reason) {
      if (job.isFinished()) {
        return;
      }
      WorkerHandle worker = job.worker;
      worker.onExit()
          .orTimeout(EXIT_AFTER_DISCONNECT.toMillis(), TimeUnit.MILLISECONDS)
          .whenCompleteAsync((p, e) -> {
            if (e instanceof TimeoutException) {
              worker.kill();
              job.finish(new Message.Died(job.id, "worker pid " + worker.pid() + " on machine " + job.machine
                  + " lost its connection to the main process (" + reason + ") and was killed"));
            } else {
              job.finish(new Message.Died(job.id, worker.describeExit()));
            }
          }, Threads.CALLBACKS);
    }
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    shuttingDown = true;
    launches.shutdown();
    return CompletableFuture.runAsync(this::endEverything, Threads.CALLBACKS);
  }

  private void endEverything() {
    try {
      launches.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Job job : List.copyOf(jobs.values())) {
      job.finish(new Message.Died(job.id, "the runtime was shut down before the worker returned"));
    }
    var remote = machines.values().stream()
        .map(m -> CompletableFuture.runAsync(() -> m.shutdown(gracePeriod), Threads.CALLBACKS)).toList();
    List<WorkerHandle> all = new ArrayList<>(processes.values());
    all.forEach(WorkerHandle::closeStdin);
    awaitExit(all, gracePeriod);
    all.forEach(WorkerHandle::kill);
    awaitExit(all, Duration.ofSeconds(10));
    remote.forEach(CompletableFuture::join);
  }

  private static void awaitExit(List<WorkerHandle> workers, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    for (WorkerHandle worker : workers) {
      long left = deadline - System.nanoTime();
      try {
        worker.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
        // killed next, or already gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Live worker processes, for tests and diagnostics. */
  int liveWorkers() {
    return processes.size();
  }
}
