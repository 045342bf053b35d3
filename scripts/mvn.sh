#!/usr/bin/env bash
# Runs Maven with a JDK >= 21, found by scripts/jdk.sh; arguments go to mvn unchanged.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
JAVA_HOME=$("$here/jdk.sh")
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
major=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${major:-0}" -ge 24 ]; then
  # Maven's bundled Guava uses sun.misc.Unsafe; JDK 24+ warns about it on every run.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
cd "$here/.."
exec mvn -B -ntp "$@"
