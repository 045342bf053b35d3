#!/usr/bin/env bash
# Builds the library and runs the example programs (all of them, or those named:
# e.g. `scripts/examples.sh PingPong:3 Fib:8`). Finds a JDK >= 21 by itself.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
"$here/mvn.sh" -q install -DskipTests
exec "$here/mvn.sh" -q -pl examples exec:exec -Dexamples="${*:-all}"
