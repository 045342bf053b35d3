#!/usr/bin/env bash
# The whole test suite: installs the test hosts' sshd if missing (needs root), then `mvn verify`
# with a JDK >= 21. Arguments go to Maven (e.g. -Dtest=RunTest).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/install-test-deps.sh"
exec "$here/mvn.sh" verify "$@"
