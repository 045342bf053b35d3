package org.asyncparallel.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the example programs in this JVM, one after the other.
 *
 * <pre>
 *   Examples all                      every program with its default arguments
 *   Examples PingPong Fib             just these
 *   Examples Fib:8 DeepCascade:1,2,10 a program's arguments follow a colon, separated by commas
 * </pre>
 *
 * <p>From Maven: {@code mvn -pl examples exec:exec} runs {@code all};
 * {@code -Dexamples="PingPong:3 Fib:8"} chooses.
 *
 * <p>Each program starts the runtime with {@code Parallel.init()} and stops it with
 * {@code Parallel.shutdown().join()}, so they can run in sequence in one process. Prints one
 * summary line per program and exits with status 1 if any failed.
 */
public final class Examples {
  private Examples() {}

  /** A program's work: init, run, report, shutdown. Throws (e.g. {@link AssertionError}) on failure. */
  @FunctionalInterface
  interface Program {
    void run(String[] args) throws Exception;
  }

  /** All programs, in the order {@code all} runs them. */
  static final Map<String, Program> PROGRAMS = new LinkedHashMap<>();

  static {
    PROGRAMS.put("PingPong", PingPong::run);
    PROGRAMS.put("DeepCascade", DeepCascade::run);
    PROGRAMS.put("Wide", Wide::run);
    PROGRAMS.put("Fib", Fib::run);
    PROGRAMS.put("Ring", Ring::run);
    PROGRAMS.put("EchoServer", EchoServer::run);
    PROGRAMS.put("WordCount", WordCount::run);
  }

  /**
   * Starts the runtime: on this machine only, or, when the environment variable
   * {@code ASYNCPARALLEL_CLUSTER} lists worker machines (separated by spaces or commas), on a
   * cluster of this machine and those, reached with the command in {@code ASYNCPARALLEL_SSH}
   * (default {@code ssh -o BatchMode=yes}).
   */
  static void initRuntime() throws java.net.UnknownHostException {
    String machines = System.getenv().getOrDefault("ASYNCPARALLEL_CLUSTER", "").trim();
    if (machines.isEmpty()) {
      org.asyncparallel.Parallel.init();
      return;
    }
    var cluster = new org.asyncparallel.Cluster(java.net.InetAddress.getLocalHost().getHostName(),
        List.of(machines.split("[\\s,]+")));
    var config = org.asyncparallel.Config.builder().cluster(cluster);
    String ssh = System.getenv().getOrDefault("ASYNCPARALLEL_SSH", "").trim();
    if (!ssh.isEmpty()) {
      config.sshCommand(ssh.split("\\s+"));
    }
    org.asyncparallel.Parallel.init(config.build());
    System.out.println("cluster: this machine and " + cluster.workerMachines());
  }

  public static void main(String[] args) {
    List<String> requests = new ArrayList<>();
    for (String arg : args) { // one argument may hold several, as from -Dexamples="Fib PingPong"
      requests.addAll(Arrays.stream(arg.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
    }
    if (requests.isEmpty() || requests.contains("all")) {
      requests.removeIf("all"::equals);
      requests.addAll(0, PROGRAMS.keySet());
    }
    List<String> summary = new ArrayList<>();
    boolean failed = false;
    for (String request : requests) {
      int colon = request.indexOf(':');
      String name = colon < 0 ? request : request.substring(0, colon);
      String[] programArgs = colon < 0 || colon == request.length() - 1
          ? new String[0] : request.substring(colon + 1).split(",");
      Program program = PROGRAMS.get(name);
      if (program == null) {
        System.err.println("unknown program: " + name + " (known: " + PROGRAMS.keySet() + ", all)");
        System.exit(2);
      }
      System.out.println();
      System.out.println(("=============== " + name + " " + String.join(" ", programArgs)).strip());
      long start = System.nanoTime();
      String outcome;
      try {
        program.run(programArgs);
        outcome = "OK    ";
      } catch (Throwable t) {
        failed = true;
        outcome = "FAILED";
        System.out.flush();
        System.err.println(name + " FAILED: " + t);
        t.printStackTrace();
      }
      summary.add(String.format(Locale.ROOT, "%-6s %-12s %8.1f s", outcome, name, seconds(start)));
    }
    System.out.println();
    System.out.println("=============== summary");
    summary.forEach(System.out::println);
    System.out.flush();
    System.exit(failed ? 1 : 0);
  }

  /**
   * The {@code main} of a single program: runs it, then exits with status 0, or prints the
   * failure to stderr and exits with status 1.
   */
  static void runMain(String name, Program program, String[] args) {
    long start = System.nanoTime();
    try {
      program.run(args);
    } catch (Throwable t) {
      System.out.flush();
      System.err.println(name + " FAILED: " + t);
      t.printStackTrace();
      System.err.flush();
      System.exit(1);
    }
    System.out.printf(Locale.ROOT, "%s OK in %.1f s%n", name, seconds(start));
    System.out.flush();
    System.exit(0);
  }

  /** Seconds since {@code startNanos}. */
  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** Throws {@link AssertionError} with the message unless the condition holds. */
  static void check(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }

  /** This process's id. */
  static long pid() {
    return ProcessHandle.current().pid();
  }

  /** Parses each argument, and each comma-separated part of it, as an int; the default if none. */
  static List<Integer> ints(String[] args, List<Integer> defaults) {
    List<Integer> values = new ArrayList<>();
    for (String arg : args) {
      for (String part : arg.split(",")) {
        if (!part.isBlank()) {
          values.add(Integer.parseInt(part.trim()));
        }
      }
    }
    return values.isEmpty() ? defaults : values;
  }
}
