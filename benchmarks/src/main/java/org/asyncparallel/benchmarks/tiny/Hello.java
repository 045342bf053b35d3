package org.asyncparallel.benchmarks.tiny;

/** The bare JVM: start, print one line, exit. */
public final class Hello {
  private Hello() {}

  public static void main(String[] args) {
    System.out.println("hello");
  }
}
