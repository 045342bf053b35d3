package org.asyncparallel.internal.worker;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.asyncparallel.Body;
import org.asyncparallel.Channel;
import org.asyncparallel.Cluster;
import org.asyncparallel.HubEvent;
import org.asyncparallel.Parallel;
import org.asyncparallel.Spawned;
import org.asyncparallel.Task;
import org.asyncparallel.internal.Threads;
import org.asyncparallel.internal.codec.Codec;
import org.asyncparallel.internal.launch.Bootstrap;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.net.Listener;
import org.asyncparallel.internal.runtime.ProcessRuntime;
import org.asyncparallel.internal.runtime.RuntimeSettings;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.HubAddress;
import org.asyncparallel.internal.wire.JobKind;
import org.asyncparallel.internal.wire.Message;
import org.asyncparallel.internal.wire.RemoteError;
import org.asyncparallel.internal.wire.Secret;

/**
 * The training run of the workers' class archive: a JVM of its own, started in recording mode
 * ({@code -XX:AOTMode=record}, or {@code -XX:ArchiveClassesAtExit} before JDK 25) when a class
 * path has no archive yet, that goes through what a worker does, within this one process and
 * within a second or so: it reads a bootstrap record, connects to a root (here, a listener of
 * its own) and authenticates, gets a body assigned, creates its hub, opens a channel to it and
 * exchanges messages, asks for a run and a spawn of its own (served by that root), runs a task,
 * reports the results, and exits. The classes it loaded become
 * the archive every later worker maps.
 *
 * <p>A separate run rather than the first real worker: a worker records only when it exits, and
 * the first worker of a program may live as long as the program (the top of a deep cascade).
 *
 * <p>Like a worker, it halts when its stdin ends (its owner died or ended it), and after a minute
 * at most. Exit status 0 when every step worked; anything else means no archive this time.
 */
public final class Training {
  private static final Duration LIMIT = Duration.ofMinutes(1);
  /** The hub of the body being trained (this process is both the root and the worker). */
  private static volatile HubAddress bodyHub;

  private Training() {}

  public static void main(String[] args) {
    InputStream lifeline = new FileInputStream(FileDescriptor.in);
    Threads.startPlatform("lifeline", () -> {
      try {
        lifeline.transferTo(OutputStream.nullOutputStream());
      } catch (IOException e) {
        // same as the end
      }
      Runtime.getRuntime().halt(1);
    });
    Threads.TIMER.schedule(() -> Runtime.getRuntime().halt(3), LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    int status = 0;
    Path directory = null;
    try {
      directory = Files.createTempDirectory("asyncparallel-training-");
      train(directory);
    } catch (Exception e) {
      System.err.println("asyncparallel training run failed: " + e);
      status = 2;
    } finally {
      deleteTree(directory);
    }
    System.exit(status);
  }

  private static void train(Path directory) throws Exception {
    var settings = new RuntimeSettings(Secret.generate(), 1, Cluster.localOnly(),
        Cluster.localOnly().masterMachine(), false, directory, 1 << 20, "", "");
    var outcome = new CompletableFuture<Message>();
    Body<String, String, Integer> body = hub -> {
      bodyHub = ProcessRuntime.addressOf(hub);
      var arrivals = hub.listenSimple();
      @SuppressWarnings("unchecked")
      Channel<String, String> channel = (Channel<String, String>) Codec.decode(
          Codec.encode(hub.openChannel(), "a channel"), "a channel"); // as a channel handed to a worker
      channel.write("ping");
      HubEvent.Data<String> ping = arrivals.take();
      hub.send(ping.client(), "pong");
      String pong = channel.read();
      channel.close();
      // a task and a body of its own, as a worker's run and spawn relayed through the root
      int nested = Parallel.run(() -> 1).get(10, TimeUnit.SECONDS);
      Spawned<Object, Object, Integer> spawned = Parallel.<Object, Object, Integer>spawn(h -> 2).get(10, TimeUnit.SECONDS);
      return pong.length() + nested + spawned.result().get(10, TimeUnit.SECONDS);
    };
    Path rootSocket = directory.resolve("root");
    try (Listener root = Listener.openUnix(rootSocket, settings.secret(), settings.maxFrameBytes(),
        Duration.ofSeconds(10), (connected, hello) -> assign(connected, body, outcome))) {
      var written = new ByteArrayOutputStream();
      new Bootstrap(settings, 1, new Endpoint(settings.localMachine(), rootSocket.toString())).writeTo(written);
      Bootstrap bootstrap = Bootstrap.readFrom(new ByteArrayInputStream(written.toByteArray()));
      var assignment = new CompletableFuture<Message.Assign>();
      ProcessRuntime runtime = ProcessRuntime.startWorker(bootstrap, assignment::complete,
          reason -> assignment.completeExceptionally(new IOException(reason)));
      WorkerMain.warmUp(runtime);
      Message spawned = WorkerMain.perform(runtime, assignment.get(10, TimeUnit.SECONDS));
      Task<Integer> task = () -> 6 * 7;
      Message ran = WorkerMain.perform(runtime, new Message.Assign(2, JobKind.RUN, Codec.encode(task, "a task")));
      for (Message m : new Message[] {spawned, ran}) {
        if (!(m instanceof Message.Result)) {
          throw new IllegalStateException("a step failed: " + m);
        }
        runtime.control().send(m);
      }
      runtime.control().flushed().get(10, TimeUnit.SECONDS);
      Message reported = outcome.get(10, TimeUnit.SECONDS);
      if (!(reported instanceof Message.Result)) {
        throw new IllegalStateException("the root got " + reported);
      }
    }
  }

  /**
   * The root's side: the worker said HELLO; give it the body, serve its requests (a task is run
   * here; a body's hub is the worker's own), wait for its result.
   */
  private static void assign(org.asyncparallel.internal.net.Connected connected, Body<String, String, Integer> body,
      CompletableFuture<Message> outcome) {
    Connection link = Connection.over("training", connected);
    link.start(new Connection.Handler() {
      @Override
      public void onMessage(Message message) {
        switch (message) {
          case Message.Request r when r.kind() == JobKind.RUN -> Threads.CALLBACKS.execute(() -> {
            try {
              Object value = ((Task<?>) Codec.decode(r.task(), "a task")).call();
              link.send(new Message.Result(r.requestId(), Codec.encode(value, "a result")));
            } catch (Exception e) {
              link.send(new Message.Failure(r.requestId(), RemoteError.of(e)));
            }
          });
          case Message.Request r -> {
            link.send(new Message.HubReady(r.requestId(), bodyHub));
            link.send(new Message.Result(r.requestId(), Codec.encode(2, "a result")));
          }
          case Message.Result m -> outcome.complete(m);
          case Message.Failure m -> outcome.complete(m);
          default -> { }
        }
      }

      @Override
      public void onClosed(String reason) {
        outcome.completeExceptionally(new IOException(reason));
      }
    });
    link.send(new Message.Assign(1, JobKind.SPAWN, Codec.encode(body, "a body")));
  }

  private static void deleteTree(Path directory) {
    if (directory == null) {
      return;
    }
    try (var files = Files.walk(directory)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a leftover in the temporary directory: harmless
    }
  }
}
