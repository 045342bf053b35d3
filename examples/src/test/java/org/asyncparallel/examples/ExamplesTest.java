package org.asyncparallel.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * Runs each example program as a real main program in a child JVM, the way a user would, and
 * checks its exit status and its report. After each test, no process that the child started may
 * be left: neither a descendant of this JVM nor any process carrying the child's marker in its
 * environment (worker JVMs inherit it, so an orphaned worker is found too).
 *
 * <p>Timeouts are generous: the heavy programs (Fib's 177 nested JVMs, a 100-deep cascade, 501
 * JVMs for 100 echo clients) take 30-75 s each on an idle 2-core machine and about twice that when
 * other builds share it.
 */
class ExamplesTest {
  private static final String MARKER_VARIABLE = "ASYNCPARALLEL_EXAMPLES_TEST";
  private static final Path OUTPUT_DIR = Path.of("target", "example-runs");
  private static final Duration CLEANUP_GRACE = Duration.ofSeconds(10);

  private Process child;
  private String marker;
  private String testName;

  /** What a child run left: exit status, its output, how long it took. */
  record Run(long pid, int exitCode, String stdout, String stderr, double seconds, Path stdoutFile) {
    String describe() {
      return String.format(Locale.ROOT,
          "%nchild pid %d, exit status %d, %.1f s (output in %s)%n--- stdout ---%n%s%n--- stderr ---%n%s",
          pid, exitCode, seconds, stdoutFile.toAbsolutePath().getParent(), stdout, stderr);
    }

