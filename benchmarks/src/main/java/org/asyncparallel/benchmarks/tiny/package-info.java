/**
 * Baseline programs that use nothing but the JDK. The harness copies this package's class files
 * to a directory of their own and starts them with {@code java -cp <that directory>}, so a
 * baseline JVM loads no library code and opens no jar.
 */
package org.asyncparallel.benchmarks.tiny;
