package org.asyncparallel.internal.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.asyncparallel.ParallelException;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.launch.Bootstrap;
import org.asyncparallel.internal.launch.OutputPump;
import org.asyncparallel.internal.launch.ProcessStarts;
import org.asyncparallel.internal.launch.WorkerHandle;
import org.asyncparallel.internal.runtime.RuntimeSettings;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.Message;

/**
 * The root's view of one worker machine: it ships the code there, starts the machine's agent in an
 * ssh session, asks it to start and kill workers, relays its output, and declares the machine lost
 * when the session ends or the agent falls silent for longer than the machine timeout.
 *
 * <p>Lifecycle: new → {@link #start} (probe, upload, agent) → up → lost or {@link #shutdown}.
 */
public final class RemoteMachine {
  private static final byte[] MAGIC = "APJA".getBytes(StandardCharsets.US_ASCII);

  private final String machine;
  private final SshCommand ssh;
  private final Duration machineTimeout;
  private final BiConsumer<RemoteMachine, String> onLost;
  private final Map<Long, RemoteWorker> workers = new ConcurrentHashMap<>();
  private volatile Process session;
  private volatile OutputPump sessionErr;
  private volatile AgentLink link;
  private volatile String lostReason;
  private volatile ScheduledFuture<?> heartbeat;

  /**
   * @param onLost called once if the machine is lost (not at shutdown), with the reason
   */
  public RemoteMachine(String machine, List<String> sshPrefix, Duration machineTimeout,
      BiConsumer<RemoteMachine, String> onLost) {
    this.machine = machine;
    this.ssh = new SshCommand(sshPrefix);
    this.machineTimeout = machineTimeout;
    this.onLost = onLost;
  }

  public String machine() {
    return machine;
  }

  /** Why the machine is unusable, or null while it is up. */
  public String lostReason() {
    return lostReason;
  }

  /**
   * Ships the code and starts the agent; returns once the agent is ready.
   *
   * @param agentSettings the settings the agent starts from (its machine name, the secret...)
   * @param root where the root listens (its TCP port)
   * @throws ParallelException naming the machine and what ssh or the remote side said
   */
  public void start(ClassPathBundle bundle, RuntimeSettings agentSettings, Endpoint root, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    ProbeResult probe = probe(deadline);
    if (probe.javaVersion < 21) {
      throw failure("its java is version " + probe.javaVersionText + "; Async Parallel needs 21 or newer. Put the"
          + " bin directory of a JDK 21 or newer first on the PATH of a non-interactive ssh session there; check"
          + " with: ssh " + machine + " java -version", null);
    }
    upload(bundle, probe.have, deadline);
    startAgent(bundle, agentSettings, root, deadline);
  }

  private record ProbeResult(int javaVersion, String javaVersionText, Set<String> have) {}

