package org.asyncparallel.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a hang was: the thread stacks of this machine's live worker JVMs, taken (with {@code jcmd
 * Thread.print}) when an operation times out and before it is cancelled, printed to stdout with
 * the soak's figures. A hang found once in many soaks is otherwise gone without a trace. Bounded:
 * a few workers (spares waiting for a job left out), their threads in the test's or the library's
 * code (the library's idle I/O, lifeline and timer threads left out), a few frames each.
 */
final class HangDump {
  private static final int MAX_WORKERS = 16;
  private static final int MAX_FRAMES = 20;
  private static final Object PRINTING = new Object();
  /** The library's threads that only wait, in every worker: their stacks tell nothing. */
  private static final List<String> QUIET = List.of("asyncparallel-lifeline", "asyncparallel-io", "asyncparallel-timer");

  private HangDump() {}

  /** Prints the dump, headed by {@code what}. Never throws. */
  static void print(String what) {
    StringBuilder out = new StringBuilder("==== HANG (" + what + "): the local workers' threads ====\n");
    try {
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      List<ProcessHandle> workers = ProcessHandle.current().descendants()
          .filter(p -> p.info().arguments().map(a -> String.join(" ", a).contains("WorkerMain")).orElse(false))
          .limit(MAX_WORKERS).toList();
      for (ProcessHandle worker : workers) {
        String threads = threadsOf(jcmd, worker.pid());
        if (!threads.contains("WorkerMain.awaitAssignment")) { // not a spare waiting for a job
          out.append("-- worker pid ").append(worker.pid()).append('\n').append(threads);
        }
      }
    } catch (RuntimeException e) {
      out.append("(no dump: ").append(e).append(")\n");
    }
    synchronized (PRINTING) {
      System.out.print(out);
      System.out.flush();
    }
  }

  /** The worker's threads that matter here, a few frames each. */
  private static String threadsOf(Path jcmd, long pid) {
    try {
      Path file = Files.createTempFile("hang-" + pid, ".txt");
      try {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print")
            .redirectErrorStream(true).redirectOutput(file.toFile()).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor();
          return "   (jcmd did not answer in 10 s)\n";
        }
        return interesting(Files.readAllLines(file, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      return "   (jcmd failed: " + e.getMessage() + ")\n";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "   (interrupted)\n";
    }
  }

  /** Threads whose stack shows the test's or the library's code, cut to {@link #MAX_FRAMES}. */
  private static String interesting(List<String> lines) {
    StringBuilder out = new StringBuilder();
    List<String> thread = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("\"")) {
        flush(thread, out);
        thread.clear();
      }
      if (!thread.isEmpty() || line.startsWith("\"")) {
        thread.add(line);
      }
    }
    flush(thread, out);
    return out.toString();
  }

  private static void flush(List<String> thread, StringBuilder out) {
    if (thread.isEmpty() || thread.stream().noneMatch(l -> l.contains("org.asyncparallel"))
        || QUIET.stream().anyMatch(name -> thread.get(0).startsWith("\"" + name + "\""))) {
      return;
    }
    thread.stream().filter(l -> !l.isBlank()).limit(MAX_FRAMES).forEach(l -> out.append("   ").append(l).append('\n'));
  }
}
