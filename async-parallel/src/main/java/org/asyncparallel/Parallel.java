package org.asyncparallel;

import java.util.concurrent.CompletableFuture;
import org.asyncparallel.internal.runtime.ProcessRuntime;

/**
 * Runs closures in brand-new worker processes and connects processes with hubs and channels. The
 * Java form of Jane Street's {@code Async_parallel}; see the package documentation for the
 * process tree, the steps of {@code run} and the caveats.
 *
 * <p>Every method may be called from any thread, in the main process and in every worker, nested
 * to any depth, except {@code init}, which only the main process calls (workers are started with
 * their runtime already running).
 */
public final class Parallel {
  private Parallel() {}

  /**
   * Starts the runtime in this process, on this machine only. Call once, first thing in
   * {@code main}; after {@link #shutdown()} has completed it may be called again.
   *
   * @throws IllegalStateException if the runtime is already running here, or in a worker process
   * @throws ParallelException if the runtime cannot start (e.g. its socket directory cannot be made,
   *     the configured java launcher does not exist, a class path entry was deleted while this
   *     program ran); the message names the machine and says what to do; nothing is left running
   */
  public static void init() {
    init(Config.builder().build());
  }

  /**
   * Starts the runtime with these machines. See {@link #init(Config)}.
   *
   * @throws IllegalStateException if the runtime is already running here, or in a worker process
   * @throws ParallelException if the runtime cannot start on every machine; see {@link #init(Config)}
   */
  public static void init(Cluster cluster) {
    init(Config.builder().cluster(cluster).build());
  }

  /**
   * Starts the runtime with this configuration. See {@link #init()}. With worker machines it
   * reaches each of them, at once, copies the code there and starts its agent; it returns when
   * every machine is ready, or fails.
   *
   * @throws IllegalStateException if the runtime is already running here, or in a worker process
   * @throws ParallelException if the runtime cannot start on every machine: one that ssh cannot
   *     reach; one with no {@code java} 21 or newer on the PATH of a non-interactive ssh session;
   *     one whose code cache ({@code ${TMPDIR:-/tmp}/asyncparallel-cache-<uid>}) cannot be made or
   *     written (a file in its place, a read-only or full file system); a
   *     {@link Config#javaCommand()} that does not exist; a class path entry deleted, moved or
   *     changed while this program ran; a socket the system refuses (no free port). The message
   *     names the machine, says what went wrong and what to do. Nothing is left running then (no
   *     agent, no worker) and no partly copied file is left in a code cache.
   */
  public static void init(Config config) {
    ProcessRuntime.startRoot(config);
  }

  /**
   * In the main process: kills every worker process the runtime started, fails pending futures
   * with {@link WorkerDiedException}, closes this process's hubs, and completes when every process
   * has exited (workers get a grace period, then are killed). Once per class path, the first program
   * to run also waits up to 10 s more for the workers' class archive to be written (the worker
   * that records it has returned its result and ends by itself), so that later programs' workers
   * start faster. In a worker: fails this process's
   * pending futures, cancels their workers and closes its hubs; the worker itself ends when its task
   * returns. Idempotent: later calls return the same future. Also runs when the main JVM exits.
   *
   * @throws IllegalStateException if {@code init} has not been called
   */
  public static CompletableFuture<Void> shutdown() {
    return ProcessRuntime.shutdownCurrent();
  }

  /**
   * Runs {@code task} in a brand-new worker process on this machine. See {@link #run(Where, Task)}.
   *
   * @throws IllegalStateException if {@code init} has not been called, or after shutdown
   */
  public static <T> CompletableFuture<T> run(Task<T> task) {
    return run(Where.local(), task);
  }

