#!/usr/bin/env bash
# Installs what the test suite needs beyond a JDK and Maven: OpenSSH's server, for the test hosts
# of the cluster tests. Needs root (apt-get). Does nothing when sshd is already there.
set -euo pipefail
if [ -x /usr/sbin/sshd ] && command -v ip >/dev/null && command -v unshare >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "the cluster tests need openssh-server and iproute2: run as root, or install them" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server iproute2 util-linux >/dev/null
