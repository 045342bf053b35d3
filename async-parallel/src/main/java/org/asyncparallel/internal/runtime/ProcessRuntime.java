package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.asyncparallel.Body;
import org.asyncparallel.Cluster;
import org.asyncparallel.Config;
import org.asyncparallel.Hub;
import org.asyncparallel.ParallelException;
import org.asyncparallel.Spawned;
import org.asyncparallel.Task;
import org.asyncparallel.Where;
import org.asyncparallel.internal.cluster.ClassPathBundle;
import org.asyncparallel.internal.cluster.RemoteMachine;
import org.asyncparallel.internal.codec.Codec;
import org.asyncparallel.internal.launch.Bootstrap;
import org.asyncparallel.internal.launch.LocalLauncher;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.net.Connector;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.HubAddress;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.Secret;

/**
 * The runtime of this process: the root (the main process, which called {@code init}) or a worker
 * (started by the root). Both serve hubs and submit jobs the same way; they differ in their
 * {@link JobGateway}: the root's {@link Supervisor} starts processes, a worker's
 * {@link ControlClient} asks the root to.
 *
 * <p>Lifecycle: none → running ({@code init}, or worker start) → shut down ({@code shutdown}) →
 * none again in the root (so a later {@code init} starts afresh).
 */
public final class ProcessRuntime {
  private static final Object LOCK = new Object();
  private static volatile ProcessRuntime current;
  private static volatile ProcessRuntime last; // the most recent root, for an idempotent shutdown

  private final RuntimeSettings settings;
  private final HubHost hubs;
  private final JobGateway gateway;
  private final Placement placement;
  private final RuntimeDirectory directory; // root only
  private final Thread shutdownHook;        // root only
  private volatile CompletableFuture<Void> shutdown;

  private ProcessRuntime(RuntimeSettings settings, HubHost hubs, JobGateway gateway,
      RuntimeDirectory directory, boolean installHook) {
    this.settings = settings;
    this.hubs = hubs;
    this.gateway = gateway;
    this.placement = new Placement(settings.cluster(), settings.localMachine());
    this.directory = directory;
    this.shutdownHook = installHook ? new Thread(this::shutdownOnExit, "asyncparallel-exit") : null;
  }

  /**
   * The runtime of this process.
   *
   * @throws IllegalStateException if {@code Parallel.init} has not been called (or shut down)
   */
  public static ProcessRuntime current() {
    ProcessRuntime runtime = current;
    if (runtime == null) {
      throw new IllegalStateException("Parallel.init() has not been called in this process"
          + " (or Parallel.shutdown() has ended the runtime)");
    }
    return runtime;
  }

  static ProcessRuntime currentOrNull() {
    return current;
  }

  /**
   * Starts the root runtime: draws the secret, creates the socket directory and the listener.
   *
   * @throws IllegalStateException if a runtime is already running in this process
   */
  public static void startRoot(Config config) {
    synchronized (LOCK) {
      if (current != null) {
        throw new IllegalStateException(current.settings.workerMachine() || current.directory == null
            ? "this is a worker process: its runtime was started by the library"
            : "Parallel.init has already been called in this process");
      }
      Codec.useClassLoader(Thread.currentThread().getContextClassLoader());
      Codec.useFilter(config.deserializationFilter());
      Cluster cluster = config.cluster() != null ? config.cluster() : Cluster.localOnly();
      long runtimeId = new java.security.SecureRandom().nextLong() & Long.MAX_VALUE;
      RuntimeDirectory directory = RuntimeDirectory.create(runtimeId);
      var settings = new RuntimeSettings(Secret.generate(), runtimeId, cluster, cluster.masterMachine(),
          false, directory.path(), config.maxMessageBytes(), "", "", config.deserializationFilter(),
          new Connection.Buffering(config.maxBufferedBytes(), config.bufferAgeLimit()));
      Supervisor[] supervisor = new Supervisor[1];
      var hubs = new HubHost(settings, (connected, hello) -> supervisor[0].onHello(connected, hello));
      LocalLauncher launcher;
      Endpoint endpoint;
      try {
        LocalLauncher.requireJava(config.javaCommand());
        launcher = localLauncher(config);
      } catch (RuntimeException e) {
        directory.close();
        throw new ParallelException("cannot start the runtime on machine '" + cluster.masterMachine() + "': "
            + e.getMessage(), e);
      }
      try {
        endpoint = hubs.endpoint();
      } catch (ParallelException e) { // it names the machine, the socket and the system's reason
        directory.close();
        throw new ParallelException("cannot start the runtime: " + e.getMessage(), e);
      }
      supervisor[0] = new Supervisor(settings, launcher, config.shutdownGracePeriod(), endpoint, config.spareWorkers());
      var runtime = new ProcessRuntime(settings, hubs, supervisor[0], directory, true);
      if (settings.spansMachines()) {
        startMachines(config, settings, hubs, supervisor[0], directory);
      }
      Runtime.getRuntime().addShutdownHook(runtime.shutdownHook);
      supervisor[0].start();
      current = runtime;
      last = runtime;
    }
  }

