package org.asyncparallel.internal.cluster;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.launch.Bootstrap;
import org.asyncparallel.internal.launch.LocalLauncher;
import org.asyncparallel.internal.launch.WorkerProcess;
import org.asyncparallel.internal.runtime.RuntimeDirectory;
import org.asyncparallel.internal.runtime.RuntimeSettings;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.Message;

/**
 * The agent of a worker machine: started by the root in an ssh session, it starts the machine's
 * workers (as its children, so they end with it) and reports their ends. Its stdin carries the
 * bootstrap record and then the root's messages; its stdout carries "APJA" and then its own
 * messages, including its workers' output (System.out and System.err are redirected into
 * {@code Output} messages).
 *
 * <p>It ends, killing its workers, when its stdin ends (the root shut down or died, or the ssh
 * session broke) or when the root has been silent for the machine timeout.
 */
public final class AgentMain {
  private static final long ROOT_SILENCE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final AgentLink link;
  private final RuntimeSettings workerSettings;
  private final Endpoint root;
  private final LocalLauncher launcher = new LocalLauncher(null, List.of(), null);
  private final Map<Long, WorkerProcess> workers = new ConcurrentHashMap<>();
  private final RuntimeDirectory directory;

  private AgentMain(AgentLink link, RuntimeSettings workerSettings, Endpoint root, RuntimeDirectory directory) {
    this.link = link;
    this.workerSettings = workerSettings;
    this.root = root;
    this.directory = directory;
  }

  public static void main(String[] args) throws IOException {
    var stdin = new FileInputStream(FileDescriptor.in);
    OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    Bootstrap bootstrap = Bootstrap.readFrom(stdin);
    RuntimeSettings given = bootstrap.settings();
    String[] ssh = System.getenv().getOrDefault("SSH_CONNECTION", "").trim().split("\\s+");
    String masterAddress = !given.masterAddress().isEmpty() ? given.masterAddress() : ssh.length == 4 ? ssh[0] : "";
    String advertised = ssh.length == 4 ? ssh[2] : java.net.InetAddress.getLocalHost().getHostAddress();
    // its own directory name: the machine may share /tmp with the master (ssh to localhost, say)
    RuntimeDirectory directory = RuntimeDirectory.create(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE);
    var workerSettings = new RuntimeSettings(given.secret(), given.runtimeId(), given.cluster(),
        given.localMachine(), true, directory.path(), given.maxFrameBytes(), masterAddress, advertised,
        given.deserializationFilter(), given.dataBuffering());
    stdout.write("APJA".getBytes(StandardCharsets.US_ASCII));
    stdout.flush();
    var link = new AgentLink(stdin, stdout, given.maxFrameBytes());
    System.setOut(new PrintStream(new OutputFrames(link, 1), true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(new OutputFrames(link, 2), true, StandardCharsets.UTF_8));
    var agent = new AgentMain(link, workerSettings, bootstrap.root(), directory);
    link.send(new Message.AgentHello(ProcessHandle.current().pid(), advertised, masterAddress));
    agent.serve();
  }

  private void serve() {
    // main waits here for the end; the link's reader and the timer do the work
    Threads.TIMER.scheduleAtFixedRate(() -> {
      if (link.silentNanos() > ROOT_SILENCE_NANOS) {
        end("the main process has been silent for 10 s");
      }
      link.send(new Message.Heartbeat());
    }, 1, 1, TimeUnit.SECONDS);
    link.start("agent-link", this::onMessage, this::end);
    try {
      new java.util.concurrent.CountDownLatch(1).await(); // every thread is a daemon; end() halts
    } catch (InterruptedException e) {
      end("interrupted");
    }
  }

  private void onMessage(Message message) {
    switch (message) {
      case Message.Launch launch -> launch(launch.workerId());
      case Message.Kill kill -> {
        WorkerProcess worker = workers.get(kill.workerId());
        if (worker != null) {
          worker.kill();
        }
      }
      default -> { } // heartbeats only refresh the link's clock
    }
  }

  private void launch(long workerId) {
    try {
      WorkerProcess worker = launcher.start(workerId);
      workers.put(workerId, worker);
      worker.onExit().whenComplete((p, e) -> {
        workers.remove(workerId);
        link.send(new Message.Exited(workerId, worker.describeExit() + " on machine " + workerSettings.localMachine()));
      });
      worker.sendBootstrap(new Bootstrap(workerSettings, workerId, root));
      link.send(new Message.Launched(workerId, worker.pid()));
    } catch (IOException | RuntimeException e) {
      link.send(new Message.Exited(workerId, "could not start a worker JVM on machine "
          + workerSettings.localMachine() + ": " + e.getMessage()));
    }
  }

  /**
   * Ends every worker (politely, then by force), then the making of a class archive (it may finish
   * first, for up to 10 s), then this JVM.
   */
  private synchronized void end(String reason) {
    if (!reason.equals(AgentLink.SESSION_ENDED)) { // the end of stdin is the normal way to end
      // the ssh session's own stderr (System.err is redirected into messages): visible in the
      // main process's stderr whenever the session still stands
      new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8)
          .println("asyncparallel agent on " + workerSettings.localMachine() + " ending: " + reason);
    }
    List<WorkerProcess> all = List.copyOf(workers.values());
    all.forEach(WorkerProcess::closeStdin);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (WorkerProcess worker : all) {
      try {
        worker.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        worker.kill();
      }
    }
    launcher.close(); // a class archive under way may finish (bounded), for this machine's next workers
    directory.close();
    Runtime.getRuntime().halt(0);
  }

  /** Turns what is written into {@code Output} messages for the root. */
  private static final class OutputFrames extends OutputStream {
    private final AgentLink link;
    private final int stream;

    OutputFrames(AgentLink link, int stream) {
      this.link = link;
      this.stream = stream;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (len > 0) {
        link.send(new Message.Output(stream, java.util.Arrays.copyOfRange(b, off, off + len)));
      }
    }
  }
}