  private ProbeResult probe(long deadline) {
    String out = runScript(RemoteScripts.probe(), null, deadline, "probing it");
    int version = 0;
    String versionText = "unknown";
    Set<String> have = new java.util.HashSet<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("JAVA ")) {
        versionText = line.substring(5).trim();
        if (versionText.isEmpty()) {
          versionText = "unknown (java -XshowSettings:properties -version named none)";
        }
        try {
          version = Integer.parseInt(versionText.startsWith("1.") ? versionText.substring(2) : versionText);
        } catch (NumberFormatException e) {
          version = 0;
        }
      } else if (line.startsWith("HAVE ")) {
        have.add(line.substring(5).trim());
      }
    }
    return new ProbeResult(version, versionText, have);
  }

  private void upload(ClassPathBundle bundle, Set<String> have, long deadline) {
    var archive = new ByteArrayOutputStream();
    var tar = new TarWriter(archive);
    int missing = 0;
    try {
      Set<String> added = new java.util.HashSet<>();
      for (ClassPathBundle.Piece piece : bundle.pieces()) {
        if (!have.contains(piece.name()) && added.add(piece.name())) {
          tar.add(piece.name(), piece.bytes());
          missing++;
        }
      }
      tar.finish();
    } catch (ParallelException e) {
      throw failure(e.getMessage(), e); // a class path entry is gone or changed: it says which
    } catch (IOException | RuntimeException e) {
      throw failure("cannot pack the class path: " + e.getMessage(), e);
    }
    if (missing == 0) {
      return;
    }
    String out = runScript(RemoteScripts.upload(archive.size()), archive.toByteArray(), deadline,
        "copying the class path");
    if (out.lines().noneMatch("OK"::equals)) {
      throw failure("copying the class path failed: " + out.trim(), null);
    }
  }

  private String runScript(String script, byte[] stdin, long deadline, String what) {
    try {
      Process process = ProcessStarts.start(new ProcessBuilder(ssh.argv(machine, script)));
      var err = OutputPump.start("ssh-err-" + machine, process.getErrorStream(), () -> NullStream.INSTANCE);
      var outBytes = new ByteArrayOutputStream();
      var outReader = Threads.startPlatform("ssh-out-" + machine, () -> {
        try {
          process.getInputStream().transferTo(outBytes);
        } catch (IOException ignored) {
          // the process ended
        }
      });
      try (var in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin);
        }
      } catch (IOException e) {
        // the remote side stopped reading: its exit status and output say why
      }
      long left = deadline - System.nanoTime();
      if (!process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
        process.toHandle().destroyForcibly(); // keeps the pipes open for the pumps
        process.waitFor(5, TimeUnit.SECONDS);
        throw failure(what + " took longer than the start-up timeout", null);
      }
      outReader.join(5_000);
      err.awaitEnd(5_000);
      String out = outBytes.toString(StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        String explained = RemoteScripts.explain(machine, out);
        if (explained != null) {
          throw failure(explained, null);
        }
        String said = (out + "\n" + err.tail(20)).trim();
        throw failure(what + ": ssh exited with status " + process.exitValue()
            + (said.isEmpty() ? "" : ": " + said), null);
      }
      return out;
    } catch (IOException e) {
      throw failure("cannot run " + ssh.argv(machine, "...").get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure("interrupted while " + what, e);
    }
  }

  private void startAgent(ClassPathBundle bundle, RuntimeSettings agentSettings, Endpoint root, long deadline) {
    List<String> jars = bundle.pieces().stream().map(ClassPathBundle.Piece::name).distinct().toList();
    Process process;
    try {
      process = ProcessStarts.start(new ProcessBuilder(ssh.argv(machine, RemoteScripts.agent(jars))));
    } catch (IOException e) {
      throw failure("cannot run ssh: " + e.getMessage(), e);
    }
    session = process;
    sessionErr = OutputPump.start("ssh-err-" + machine, process.getErrorStream(), () -> System.err);
    var timer = Threads.TIMER.schedule(() -> process.toHandle().destroyForcibly(),
        Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    try {
      new Bootstrap(agentSettings, 0, root).writeTo(process.getOutputStream());
      link = new AgentLink(process.getInputStream(), process.getOutputStream(), agentSettings.maxFrameBytes());
      byte[] magic = link.readRaw(MAGIC.length);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new IOException("the remote side printed " + new String(magic, StandardCharsets.UTF_8)
            + "... before the agent's greeting (does the login shell print to stdout?)");
      }
      if (!(link.readFirst() instanceof Message.AgentHello)) {
        throw new IOException("the agent did not greet");
      }
    } catch (IOException e) {
      process.toHandle().destroyForcibly(); // not Process.destroyForcibly: its stderr is still read
      String said = awaitSessionEnd();
      throw failure("its agent did not start: " + e.getMessage() + (said.isEmpty() ? "" : "; it said: " + said), e);
    } finally {
      timer.cancel(false);
    }
    link.start("agent-link-" + machine, this::onMessage, this::lost);
    process.onExit().thenRun(() -> lost("the ssh session ended (status " + process.exitValue() + ")"
        + tailOf(sessionErr)));
    heartbeat = Threads.TIMER.scheduleAtFixedRate(this::beat, 1, 1, TimeUnit.SECONDS);
  }

  private String awaitSessionEnd() {
    try {
      session.waitFor(5, TimeUnit.SECONDS);
      sessionErr.awaitEnd(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return sessionErr.tail(20);
  }

  private static String tailOf(OutputPump pump) {
    String tail = pump == null ? "" : pump.tail(5);
    return tail.isEmpty() ? "" : ": " + tail;
  }

  private void beat() {
    if (lostReason != null) {
      return;
    }
    if (link.silentNanos() > machineTimeout.toNanos()) {
      lost("no heartbeat from its agent for " + machineTimeout.toMillis() + " ms (machine down, hung or cut off)");
      return;
    }
    link.send(new Message.Heartbeat());
  }

  private void onMessage(Message message) {
    switch (message) {
      case Message.Heartbeat h -> { }
      case Message.Output o -> {
        var stream = o.stream() == 2 ? System.err : System.out;
        stream.write(o.bytes(), 0, o.bytes().length);
        stream.flush();
      }
      case Message.Launched l -> {
        RemoteWorker w = workers.get(l.workerId());
        if (w != null) {
          w.pid = l.pid();
        }
      }
      case Message.Exited e -> {
        RemoteWorker w = workers.remove(e.workerId());
        if (w != null) {
          w.ended(e.description());
        }
      }
      default -> { } // nothing else is expected from an agent; ignore rather than drop the machine
    }
  }

  /**
   * A handle for a new worker of this machine, known to this object (so its end is reported) but
   * not yet asked of the agent: {@link #startWorker} does that.
   */
  public WorkerHandle newWorker(long workerId) {
    var worker = new RemoteWorker(workerId);
    workers.put(workerId, worker);
    return worker;
  }

  /**
   * Asks the agent to start a worker made by {@link #newWorker}. If the machine is lost or its
   * agent gone, the worker ends at once, saying so.
   */
  public void startWorker(WorkerHandle handle) {
    var worker = (RemoteWorker) handle;
    String reason = lostReason;
    if (reason != null || !link.send(new Message.Launch(worker.workerId))) {
      workers.remove(worker.workerId);
      worker.ended("no worker could be started on machine " + machine + ": "
          + (reason != null ? reason : "its agent is gone"));
    }
  }

  private void lost(String reason) {
    synchronized (this) {
      if (lostReason != null) {
        return;
      }
      lostReason = "machine " + machine + " was lost: " + reason;
    }
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
    Process p = session;
    if (p != null) {
      p.destroyForcibly();
    }
    for (RemoteWorker worker : new ArrayList<>(workers.values())) {
      workers.remove(worker.workerId);
      worker.ended(lostReason);
    }
    onLost.accept(this, lostReason);
  }

  /**
   * Ends the agent (which ends its workers): closes the session's stdin, waits up to
   * {@code grace}, then kills the ssh client. Blocks.
   */
  public void shutdown(Duration grace) {
    synchronized (this) {
      if (lostReason == null) {
        lostReason = "machine " + machine + ": the runtime was shut down";
      }
    }
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
    Process p = session;
    if (p == null) {
      return;
    }
    try {
      p.getOutputStream().close();
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!p.waitFor(grace.toMillis() + 3_000, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (RemoteWorker worker : new ArrayList<>(workers.values())) {
      worker.ended(lostReason);
    }
  }

  private ParallelException failure(String what, Throwable cause) {
    return new ParallelException("cannot use machine '" + machine + "': " + what, cause);
  }

  /** A worker on this machine, as the agent reports it. */
  private final class RemoteWorker implements WorkerHandle {
    final long workerId;
    volatile long pid;
    private volatile String description;
    private final java.util.concurrent.CompletableFuture<Void> exit = new java.util.concurrent.CompletableFuture<>();

    RemoteWorker(long workerId) {
      this.workerId = workerId;
    }

    void ended(String how) {
      description = how;
      exit.complete(null);
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public java.util.concurrent.CompletableFuture<?> onExit() {
      return exit;
    }

    @Override
    public void closeStdin() {
      kill();
    }

    @Override
    public void kill() {
      AgentLink l = link;
      if (l != null && !exit.isDone()) {
        l.send(new Message.Kill(workerId));
      }
    }

    @Override
    public String describeExit() {
      String how = description;
      return how != null ? how : "worker " + workerId + " on machine " + machine + " ended";
    }
  }
}