  /**
   * The launcher of local workers, on this process's class path as jars in the code cache (so that
   * workers can share a class-data archive; a cached jar that goes later is put back), or on this
   * process's own class path, as it is, when an entry cannot be read or the cache cannot be
   * written.
   *
   * @throws ParallelException naming a class path entry that was deleted, moved or changed while
   *     this program ran: workers could not get the code this process runs
   */
  private static LocalLauncher localLauncher(Config config) {
    ClassPathBundle bundle;
    try {
      bundle = ClassPathBundle.ofThisProcess();
    } catch (ParallelException unreadable) {
      return new LocalLauncher(config.javaCommand(), config.workerJvmOptions(), null);
    }
    List<ClassPathBundle.Piece> pieces = bundle.requireComplete().pieces(); // names what has gone
    try {
      return new LocalLauncher(config.javaCommand(), config.workerJvmOptions(),
          org.asyncparallel.internal.launch.CodeCache.materialize(pieces), pieces);
    } catch (ParallelException goneOrChanged) {
      throw goneOrChanged;
    } catch (IOException | RuntimeException e) {
      return new LocalLauncher(config.javaCommand(), config.workerJvmOptions(), null);
    }
  }

  /** Ships the code to every worker machine and starts its agent, all at once; all or nothing. */
  private static void startMachines(Config config, RuntimeSettings settings, HubHost hubs,
      Supervisor supervisor, RuntimeDirectory directory) {
    ClassPathBundle bundle;
    try {
      bundle = ClassPathBundle.ofThisProcess().requireComplete();
    } catch (ParallelException e) {
      hubs.close();
      directory.close();
      throw new ParallelException("cannot copy the code to machines " + settings.cluster().workerMachines() + ": "
          + e.getMessage(), e);
    }
    Endpoint root = hubs.endpoint();
    List<RemoteMachine> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Thread> starters = new java.util.ArrayList<>();
    for (String machine : settings.cluster().workerMachines()) {
      starters.add(Thread.ofVirtual().name("asyncparallel-start-" + machine).start(() -> {
        var remote = new RemoteMachine(machine, config.sshCommand(), config.machineTimeout(),
            (m, reason) -> System.err.println("asyncparallel: " + reason));
        var agentSettings = new RuntimeSettings(settings.secret(), settings.runtimeId(), settings.cluster(),
            machine, true, settings.socketDirectory(), settings.maxFrameBytes(), config.masterAddress(), "",
            settings.deserializationFilter(), settings.dataBuffering());
        try {
          remote.start(bundle, agentSettings, root, config.startupTimeout());
          started.add(remote);
        } catch (RuntimeException e) {
          failures.add(e.getMessage());
        }
      }));
    }
    for (Thread starter : starters) {
      try {
        starter.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.add("interrupted while starting the cluster");
      }
    }
    if (!failures.isEmpty()) {
      started.forEach(m -> m.shutdown(Duration.ZERO));
      hubs.close();
      directory.close();
      throw new ParallelException("Parallel.init failed: " + String.join("; ", failures));
    }
    started.forEach(supervisor::addMachine);
  }

  /**
   * Starts a worker's runtime from its bootstrap record: connects to the root and says HELLO.
   * Assignments go to {@code onAssign}; if the root goes away, {@code onRootLost} is called.
   */
  public static ProcessRuntime startWorker(Bootstrap bootstrap, Consumer<Message.Assign> onAssign,
      Consumer<String> onRootLost) throws IOException {
    var settings = bootstrap.settings();
    Codec.useFilter(settings.deserializationFilter());
    var client = new ControlClient();
    var hubs = new HubHost(settings, null);
    var runtime = new ProcessRuntime(settings, hubs, client, null, false);
    var opened = Connector.connect(Routes.addressOf(bootstrap.root(), settings), settings.secret(),
        settings.maxFrameBytes(),
        HubHost.HANDSHAKE_TIMEOUT, new Message.Hello(bootstrap.workerId(), ProcessHandle.current().pid()), false);
    var control = Connection.over("control", opened.connected());
    client.connectTo(control);
    synchronized (LOCK) {
      current = runtime;
    }
    control.start(new Connection.Handler() {
      @Override
      public void onMessage(Message message) {
        if (message instanceof Message.Assign assign) {
          onAssign.accept(assign);
        } else {
          client.reply(message);
        }
      }

      @Override
      public void onClosed(String reason) {
        client.lost(reason);
        onRootLost.accept(reason);
      }
    });
    runtime.control = control;
    return runtime;
  }

  private volatile Connection control; // worker only
  private final java.util.Set<Connection> channels = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A channel of this process connected (or is connecting): its queue is flushed at exit. */
  void channelOpened(Connection connection) {
    channels.add(connection);
  }

  void channelEnded(Connection connection) {
    channels.remove(connection);
  }

  /** The worker's connection to the root (null in the root). */
  public Connection control() {
    return control;
  }

  public RuntimeSettings settings() {
    return settings;
  }

  public boolean isWorkerMachine() {
    return settings.workerMachine();
  }

