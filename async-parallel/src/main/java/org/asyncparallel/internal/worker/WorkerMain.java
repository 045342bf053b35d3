package org.asyncparallel.internal.worker;

import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Body;
import org.asyncparallel.Channel;
import org.asyncparallel.Hub;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;
import org.asyncparallel.Task;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.codec.Codec;
import org.asyncparallel.internal.launch.Bootstrap;
import org.asyncparallel.internal.net.SocketTrouble;
import org.asyncparallel.internal.net.UnixSocketsInit;
import org.asyncparallel.internal.runtime.ProcessRuntime;
import org.asyncparallel.internal.runtime.Routes;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.HubAddress;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.MessageCodec;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.RemoteError;

/**
 * The entry point of every worker JVM. Steps: read the bootstrap record from stdin; start the
 * lifeline watchdog on stdin; connect to the root and say HELLO; wait for the one ASSIGN; run the
 * task (or create the hub, report it, and run the body) on this main thread; report the result;
 * write out the hubs; exit.
 *
 * <p>The worker halts at once when its stdin ends (the root died or asked it to end) or when its
 * control connection ends: it never outlives its root (the one exception: the worker that records
 * the class archive, once its outcome has gone, finishes its exit, within 5 s, so that its
 * recording is written).
 */
public final class WorkerMain {
  private static final long FLUSH_MILLIS = 5_000;
  /**
   * How long a worker waits for its outcome to be handed to the system before it exits anyway.
   * Long: exiting earlier loses the result (the root then reports a worker that exited with status
   * 0 without one), and on a machine starved by hundreds of starting JVMs the I/O thread may not
   * run for seconds (ManyWorkersTest saw it). The wait ends at once when the root's connection
   * ends, and the lifeline halts this worker when the root dies.
   */
  private static final long OUTCOME_FLUSH_MILLIS = 60_000;

  private WorkerMain() {}