  /**
   * Runs {@code task} in a brand-new worker process on the machine chosen by {@code where}, and
   * completes with its return value. The task is serialized on the caller's thread, before any
   * process starts. Never blocks.
   *
   * <p>The future fails with: {@link WorkerException} if the task threw (with the remote class,
   * message and stack trace); {@link WorkerDiedException} if the worker ended without a result
   * (exit, {@code halt}, out of memory, killed, shutdown), with the exit status or signal and the
   * end of its stderr; {@link UnknownMachineException} if {@code where} named a machine not in the
   * cluster; a {@link ParallelException} caused by {@link java.io.NotSerializableException} if the
   * task cannot be serialized (naming the class); a plain {@link ParallelException} if no worker
   * process could be started because the operating system refused it, its pipes or its threads (the
   * message says what: too many open files, too many processes, no memory); nothing is left
   * behind then, and later calls start workers again once the pressure is gone.
   * Cancelling the future kills the worker.
   *
   * @throws IllegalStateException if {@code init} has not been called, or after shutdown
   */
  public static <T> CompletableFuture<T> run(Where where, Task<T> task) {
    return ProcessRuntime.current().run(where, task);
  }

  /**
   * Starts a worker on this machine running {@code body.apply(hub)}. See {@link #spawn(Where, Body)}.
   *
   * @throws IllegalStateException if {@code init} has not been called, or after shutdown
   */
  public static <A, B, R> CompletableFuture<Spawned<A, B, R>> spawn(Body<A, B, R> body) {
    return spawn(Where.local(), body);
  }

  /**
   * Starts a worker process on the machine chosen by {@code where}, running {@code body.apply(hub)}
   * on a new hub of its own. Completes once that hub is listening, with a channel connected to it
   * and the future of the body's return value. Both fail as {@link #run(Where, Task)} does;
   * cancelling either kills the worker. The worker exits when the body returns.
   *
   * @throws IllegalStateException if {@code init} has not been called, or after shutdown
   */
  public static <A, B, R> CompletableFuture<Spawned<A, B, R>> spawn(Where where, Body<A, B, R> body) {
    return ProcessRuntime.current().spawn(where, body);
  }

  /**
   * A new hub in this process (main or worker). It lives until closed or until the process ends.
   *
   * @throws IllegalStateException if {@code init} has not been called, or after shutdown
   * @throws ParallelException if this process cannot listen for the hub's clients (the first hub
   *     of a worker opens its socket: no free port, no file descriptor left), naming the machine
   *     and the reason; a later call tries again
   */
  public static <A, B> Hub<A, B> hub() {
    return ProcessRuntime.current().hub();
  }

  /**
   * A pool of {@code workers} long-lived worker processes on this machine. See
   * {@link #pool(PoolConfig)}.
   *
   * @throws IllegalArgumentException if {@code workers} is not between 1 and
   *     {@link PoolConfig#MAX_WORKERS_PER_MACHINE}
   * @throws IllegalStateException if {@code init} has not been called, or after shutdown
   */
  public static Pool pool(int workers) {
    return pool(PoolConfig.builder().workersPerMachine(workers).build());
  }

  /**
   * A pool of long-lived worker processes: {@code config.workersPerMachine()} on each of its
   * machines (this machine if it names none), each running the initializer once before its first
   * item. Blocks until every worker is started and listening (not for the initializers). Any
   * process may make pools; the pool belongs to it. See {@link Pool}.
   *
   * @throws UnknownMachineException if the config names a machine that is not in the cluster (no
   *     process is started then)
   * @throws ParallelException caused by {@link java.io.NotSerializableException} if the initializer
   *     cannot be serialized (no process is started then), or if a worker cannot be started (the
   *     workers already started are ended)
   * @throws IllegalStateException if {@code init} has not been called, or after shutdown
   */
  public static Pool pool(PoolConfig config) {
    return org.asyncparallel.internal.pool.RealPool.start(config);
  }

  /**
   * True in a process started on a worker machine of the cluster; false on the master machine
   * (in the main process and in its local workers).
   *
   * @throws IllegalStateException if {@code init} has not been called
   */
  public static boolean isWorkerMachine() {
    return ProcessRuntime.current().isWorkerMachine();
  }
}
