package org.asyncparallel.benchmarks.tiny;

/** A bare JVM that waits: prints "ready", then blocks on stdin until EOF (for its RSS). */
public final class Idle {
  private Idle() {}

  public static void main(String[] args) throws Exception {
    System.out.println("ready");
    System.out.flush();
    while (System.in.read() >= 0) {
      // wait for EOF
    }
  }
}