  public static void main(String[] args) {
    InputStream lifeline = new FileInputStream(FileDescriptor.in);
    Bootstrap bootstrap;
    try {
      bootstrap = Bootstrap.readFrom(lifeline);
    } catch (IOException e) {
      System.err.println("asyncparallel worker: cannot read its bootstrap record: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.setIn(new ByteArrayInputStream(new byte[0]));
    Threads.startPlatform("lifeline", () -> watch(lifeline));
    UnixSocketsInit.run(); // before the first connection
    var assignment = new CompletableFuture<Message.Assign>();
    ProcessRuntime runtime;
    try {
      runtime = ProcessRuntime.startWorker(bootstrap, assignment::complete, reason -> ownerGone());
    } catch (IOException e) {
      System.err.println("asyncparallel worker on machine " + bootstrap.settings().localMachine()
          + ": cannot connect to the main process at " + addressOfRoot(bootstrap) + ": " + SocketTrouble.describe(e));
      System.exit(2);
      return;
    }
    Message.Assign assign = awaitAssignment(runtime, assignment);
    Message outcome = perform(runtime, assign);
    finish(runtime, outcome);
  }

  /** Where this worker tried to reach the root, for an error message. */
  private static String addressOfRoot(Bootstrap bootstrap) {
    try {
      return switch (Routes.addressOf(bootstrap.root(), bootstrap.settings())) {
        case InetSocketAddress tcp -> tcp.getHostString() + ":" + tcp.getPort();
        case SocketAddress other -> other.toString();
      };
    } catch (IOException e) {
      return bootstrap.root().toString();
    }
  }

  /**
   * A worker started for a waiting job gets it within a moment of its HELLO and goes straight on;
   * a spare warms up while it waits.
   */
  private static Message.Assign awaitAssignment(ProcessRuntime runtime, CompletableFuture<Message.Assign> assignment) {
    try {
      return assignment.get(20, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      warmUp(runtime);
      return assignment.join();
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      return assignment.join();
    }
  }

  /**
   * While it waits for its task, a worker runs once, on a task of its own, the code every task
   * needs: Java serialization and the rebuilding of a serializable lambda (tens of milliseconds
   * of class loading when cold), so that its real task starts warm.
   */
  static void warmUp(ProcessRuntime runtime) {
    try {
      int max = runtime.settings().maxFrameBytes();
      Task<Integer> probe = () -> 42;
      Object back = Codec.decode(Codec.encode(probe, "the warm-up task", max), "the warm-up task");
      Object value = ((Task<?>) back).call();
      byte[] result = Codec.encode(value, "the warm-up result", max);
      Codec.decode(result, "the warm-up result");
      for (Message m : new Message[] {new Message.Result(0, result), new Message.HubReady(0,
          new HubAddress(new Endpoint("", "", "", 0), 0)), new Message.Failure(0, RemoteError.of(new IllegalStateException())),
          new Message.Request(0, "", JobKind.RUN, result), new Message.Data(result)}) {
        MessageCodec.decode(MessageCodec.encode(m));
      }
    } catch (Exception e) {
      // warming is an optimization only
    }
  }

  static Message perform(ProcessRuntime runtime, Message.Assign assign) {
    long id = assign.jobId();
    Object value;
    try {
      Object closure = Codec.decode(assign.task(), assign.kind() == JobKind.RUN ? "the task" : "the body");
      if (assign.kind() == JobKind.RUN) {
        value = ((Task<?>) closure).call();
      } else {
        @SuppressWarnings("unchecked")
        Body<Object, Object, Object> body = (Body<Object, Object, Object>) closure;
        Hub<Object, Object> hub = runtime.newHubForBody();
        runtime.control().send(new Message.HubReady(id, ProcessRuntime.addressOf(hub)));
        try {
          value = body.apply(hub);
        } finally {
          runtime.flushAll(FLUSH_MILLIS);
          hub.close();
        }
      }
    } catch (Throwable t) {
      return new Message.Failure(id, RemoteError.of(t));
    }
    try {
      return new Message.Result(id, Codec.encode(value, "the result", runtime.settings().maxFrameBytes()));
    } catch (RuntimeException e) {
      return new Message.Failure(id, RemoteError.of(e));
    }
  }

  private static void finish(ProcessRuntime runtime, Message outcome) {
    boolean recording = Boolean.getBoolean("asyncparallel.recording");
    runtime.flushAll(FLUSH_MILLIS);
    if (recording) { // before the outcome goes: the root may end this worker as soon as it has it
      recordingAfterOutcome = true;
    }
    runtime.control().send(outcome);
    try {
      runtime.control().flushed().get(OUTCOME_FLUSH_MILLIS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // the root is gone or stuck: nothing more can be reported
    }
    if (recording) {
      Threads.TIMER.schedule(() -> Runtime.getRuntime().halt(0), 5, TimeUnit.SECONDS);
      exerciseHub(runtime);
      exerciseNested();
    } else {
      Threads.TIMER.schedule(() -> Runtime.getRuntime().halt(0), 5, TimeUnit.SECONDS);
    }
    System.out.flush();
    System.err.flush();
    if (othersKeepAlive()) {
      System.exit(0); // the task left threads running: ended as its owner expects
    }
    // else main returns, and the JVM ends as a program does, shutdown hooks and all (exit status 0)
  }

  /**
   * Whether a platform thread other than this one would keep the JVM alive after {@code main}
   * returns: one that the task started and left running (the library's threads are daemons).
   * Without one, the worker ends by returning from {@code main} rather than by {@code System.exit},
   * which looks up a logger for its "Runtime.exit" log record: the JDK searches the class path for
   * a logging service then, opening every jar of it, which a worker mapping the class archive
   * otherwise never does (with 60 jars, ~100 ms of a worker's ~300 ms CPU, async-profiler). A
   * thread started after this look still ends: the exit timer halts the JVM 5 s after the outcome.
   */
  private static boolean othersKeepAlive() {
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    Thread[] threads = new Thread[root.activeCount() + 16];
    int n = root.enumerate(threads, true);
    for (int i = 0; i < n; i++) {
      Thread thread = threads[i];
      if (thread != Thread.currentThread() && !thread.isDaemon() && thread.isAlive()) {
        return true;
      }
    }
    return n == threads.length; // more threads than counted: take the sure way
  }

  /**
   * Set in the worker that records the class archive as its outcome goes: the root may end it now
   * (a short program's shutdown), but a halt would end its hub exercise early and its exit status
   * would say "ended by its owner", and the root only keeps the recording of a worker that exited
   * normally (a spare halted with no job records too, without the user's classes). Its exit is
   * bounded instead: halted 5 s after the outcome.
   */
  private static volatile boolean recordingAfterOutcome;

  /** The thread that runs the job, then the recording worker's exercises. */
  private static final Thread MAIN = Thread.currentThread();

  /**
   * The root died or asked this worker to end: halt at once, unless the exit records the archive
   * (then the exercises under way stop, and the exit follows at once: the root's shutdown gives
   * its workers 2 s before it kills them).
   */
  private static void ownerGone() {
    if (!recordingAfterOutcome) {
      Runtime.getRuntime().halt(1);
    }
    MAIN.interrupt();
  }

  /**
   * In the worker that records the workers' class archive, once its outcome has gone: goes once
   * through what a spawned worker does with its hub (a hub, a channel to it from this process, a
   * message each way), so that the archive holds those classes whatever this worker's own job was
   * (a spawned worker whose hub classes come from the jars instead starts its hub ~6 ms later).
   * Best effort, and bounded: a second at most.
   */
  private static void exerciseHub(ProcessRuntime runtime) {
    try {
      Hub<String, String> hub = runtime.newHubForBody();
      Channel<String, String> channel = hub.openChannel();
      try {
        CompletableFuture<String> answer = channel.readAsync();
        channel.write("archive");
        var message = hub.listenSimple().poll(java.time.Duration.ofSeconds(1));
        if (message.isPresent()) {
          hub.send(message.get().client(), message.get().message());
          answer.get(1, TimeUnit.SECONDS);
        }
      } finally {
        channel.close();
        hub.close();
      }
    } catch (Exception e) {
      // an optimization only
    }
  }

  /**
   * In the worker that records the class archive, after {@link #exerciseHub}: starts a worker of
   * its own each way, a run and a spawn with a message each way, so that the archive holds what a
   * worker that starts workers needs (relayed requests, their replies, a channel to another
   * worker's hub) whatever this worker's own job was: otherwise every worker of a tree whose
   * workers start workers (deep, fib) loads ~400 classes outside the archive (~30-40 ms of CPU
   * each in the deep 100 benchmark). Two short-lived workers, once per
   * archive; best effort, bounded (the exit timer halts this worker 5 s after its outcome).
   */
  private static void exerciseNested() {
    try {
      Task<Integer> one = () -> 1;
      Parallel.run(one).get(2, TimeUnit.SECONDS);
      Body<String, String, String> echo = hub -> {
        var message = hub.listenSimple().poll(java.time.Duration.ofSeconds(1));
        message.ifPresent(m -> hub.send(m.client(), m.message()));
        return "archive";
      };
      Spawned<String, String, String> spawned = Parallel.spawn(echo).get(2, TimeUnit.SECONDS);
      try (Channel<String, String> channel = spawned.channel()) {
        channel.write("archive");
        channel.readAsync().get(1, TimeUnit.SECONDS);
      }
      spawned.result().get(1, TimeUnit.SECONDS);
    } catch (Exception e) {
      // an optimization only (the main process may be shutting down, say)
    }
  }

  /** Halts the JVM when stdin ends: the root died (even by kill -9) or asked this worker to end. */
  private static void watch(InputStream lifeline) {
    try {
      byte[] sink = new byte[64];
      while (lifeline.read(sink) >= 0) {
        // the root never writes after the bootstrap; keep waiting for the end
      }
    } catch (IOException e) {
      // same as the end
    }
    ownerGone();
  }
}