  /** See {@code Parallel.run}. */
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> run(Where where, Task<T> task) {
    return (CompletableFuture<T>) submit(where, JobKind.RUN, Objects.requireNonNull(task, "task"), "the task");
  }

  /** See {@code Parallel.spawn}. */
  @SuppressWarnings("unchecked")
  public <A, B, R> CompletableFuture<Spawned<A, B, R>> spawn(Where where, Body<A, B, R> body) {
    return (CompletableFuture<Spawned<A, B, R>>) submit(where, JobKind.SPAWN, Objects.requireNonNull(body, "body"),
        "the body");
  }

  /**
   * Checks the machine and serializes the closure on the caller's thread, then hands the job to
   * the gateway. Returns the caller's future: the result for a run, the {@code Spawned} for a
   * spawn; a bad machine or closure fails it at once, before any process starts.
   *
   * @throws IllegalStateException if the runtime has been shut down
   */
  private CompletableFuture<?> submit(Where where, JobKind kind, Object closure, String what) {
    Objects.requireNonNull(where, "where");
    checkRunning();
    byte[] bytes;
    String machine;
    try {
      machine = placement.choose(where);
      bytes = Codec.encode(closure, what, settings.maxFrameBytes());
    } catch (ParallelException e) {
      return CompletableFuture.failedFuture(e);
    }
    var submission = new Submission(kind);
    submission.attach(gateway.submit(machine, kind, bytes, submission));
    return kind == JobKind.RUN ? submission.result() : submission.spawned();
  }

  /** See {@code Parallel.hub}. */
  public <A, B> Hub<A, B> hub() {
    checkRunning();
    return hubs.newHub();
  }

  /** The hub at this address if it lives in this process, else null. */
  RealHub<?, ?> localHub(HubAddress address) {
    if (!address.endpoint().machine().equals(settings.localMachine())
        || !address.endpoint().unixPath().equals(settings.socketOf(ProcessHandle.current().pid()).toString())) {
      return null;
    }
    return hubs.find(address.hubId());
  }

  /** A worker's new hub for its body; returns it with its address. */
  public <A, B> Hub<A, B> newHubForBody() {
    return hubs.newHub();
  }

  /**
   * Pids of the main process's workers that have no job yet (spares, and those still starting)
   * and of the JVM assembling their class archive, if one runs: they belong to the runtime, not to
   * any run. Empty without a runtime. For tests and tools.
   */
  public static java.util.Set<Long> idleWorkerPids() {
    ProcessRuntime runtime = current;
    return runtime != null && runtime.gateway instanceof Supervisor s ? s.idlePids() : java.util.Set.of();
  }

  /**
   * Pids, on that worker machine, of its workers that have no job yet (spares, and those started
   * whose pid its agent has reported): they belong to the runtime. Empty for an unknown machine or
   * without a runtime. For tests and tools.
   */
  public static java.util.Set<Long> idleWorkerPids(String machine) {
    ProcessRuntime runtime = current;
    return runtime != null && runtime.gateway instanceof Supervisor s ? s.idlePids(machine) : java.util.Set.of();
  }

  /** The address of a hub made by {@link #newHubForBody}. */
  public static HubAddress addressOf(Hub<?, ?> hub) {
    return ((RealHub<?, ?>) hub).address();
  }

  /**
   * Waits at most {@code millis} in all for every hub and channel of this process to write out what
   * was sent (a worker does this before it reports its result and exits).
   */
  public void flushAll(long millis) {
    var pending = new java.util.ArrayList<>(hubs.flushes());
    List.copyOf(channels).forEach(channel -> pending.add(channel.flushed()));
    try {
      CompletableFuture.allOf(pending.stream().map(f -> f.exceptionally(e -> null)).toArray(CompletableFuture[]::new))
          .get(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // out of time (or interrupted): what is not written by now is lost with this process
    }
  }

  private void checkRunning() {
    if (shutdown != null) {
      throw new IllegalStateException("the runtime of this process has been shut down");
    }
  }

  /**
   * Shuts down this process's runtime, or returns the shutdown of the last one if it has already
   * ended.
   *
   * @throws IllegalStateException if no runtime was ever started here
   */
  public static CompletableFuture<Void> shutdownCurrent() {
    synchronized (LOCK) {
      ProcessRuntime runtime = current != null ? current : last;
      if (runtime == null) {
        throw new IllegalStateException("Parallel.init() has not been called in this process");
      }
      return runtime.shutdown();
    }
  }

  /** See {@code Parallel.shutdown}. Idempotent. */
  public CompletableFuture<Void> shutdown() {
    synchronized (LOCK) {
      if (shutdown == null) {
        shutdown = gateway.shutdown().whenComplete((v, e) -> {
          hubs.close();
          if (directory != null) {
            directory.close();
            synchronized (LOCK) {
              if (current == this) {
                current = null;
              }
            }
            removeHook();
          }
        });
      }
      return shutdown;
    }
  }

  private void removeHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook is running
    }
  }

  private void shutdownOnExit() {
    try {
      shutdown().get(Duration.ofSeconds(15).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // the JVM is exiting anyway; workers also end when their stdin closes
    }
  }
}