    /** Every match of {@code regex} in stdout, as its groups. */
    List<List<String>> matches(String regex) {
      List<List<String>> all = new ArrayList<>();
      Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(stdout);
      while (m.find()) {
        List<String> groups = new ArrayList<>();
        for (int g = 1; g <= m.groupCount(); g++) {
          groups.add(m.group(g));
        }
        all.add(groups);
      }
      return all;
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void pingPong(TestInfo info) throws Exception {
    Run run = runProgram(info, Duration.ofMinutes(4), PingPong.class, "3");
    assertSucceeded(run, "PingPong OK");
    assertThat(run.matches("^main pid (\\d+): ping (\\d) -> pong")).as(run.describe())
        .extracting(g -> g.get(1)).containsExactly("1", "2", "3");
    assertThat(run.matches("^main pid (\\d+):")).as(run.describe())
        .allSatisfy(g -> assertThat(Long.parseLong(g.get(0))).isEqualTo(run.pid()));
    List<Long> workerPids = run.matches("worker pid (\\d+): read ping").stream()
        .map(g -> Long.parseLong(g.get(0))).toList();
    assertThat(workerPids).as("the pings answered by the worker" + run.describe()).hasSize(3);
    assertThat(workerPids.stream().distinct().toList()).as(run.describe()).hasSize(1)
        .doesNotContain(run.pid());
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void deepCascade(TestInfo info) throws Exception {
    Run run = runProgram(info, Duration.ofMinutes(9), DeepCascade.class, "1,2,10,100");
    assertSucceeded(run, "DeepCascade OK");
    assertThat(run.matches("^depth +(\\d+): loop returned +(\\d+) through")).as(run.describe())
        .containsExactly(List.of("1", "1"), List.of("2", "2"), List.of("10", "10"),
            List.of("100", "100"));
    List<Long> bottoms = run.matches("bottom of the cascade reached in worker pid (\\d+)").stream()
        .map(g -> Long.parseLong(g.get(0))).toList();
    assertThat(bottoms).as("one bottom per cascade" + run.describe()).hasSize(4).doesNotHaveDuplicates()
        .doesNotContain(run.pid());
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void wide(TestInfo info) throws Exception {
    Run run = runProgram(info, Duration.ofMinutes(9), Wide.class, "1,2,10,100");
    assertSucceeded(run, "Wide OK");
    assertThat(run.stdout()).as(run.describe())
        .contains("width   1: results [0] from 1 distinct worker pids")
        .contains("width   2: results [0, 1] from 2 distinct worker pids")
        .contains("width  10: results [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] from 10 distinct worker pids")
        .contains("width 100: results [0, 1, 2, ..., 99] from 100 distinct worker pids");
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void fib(TestInfo info) throws Exception {
    Run run = runProgram(info, Duration.ofMinutes(9), Fib.class, "10");
    assertSucceeded(run, "Fib OK");
    assertThat(run.stdout()).as(run.describe())
        .contains("fib(10) = 55, computed by 177 worker processes (177 distinct pids");
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void ring(TestInfo info) throws Exception {
    Run run = runProgram(info, Duration.ofMinutes(4), Ring.class);
    assertSucceeded(run, "Ring OK");
    assertThat(run.stdout()).as(run.describe())
        .contains("main: sent 0, got back 6")
        .contains("main: sent 990, got back 996")
        .contains("main: 100 rounds through the ring (400 messages)");
    List<List<String>> nodes = run.matches("^main: node \\+(\\d) \\(pid (\\d+)\\) passed on (\\d+) values");
    assertThat(nodes).as(run.describe()).extracting(g -> g.get(0) + ":" + g.get(2))
        .containsExactly("1:100", "2:100", "3:100");
    assertThat(nodes.stream().map(g -> Long.parseLong(g.get(1))).distinct().toList())
        .as("three distinct worker processes" + run.describe()).hasSize(3).doesNotContain(run.pid());
  }

  /**
   * The original's full size: 100 clients one after the other, each with 4 sub-workers (501
   * worker JVMs in all; about 140 s on an idle 2-core machine).
   */
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void echoServer(TestInfo info) throws Exception {
    Run run = runProgram(info, Duration.ofMinutes(9), EchoServer.class, "100");
    assertSucceeded(run, "EchoServer OK");
    assertThat(run.stdout()).as(run.describe())
        .contains("main: echo of foo ok")
        .contains("main: client 99 ok")
        .contains("main: 100 clients and 400 sub-workers ok, 500 distinct worker pids")
        .contains("echoed 501 messages to 501 clients");
  }

  /** A pool counts the words of many files: mapReduce and mapUnordered, checked against a plain count. */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void wordCount(TestInfo info) throws Exception {
    Run run = runProgram(info, Duration.ofMinutes(4), WordCount.class, "150,2");
    assertSucceeded(run, "WordCount OK");
    assertThat(run.stdout()).as(run.describe())
        .contains("counting the words of 150 files with 2 pool workers on this machine")
        .contains("the counts match the sequential count made here")
        .containsPattern("the longest file is text-\\d{4}\\.txt with [0-9,]+ words")
        .contains("progress of the last map: Progress[done=150, total=150");
  }

  /** The launcher: several programs in one JVM, one runtime after the other, with a summary. */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void examplesLauncherRunsProgramsInSequence(TestInfo info) throws Exception {
    Run run = runProgram(info, Duration.ofMinutes(4), Examples.class,
        "PingPong:2", "Wide:1,3 Fib:4", "Ring:100");
    assertThat(run.exitCode()).as(run.describe()).isZero();
    assertThat(run.matches("^(OK|FAILED) +(\\w+) ")).as(run.describe())
        .containsExactly(List.of("OK", "PingPong"), List.of("OK", "Wide"), List.of("OK", "Fib"),
            List.of("OK", "Ring"));
    assertThat(run.stdout()).as(run.describe())
        .contains("width   3: results [0, 1, 2] from 3 distinct worker pids")
        .contains("fib(4) = 3, computed by 9 worker processes")
        .contains("main: 10 rounds through the ring");
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void examplesLauncherRejectsUnknownProgram(TestInfo info) throws Exception {
    Run run = runProgram(info, Duration.ofMinutes(1), Examples.class, "NoSuchProgram");
    assertThat(run.exitCode()).as(run.describe()).isNotZero();
    assertThat(run.stderr()).as(run.describe()).contains("unknown program: NoSuchProgram");
  }

  // ---------------------------------------------------------------------------------------------

  private static void assertSucceeded(Run run, String finalLine) {
    assertThat(run.exitCode()).as("exit status" + run.describe()).isZero();
    assertThat(run.stdout()).as(run.describe()).contains(finalLine);
    assertThat(run.stderr()).as(run.describe()).doesNotContain("FAILED").doesNotContain("Exception");
  }

  /** Runs {@code main} of the class in a child JVM with this JVM's class path; waits for its end. */
  private Run runProgram(TestInfo info, Duration limit, Class<?> program, String... args)
      throws IOException, InterruptedException {
    testName = info.getTestMethod().orElseThrow().getName();
    Files.createDirectories(OUTPUT_DIR);
    Path stdout = OUTPUT_DIR.resolve(testName + ".stdout.txt");
    Path stderr = OUTPUT_DIR.resolve(testName + ".stderr.txt");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), program.getName()));
    command.addAll(List.of(args));
    marker = UUID.randomUUID().toString();
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().put(MARKER_VARIABLE, marker);
    long start = System.nanoTime();
    child = builder.start();
    boolean ended = child.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    Run run = new Run(child.pid(), ended ? child.exitValue() : -1, read(stdout), read(stderr),
        seconds, stdout);
    if (!ended) {
      fail("%s did not end within %s%s", program.getSimpleName(), limit, run.describe());
    }
    System.out.printf(Locale.ROOT, "%s: %s %s exited %d after %.1f s%n", testName,
        program.getSimpleName(), String.join(" ", args), run.exitCode(), seconds);
    return run;
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  /** The child and everything it started must be gone; leftovers are killed and fail the test. */
  @AfterEach
  void noProcessLeftBehind() throws Exception {
    if (child == null) {
      return;
    }
    List<String> problems = new ArrayList<>();
    if (child.isAlive()) {
      problems.add("the example process " + child.pid() + " was still running");
      child.destroyForcibly();
    }
    long deadline = System.nanoTime() + CLEANUP_GRACE.toNanos();
    List<ProcessHandle> left = leftovers();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      left = leftovers();
    }
    if (!left.isEmpty()) {
      problems.add("processes left " + CLEANUP_GRACE.toSeconds() + " s after the example ended: "
          + left.stream().map(ExamplesTest::describe).collect(Collectors.joining("; ")));
      left.forEach(ProcessHandle::destroyForcibly);
    }
    if (!problems.isEmpty()) {
      fail(String.join("\n", problems) + "\n(" + testName + " output is under "
          + OUTPUT_DIR.toAbsolutePath() + ")");
    }
  }

  /** Descendants of this JVM, and any process whose environment carries this run's marker. */
  private List<ProcessHandle> leftovers() {
    List<ProcessHandle> found = new ArrayList<>(ProcessHandle.current().descendants()
        .filter(ProcessHandle::isAlive).toList());
    if (Files.isDirectory(Path.of("/proc/self"))) {
      byte[] needle = (MARKER_VARIABLE + "=" + marker).getBytes(StandardCharsets.UTF_8);
      ProcessHandle.allProcesses()
          .filter(p -> found.stream().noneMatch(f -> f.pid() == p.pid()))
          .filter(p -> environmentContains(p.pid(), needle))
          .filter(ProcessHandle::isAlive)
          .forEach(found::add);
    }
    return found;
  }

  private static boolean environmentContains(long pid, byte[] needle) {
    byte[] environ;
    try {
      environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
    } catch (IOException | SecurityException e) {
      return false; // gone, or another user's
    }
    outer:
    for (int i = 0; i + needle.length <= environ.length; i++) {
      if (i > 0 && environ[i - 1] != 0) {
        continue; // only at the start of an entry
      }
      for (int j = 0; j < needle.length; j++) {
        if (environ[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static String describe(ProcessHandle p) {
    return p.pid() + " " + p.info().commandLine().orElse("?");
  }
}
