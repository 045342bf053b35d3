/**
 * Async Parallel for Java: run closures in brand-new processes, on this machine or others, and
 * connect processes with typed hubs and channels. The Java form of Jane Street's OCaml
 * {@code Async_parallel}.
 *
 * <h2>At a glance</h2>
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   Parallel.init();                                            // first thing in main
 *   int answer = Parallel.run(() -> 6 * 7).join();              // in a new JVM
 *   Spawned<String, String, String> s = Parallel.<String, String, String>spawn(hub -> {
 *     for (HubEvent.Data<String> m : hub.listenSimple()) hub.send(m.client(), "pong");
 *     return "done";
 *   }).join();
 *   s.channel().write("ping");
 *   String pong = s.channel().read();
 *   Parallel.shutdown().join();
 * }
 * }</pre>
 *
 * <h2>The process tree</h2>
 *
 * <pre>
 *   main JVM            called Parallel.init; the "root": starts every worker of its machine
 *    ├─ worker 1        java ... org.asyncparallel.internal.worker.WorkerMain
 *    ├─ worker 2        started because worker 1 called Parallel.run: still a child of main
 *    └─ ...
 * </pre>
 *
 * Every {@link org.asyncparallel.Parallel#run run} and {@link org.asyncparallel.Parallel#spawn
 * spawn} gets a brand-new worker JVM, started with the same JDK and class path as the main
 * process, running the library's own entry point (not your {@code main}). As in the original,
 * each worker has an <em>owner</em> (the process that asked for it) that receives its result, but
 * the operating system process is a child of the main process: a worker is not bound to its owner,
 * so a server spawned by a worker that has since returned keeps serving its channels.
 *
 * <h2>The steps of {@code run(task)}</h2>
 *
 * R is the process calling {@code run}, M the main process, W the new worker.
 * <ol>
 *   <li>R checks the {@link org.asyncparallel.Where} and serializes the task, on the calling
 *       thread. A task that cannot be serialized or an unknown machine fails the future at once;
 *       no process is started.
 *   <li>If R is not M, R sends the task to M over its control connection.
 *   <li>M starts W and writes the runtime's secret to W's stdin (never on a command line). If the
 *       operating system refuses (too many open files, too many processes or threads, no
 *       memory), R's future fails with a {@link org.asyncparallel.ParallelException} saying what
 *       was refused; nothing is left behind, and later calls start workers again.
 *   <li>W connects to M, both prove that they know the secret, and M sends W the task.
 *   <li>W runs the task (for {@code spawn}: creates its hub, reports its address, runs the body).
 *   <li>W sends the result, or the exception's text, to M, which passes it to R, and W exits.
 *   <li>If W ends without a result, R's future fails with
 *       {@link org.asyncparallel.WorkerDiedException}, which carries W's exit status or signal and
 *       the last lines of its stderr.
 * </ol>
 *
 * <h2>Lifetime</h2>
 *
 * A worker exits when its task or body returns, when its future is cancelled
 * ({@code cancel(true)} kills it), at {@link org.asyncparallel.Parallel#shutdown()}, and when the
 * main process ends in any way, {@code kill -9} included: each worker watches a pipe from the main
 * process, which the kernel closes when the main process dies.
 *
 * <h2>Hubs and channels</h2>
 *
 * A {@link org.asyncparallel.Hub} lives in the process that created it and is served there; any
 * number of {@link org.asyncparallel.Channel}s connect to it, from any process. Channels are
 * serializable: captured in a task or sent in a message, a channel connects anew, lazily, in the
 * process where it lands, as a new client of the hub.
 *
 * <h2>Pools and map-reduce</h2>
 *
 * A fresh JVM per task is too dear for many small tasks. A {@link org.asyncparallel.Pool} keeps
 * long-lived workers (spawned workers that serve requests until the pool is closed), on this
 * machine or {@link org.asyncparallel.PoolConfig.Builder#workersPerMachine workersPerMachine} on
 * each named machine of the cluster, each running an optional initializer once before its first
 * item (per-worker state: a model, an open file), and feeds them:
 *
 * <pre>{@code
 * try (Pool pool = Parallel.pool(PoolConfig.builder().machines("master", "host0").workersPerMachine(2)
 *     .initializer(Model::load).build())) {
 *   List<Label> labels = pool.map(images, image -> Model.get().label(image));      // input order
 *   for (Indexed<Label> l : pool.mapUnordered(endlessFeed, image -> ...)) ...     // as they come
 *   Map<String, Long> words = pool.mapReduce(files, WordCount::count, WordCount::add);
 *   CompletableFuture<Report> r = pool.submit(() -> summarize());                 // one task
 * }
 * }</pre>
 *
 * <ol>
 *   <li>The calling process serializes the function once and sends it once to each worker that
 *       takes part in the map.
 *   <li>It reads the input on the calling thread ({@code mapUnordered}: on a pool thread), cuts it
 *       into chunks (sized to take a worker a few milliseconds, from what the workers report) and
 *       sends each to the least busy worker, at most three per worker and at most
 *       {@link org.asyncparallel.PoolConfig.Builder#maxInFlight maxInFlight} per call: an endless
 *       input runs in bounded memory.
 *   <li>A worker applies the function to each item of a chunk (for {@code mapReduce} it also
 *       combines the chunk's results) and sends the results back.
 *   <li>If a worker dies, its unanswered chunks go to other workers and a new worker replaces it;
 *       each chunk's results are taken once, so nothing is lost and nothing appears twice. An item
 *       whose function throws fails the call with {@link org.asyncparallel.WorkerException} naming
 *       its index.
 * </ol>
 *
 * Long maps draw a progress bar on standard error when it is a terminal;
 * {@link org.asyncparallel.Pool#progress()} gives the same figures to programs.
 *
 * <h2>Output</h2>
 *
 * What workers print to stdout and stderr is copied, line by line, to the main process's
 * {@code System.out} and {@code System.err}, nested workers included.
 *
 * <h2>Security</h2>
 *
 * Every connection starts with a mutual proof of the runtime's 32-byte secret (HMAC-SHA256
 * challenge–response). Nothing a peer sends is deserialized before it has proven the secret;
 * frames have a maximum size ({@link org.asyncparallel.Config.Builder#maxMessageBytes}) checked
 * before any buffer is allocated; a peer that sends anything else is dropped. Sockets on one
 * machine are Unix domain sockets in a directory only the user can enter.
 *
 * <h2>Caveats</h2>
 *
 * <ul>
 *   <li><b>Lambdas capture more than they seem to.</b> A lambda that uses a field or a method of
 *       its enclosing object captures that object, which must then be serializable too. Write
 *       tasks in static methods, or copy what they need into local variables first. The error
 *       names the class that is not serializable.
 *   <li><b>The channel race</b> (from the original): a channel that travels to another process
 *       connects only when it is first used there, so a message the hub sends to all clients just
 *       after handing the channel out may not reach it. Have the client say hello first.
 *   <li><b>Listen exactly once.</b> Call {@code listen} or {@code listenSimple} once per hub;
 *       events that arrive before that are kept for it.
 *   <li><b>Cancellation is per worker.</b> Cancelling a future kills that worker only; workers it
 *       started itself run on, as they are not bound to it.
 *   <li><b>A fresh JVM per call costs tens of milliseconds.</b> For many small tasks, prefer fewer,
 *       larger ones, or a {@link org.asyncparallel.Pool}.
 *   <li><b>Pool workers live on.</b> State a function leaves in static fields stays for the next
 *       items and maps of that worker (which is what the initializer is for); a replacement worker
 *       starts afresh. A function that kills its worker is tried on three workers, then the call
 *       fails.
 *   <li>Workers inherit neither your JVM options nor your system properties; pass what they need
 *       with {@link org.asyncparallel.Config.Builder#workerJvmOptions}.
 *   <li>Workers run from a copy of your class path: jars in a content-addressed cache
 *       ({@code /tmp/asyncparallel-cache-<uid>}), class directories packed into jars. Code that
 *       reads its own class files by path sees those jars. A class path entry deleted, moved or
 *       changed while the program runs (a clean build, a redeployment) makes {@code init} fail,
 *       naming it, rather than start workers without it.
 *   <li>Every machine of the runtime keeps a few spare workers started ({@link
 *       org.asyncparallel.Config.Builder#spareWorkers}), so a few idle JVMs on each machine are
 *       part of a running runtime.
 * </ul>
 */
package org.asyncparallel;
