#!/usr/bin/env bash
# An ssh command for tests: like `ssh "$@"`, but the remote command runs with a PATH whose java
# is the machine's JDK 17, to check that a too-old java fails Parallel.init clearly.
args=("$@")
last=${args[-1]}
unset 'args[-1]'
exec ssh "${args[@]}" "PATH=/usr/bin:/bin; export PATH; $last"
