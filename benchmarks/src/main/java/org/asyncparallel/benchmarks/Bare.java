package org.asyncparallel.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.JarFile;
import org.asyncparallel.benchmarks.tiny.ConnectBack;
import org.asyncparallel.benchmarks.tiny.Hello;
import org.asyncparallel.benchmarks.tiny.Idle;
import org.asyncparallel.benchmarks.tiny.Tree;

/**
 * Bare-JVM baselines: the programs of the {@code tiny} package, copied to a directory of their
 * own and started with {@code java -cp <that directory>} and the JVM's default options (unless a
 * figure says otherwise).
 */
final class Bare implements AutoCloseable {
  /** The options the library gives its workers (LocalLauncher.defaultsFor no user options), for diagnosis. */
  static final List<String> WORKER_FLAGS =
      List.of("-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError", "-Xms16m", "-Xshare:auto",
          "-XX:Tier3InvocationThreshold=400", "-XX:Tier3MinInvocationThreshold=200",
          "-XX:Tier3CompileThreshold=4000", "-XX:Tier3BackEdgeThreshold=120000");

  final Path dir;
  final Path tinyClasses;
  private final Path socket;
  private final ServerSocketChannel server;
  private final Map<Long, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final Thread acceptor;

  Bare(Path dir) throws IOException {
    this.dir = dir;
    this.tinyClasses = dir.resolve("tiny-classes");
    copyTinyClasses(tinyClasses);
    this.socket = dir.resolve("connect-back.sock");
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket), 256);
    this.acceptor = Thread.ofPlatform().name("connect-back-acceptor").daemon().start(this::acceptLoop);
  }

  /** {@code java [flags] -cp <tiny> Hello}: start + exit, in seconds. */
  double hello(List<String> flags) throws Exception {
    var args = new ArrayList<>(flags);
    args.addAll(List.of("-cp", tinyClasses.toString(), Hello.class.getName()));
    long t0 = System.nanoTime();
    Process p = Procs.start(Procs.java(args.toArray(String[]::new))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT));
    int status = p.waitFor();
    long t1 = System.nanoTime();
    check(status == 0, "Hello exited " + status);
    return (t1 - t0) / 1e9;
  }

  /**
   * Starts a bare JVM that connects back and sends one result; the future completes (with the
   * elapsed nanoseconds since just before the process was started) when the result has arrived.
   */
  CompletableFuture<Long> roundTrip() throws IOException {
    return roundTrip(List.of());
  }

  /** {@link #roundTrip()} with these JVM flags. */
  CompletableFuture<Long> roundTrip(List<String> flags) throws IOException {
    long id = ids.incrementAndGet();
    var arrived = new CompletableFuture<Long>();
    waiting.put(id, arrived);
    var args = new ArrayList<>(flags);
    args.addAll(List.of("-cp", tinyClasses.toString(), ConnectBack.class.getName(),
        socket.toString(), Long.toString(id)));
    long t0 = System.nanoTime();
    Procs.start(Procs.java(args.toArray(String[]::new))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT));
    return arrived.thenApply(t1 -> t1 - t0);
  }

  private void acceptLoop() {
    ByteBuffer b = ByteBuffer.allocate(8);
    while (server.isOpen()) {
      try (SocketChannel ch = server.accept()) {
        b.clear();
        while (b.hasRemaining() && ch.read(b) >= 0) {
          // fill
        }
        long now = System.nanoTime();
        if (!b.hasRemaining()) {
          var f = waiting.remove(b.flip().getLong());
          if (f != null) {
            f.complete(now);
          }
        }
      } catch (IOException e) {
        if (!server.isOpen()) {
          return;
        }
      }
    }
  }

  /** {@code java -cp <tiny> Tree <kind> <n>}: the whole tree's wall time, in seconds. */
  double tree(String kind, int n, long expected) throws Exception {
    long t0 = System.nanoTime();
    Process p = Procs.start(Procs.java("-cp", tinyClasses.toString(), Tree.class.getName(), kind,
            Integer.toString(n)).redirectError(ProcessBuilder.Redirect.INHERIT));
    p.getOutputStream().close();
    String line;
    try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      line = in.readLine();
    }
    int status = p.waitFor();
    long t1 = System.nanoTime();
    check(status == 0 && line != null && Long.parseLong(line.trim()) == expected,
        "Tree " + kind + " " + n + " exited " + status + " printing " + line + ", expected " + expected);
    return (t1 - t0) / 1e9;
  }

  /** Starts {@code count} idle bare JVMs with these flags and returns them once each is ready. */
  List<Process> idle(int count, List<String> flags) throws Exception {
    var args = new ArrayList<>(flags);
    args.addAll(List.of("-cp", tinyClasses.toString(), Idle.class.getName()));
    List<Process> ps = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ps.add(Procs.start(Procs.java(args.toArray(String[]::new)).redirectError(ProcessBuilder.Redirect.INHERIT)));
    }
    for (Process p : ps) {
      InputStream in = p.getInputStream();
      String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
      check("ready".equals(line), "Idle printed " + line);
    }
    return ps;
  }

  /** Ends idle JVMs (EOF on stdin), killing any that do not exit in time. */
  static void endIdle(List<Process> ps) throws InterruptedException {
    for (Process p : ps) {
      try {
        p.getOutputStream().close();
      } catch (IOException e) {
        // already gone
      }
    }
    for (Process p : ps) {
      if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        Procs.kill(p);
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    acceptor.interrupt();
    Files.deleteIfExists(socket);
  }

  static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }

  /** Copies the class files of the tiny package (from this jar or class directory) to {@code to}. */
  private static void copyTinyClasses(Path to) throws IOException {
    String pkg = Hello.class.getPackageName().replace('.', '/') + "/";
    Path source;
    try {
      source = Path.of(Hello.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    Files.createDirectories(to.resolve(pkg));
    int copied = 0;
    if (Files.isDirectory(source)) {
      try (var files = Files.list(source.resolve(pkg))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (f.toString().endsWith(".class")) {
            Files.copy(f, to.resolve(pkg).resolve(f.getFileName().toString()));
            copied++;
          }
        }
      }
    } else {
      try (var jar = new JarFile(source.toFile())) {
        for (var e : (Iterable<java.util.jar.JarEntry>) jar.stream()::iterator) {
          String name = e.getName();
          if (name.startsWith(pkg) && name.endsWith(".class") && name.indexOf('/', pkg.length()) < 0) {
            try (InputStream in = jar.getInputStream(e)) {
              Files.copy(in, to.resolve(name));
              copied++;
            }
          }
        }
      }
    }
    check(copied >= 5, "found only " + copied + " tiny classes in " + source);
  }
}
