package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.cluster.RemoteMachine;
import org.asyncparallel.internal.launch.Bootstrap;
import org.asyncparallel.internal.launch.LocalLauncher;
import org.asyncparallel.internal.launch.WorkerProcess;
import org.asyncparallel.internal.launch.WorkerHandle;
import org.asyncparallel.internal.net.Connected;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.Message;

/**
 * The root's job service: the only code that starts worker processes, through one
 * {@link MachinePool} per machine (this one directly, worker machines through their agents), each
 * keeping spare workers started and connected ahead of demand. It binds each job to a worker,
 * assigns the task, relays the replies to the requester (a {@link Submission} here, or a worker
 * that asked over its control link), turns a lost worker into a {@code Died} reply with the
 * evidence, and ends every process at shutdown.
 *
 * <p>Process starts run on one launcher thread, so a request never waits for {@code fork}.
 */
final class Supervisor implements JobGateway {
  private final RuntimeSettings settings;
  private final Duration gracePeriod;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Job> jobs = new ConcurrentHashMap<>();
  private final Map<Long, WorkerHandle> processes = new ConcurrentHashMap<>();
  private final Map<String, RemoteMachine> machines = new ConcurrentHashMap<>();
  /** Every machine's pool, this one's included. */
  private final Map<String, MachinePool> pools = new ConcurrentHashMap<>();
  private final ExecutorService launches = Executors.newSingleThreadExecutor(
      r -> Thread.ofPlatform().daemon().name("asyncparallel-launcher").unstarted(r));
  private final MachinePool pool;
  private final LocalLauncher launcher;
  private final int spares;
  private volatile boolean shuttingDown;

  Supervisor(RuntimeSettings settings, LocalLauncher launcher, Duration gracePeriod, Endpoint rootEndpoint,
      int spares) {
    this.settings = settings;
    this.gracePeriod = gracePeriod;
    this.launcher = launcher;
    this.spares = spares;
    this.pool = new MachinePool(null, this, new MachinePool.Starter() {
      @Override
      public WorkerHandle create(long workerId) throws IOException {
        return launcher.start(workerId);
      }

      @Override
      public void release(long workerId, WorkerHandle worker) {
        ((WorkerProcess) worker).sendBootstrap(new Bootstrap(settings, workerId, rootEndpoint));
      }
    }, () -> null, ids, launches, spares);
    pools.put(settings.localMachine(), pool);
  }

  /** Starts the spare workers of this machine (in the background). */
  void start() {
    pool.startSpares();
  }

  @Override
  public JobHandle submit(String machine, JobKind kind, byte[] task, Requester requester) {
    var job = new Job(ids.incrementAndGet(), kind, machine, task, requester, this);
    if (shuttingDown) {
      job.finish(new Message.Rejected(job.id, "the runtime is shutting down"));
      return job;
    }
    MachinePool target = pools.get(machine);
    String down = target == null ? "machine '" + machine + "' has no agent" : target.downReason();
    if (down != null) {
      job.finish(new Message.Rejected(job.id, "cannot start a worker: " + down));
      return job;
    }
    jobs.put(job.id, job);
    target.submit(job);
    return job;
  }

  /** Adds a worker machine whose agent is up, and starts its spare workers (in the background). */
  void addMachine(RemoteMachine machine) {
    machines.put(machine.machine(), machine);
    var remotePool = new MachinePool(machine.machine(), this, new MachinePool.Starter() {
      @Override
      public WorkerHandle create(long workerId) {
        return machine.newWorker(workerId);
      }

      @Override
      public void release(long workerId, WorkerHandle worker) {
        machine.startWorker(worker);
      }
    }, machine::lostReason, ids, launches, spares);
    pools.put(machine.machine(), remotePool);
    if (!shuttingDown) {
      remotePool.startSpares();
    }
  }

  void forget(Job job) {
    jobs.remove(job.id);
  }

  /** Remembers a process, to end it at shutdown. */
  void track(long workerId, WorkerHandle worker) {
    processes.put(workerId, worker);
    worker.onExit().whenComplete((p, e) -> processes.remove(workerId));
  }

  /** A worker said HELLO on a new authenticated connection. */
  void onHello(Connected connected, Message.Hello hello) {
    for (MachinePool machinePool : pools.values()) {
      if (machinePool.onHello(connected, hello)) {
        return;
      }
    }
    connected.closeQuietly(); // not a worker any pool is waiting for: it will find its stdin closed
  }

  /** Starts the control link of a worker that said HELLO. */
  WorkerLink connect(Connected connected, long pid, Runnable onIdleEnd) {
    var connection = Connection.over("worker-" + pid, connected);
    var link = new WorkerLink(connection, this, onIdleEnd);
    connection.start(link);
    return link;
  }

  /** Gives the job to a connected worker. */
  void assign(Job job, WorkerHandle worker, WorkerLink link) {
    job.worker = worker;
    job.connection = link.connection;
    link.job = job;
    link.connection.send(new Message.Assign(job.id, job.kind, job.takeTask()));
    worker.onExit().whenComplete((p, e) -> onExit(job, worker));
    if (job.cancelled || shuttingDown) {
      worker.kill();
    }
  }

  private void onExit(Job job, WorkerHandle worker) {
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

  @Override
  public CompletableFuture<Void> shutdown() {
    shuttingDown = true;
    launcher.stopRecording();
    pools.values().forEach(MachinePool::close);
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
    if (launcher.hasArchive()) {
      // a jobless recording spare would write, as it halts, a recording that an archive in place
      // makes useless (~0.8 s for its JVM to write): it ends at once instead
      Set<Long> jobless = pool.idlePids();
      all.stream().filter(w -> w.recordsArchive() && jobless.contains(w.pid())).forEach(WorkerHandle::kill);
    }
    all.forEach(WorkerHandle::closeStdin);
    // a worker recording the class archive has returned its outcome and exits by itself within
    // seconds (bounded: WorkerMain halts it 5 s after its outcome); killed after the grace period,
    // it would leave no archive, and a short program's next run would record again
    List<WorkerHandle> recorders = all.stream()
        .filter(w -> w.recordsArchive() && !w.onExit().isDone()).toList();
    List<WorkerHandle> others = all.stream().filter(w -> !recorders.contains(w)).toList();
    awaitExit(others, gracePeriod);
    others.forEach(WorkerHandle::kill);
    awaitExit(others, Duration.ofSeconds(10));
    launcher.close(); // waits for the recording worker's exit and its archive (10 s at most)
    recorders.forEach(WorkerHandle::kill);
    awaitExit(recorders, Duration.ofSeconds(10));
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

  /** Pids of a machine's workers with no job yet (those whose pid is known). */
  Set<Long> idlePids(String machine) {
    MachinePool machinePool = pools.get(machine);
    return machinePool == null ? Set.of() : machinePool.idlePids();
  }

  /**
   * Pids of this machine's processes that belong to the runtime, not to a job: workers with no job
   * yet (spares, and those still starting) and the JVMs training for and assembling the workers'
   * class archive.
   */
  Set<Long> idlePids() {
    Set<Long> pids = pool.idlePids();
    pids.addAll(launcher.backgroundPids());
    return pids;
  }
}
