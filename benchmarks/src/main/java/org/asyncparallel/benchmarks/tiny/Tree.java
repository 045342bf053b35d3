package org.asyncparallel.benchmarks.tiny;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Bare-JVM process trees, the baselines of the library's deep cascade and fib: each node is a
 * fresh JVM started by its parent (a JVM), which reads the child's one-line result from the
 * child's stdout and waits for it to exit.
 *
 * <p>Usage: {@code Tree deep <d>} (a chain: node d starts node d-1; 0 prints 0) or
 * {@code Tree fib <n>} (node n starts n-1, waits for it, then starts n-2; one JVM per call, as the
 * library's fib example does). Prints the result.
 */
public final class Tree {
  private Tree() {}

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    int n = Integer.parseInt(args[1]);
    long result;
    if (kind.equals("deep")) {
      result = n == 0 ? 0 : child(kind, n - 1) + 1;
    } else if (kind.equals("fib")) {
      result = n < 2 ? n : child(kind, n - 1) + child(kind, n - 2);
    } else {
      throw new IllegalArgumentException("kind: deep or fib, not " + kind);
    }
    System.out.println(result);
  }

  static long child(String kind, int n) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        Tree.class.getName(), kind, Integer.toString(n)))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    p.getOutputStream().close();
    String line;
    try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      line = in.readLine();
    }
    int status = p.waitFor();
    if (line == null || status != 0) {
      throw new IllegalStateException("child " + kind + " " + n + " exited " + status + " with " + line);
    }
    return Long.parseLong(line.trim());
  }
}
