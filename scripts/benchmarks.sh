#!/usr/bin/env bash
# Runs the benchmark suite of issue 4 and (re)writes BENCHMARKS.md at the repository root.
# Builds the library and the `benchmarks` module with the `benchmarks` profile (not part of the
# default build), then runs the harness as a real `java -cp ...` process: worker JVMs take their
# class path from the java.class.path system property, so exec:java would not do.
# Extra arguments go to the harness, e.g. `scripts/benchmarks.sh --scale 0.2 --out /tmp/b.md`
# for a quick, smaller run. Finds a JDK >= 21 by itself (scripts/jdk.sh, as scripts/mvn.sh does).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
JAVA_HOME=$("$here/jdk.sh")
# -pl benchmarks -am: the parent, the library and the benchmarks, not the examples.
"$here/mvn.sh" -q -Pbenchmarks -pl benchmarks -am -Dmaven.test.skip=true package
# The harness runs from copies of the jars (benchmarks/target/lib), so a concurrent rebuild of
# async-parallel/target cannot change the code under test mid-run.
cp="$root/benchmarks/target/async-parallel-benchmarks-0.1.0-SNAPSHOT.jar"
for jar in "$root"/benchmarks/target/lib/*.jar; do cp="$cp:$jar"; done
cd "$root"
exec "$JAVA_HOME/bin/java" -cp "$cp" org.asyncparallel.benchmarks.Benchmarks \
  --out "$root/BENCHMARKS.md" --python "$root/benchmarks/src/main/python/mp_bench.py" \
  --command "scripts/benchmarks.sh" "$@"
