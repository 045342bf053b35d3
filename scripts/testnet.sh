#!/usr/bin/env bash
# testnet.sh — simulate N "remote hosts" on one Linux machine for ssh+TCP tests.
# Adapted from the project's shared recipe: host keys are recorded in $TESTNET_DIR/known_hosts
# and the generated ssh_config checks them (StrictHostKeyChecking yes), as a real cluster would.
#
#   testnet.sh up N       create bridge aptbr0 (10.77.0.1/24) + network namespaces
#                         aptns1..N (10.77.0.11 .. 10.77.0.(10+N)), each running its
#                         own sshd on IP:22 (root, key-only)
#   testnet.sh down       kill everything running in the namespaces (by PID), delete
#                         them, the links and the state dir; verify nothing is left
#   testnet.sh status     show what exists
#
# Failure injection for host I (see RECIPE.md for what each looks like to a peer):
#   cut I      unplug the cable: host-side veth down. Silence, no FIN/RST.
#              The host's processes and kernel TCP state live on.
#   heal I     plug it back: TCP connections that have not timed out recover.
#   kill I     SIGKILL every process of host I, link up: the host's kernel closes
#              their sockets, so peers get FIN/RST at once (= process crash, OS ok).
#   crash I    power loss: cut, SIGKILL everything, delete the veth pair and the
#              namespace (so the host's kernel TCP state is gone too). Peers see
#              nothing, ever; only their own timeouts/keepalives fire.
#   restart I  (re)boot host I: crash it if it is up, then create it afresh (new
#              namespace, same IP, new sshd with the same host key). Peers' next
#              packet on an old connection gets RST.
#   freeze I   SIGSTOP every process of host I (= hung host / long GC pause). The
#              kernel still ACKs, so TCP keepalive does NOT notice; only
#              application-level heartbeats/timeouts do.
#   thaw I     SIGCONT them.
#
# Needs root, iproute2, util-linux (unshare), openssh-server, openssh-client.
# Names are all prefixed "apt", addresses are all in 10.77.0.0/24. Each namespace
# has only the 10.77.0.0/24 route (no default route), so nothing in it can reach
# anything but the bridge. IPv6 is disabled on all apt* interfaces so that they
# emit no IPv6 link-local / multicast chatter.
#
# After `up`, $TESTNET_DIR (default /run/apttestnet) contains:
#   id_ed25519            client private key (authorized for root on every host)
#   ssh_config            use as: ssh -F $TESTNET_DIR/ssh_config 10.77.0.11 CMD
#                         (also defines aliases aptns1..N -> their IPs)
#   hosts                 name -> IP list (aptroot 10.77.0.1, aptns1 10.77.0.11, ...)
#   aptnsI/               per-host sshd_config, host key, sshd.pid, sshd.log,
#                         hosts file, and tmp/ = that host's private /tmp
#
# Environment knobs:
#   TESTNET_DIR=/run/apttestnet   state dir; must NOT be under /tmp when
#                                 TESTNET_PRIVATE_TMP=1 (the hosts could not see it)
#   TESTNET_PRIVATE_TMP=1         bind-mount aptnsI/tmp over /tmp for everything
#                                 started via that host's sshd (0 = share host /tmp)
#   TESTNET_JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
#                                 put on PATH / JAVA_HOME for ssh sessions (sshd SetEnv)
#   TESTNET_NO_BASHRC=1           1 = sshd sets SHLVL=1, so Debian's bash does not source
#                                 ~/.bashrc for `ssh HOST CMD` (saves ~0.2 s/command
#                                 here, where /root/.bashrc runs `pyenv init`, which
#                                 also prints pyenv rehash errors under concurrency)
#   TESTNET_HIDE="DIR ..."        mount an empty read-only tmpfs over each DIR for
#                                 processes started over ssh (e.g. the project's build
#                                 dir), so code must really be shipped to the host
set -euo pipefail

STATE=${TESTNET_DIR:-/run/apttestnet}
PRIVATE_TMP=${TESTNET_PRIVATE_TMP:-1}
JAVA_HOME_REMOTE=${TESTNET_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
NO_BASHRC=${TESTNET_NO_BASHRC:-1}
HIDE=${TESTNET_HIDE:-}
BR=aptbr0
NET=10.77.0
BR_IP=$NET.1

log() { printf '[testnet] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }
ns_ip() { echo "$NET.$((10 + $1))"; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qx "aptns$1"; }

# ------------------------------------------------------------------ one host
# network side of host I: namespace, veth pair aptvhI (root side, on the bridge)
# <-> aptvnI (inside, 10.77.0.(10+I)/24), loopback up
make_host_net() {
  local i=$1 ns=aptns$1 vh=aptvh$1 vn=aptvn$1
  ip netns add "$ns"
  # fixed MACs: a restarted host keeps its MAC, so peers' ARP caches stay valid
  ip link add "$vh" address "$(printf '02:77:01:00:00:%02x' "$i")" type veth \
    peer name "$vn" address "$(printf '02:77:00:00:00:%02x' "$i")" netns "$ns"
  sysctl -qw "net.ipv6.conf.$vh.disable_ipv6=1"
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$vn.disable_ipv6=1"
  ip link set "$vh" master "$BR" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$(ns_ip "$i")/24" dev "$vn"
  ip -n "$ns" link set "$vn" up
}

# sshd config + host key of host I (kept across restarts)
make_host_files() {
  local i=$1 ns=aptns$1 d=$STATE/aptns$1
  mkdir -p "$d/tmp"
  chmod 1777 "$d/tmp"
  if [ ! -f "$d/ssh_host_ed25519_key" ]; then
    ssh-keygen -q -t ed25519 -N '' -C "$ns" -f "$d/ssh_host_ed25519_key"
  fi
  echo "$(ns_ip "$i"),$ns $(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")" >> "$STATE/known_hosts"
  cp "$STATE/hosts" "$d/hosts"
  local extra_env=""
  if [ "$NO_BASHRC" = 1 ]; then extra_env=" SHLVL=1"; fi
  cat > "$d/sshd_config" <<EOF
ListenAddress $(ns_ip "$i"):22
HostKey $d/ssh_host_ed25519_key
PidFile $d/sshd.pid
AuthorizedKeysFile $STATE/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
StrictModes no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding yes
MaxStartups 100:30:200
MaxSessions 100
LoginGraceTime 30
ClientAliveInterval 5
ClientAliveCountMax 3
SetEnv JAVA_HOME=$JAVA_HOME_REMOTE PATH=$JAVA_HOME_REMOTE/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TESTNET_HOST=$ns$extra_env
Subsystem sftp internal-sftp
EOF
  /usr/sbin/sshd -t -f "$d/sshd_config" || die "bad sshd config for $ns"
}

# start host I's sshd inside aptnsI, in its own mount + UTS namespace (on top of the
# mount namespace `ip netns exec` makes): hostname = aptnsI, /etc/hosts = our list,
# /tmp = $STATE/aptnsI/tmp (if PRIVATE_TMP=1). Every process started over ssh
# inherits all three. sshd daemonizes; it writes its pid file only after its
# listen socket is bound.
start_sshd() {
  local ns=aptns$1 d=$STATE/aptns$1
  rm -f "$d/sshd.pid"
  ip netns exec "$ns" unshare --mount --propagation slave --uts \
    /bin/sh -c '
      set -e
      hostname "$1"
      mount --bind "$2/hosts" /etc/hosts
      if [ "$3" = 1 ]; then mount --bind "$2/tmp" /tmp; fi
      for p in $4; do mount -t tmpfs -o ro,size=64k,mode=755 apthide "$p"; done
      exec /usr/sbin/sshd -f "$2/sshd_config" -E "$2/sshd.log"
    ' sh "$ns" "$d" "$PRIVATE_TMP" "$HIDE"
}

wait_sshd() {
  local d=$STATE/aptns$1 t
  for t in $(seq 1 100); do
    if [ -s "$d/sshd.pid" ]; then return 0; fi
    sleep 0.05
  done
  die "sshd in aptns$1 did not start; see $d/sshd.log"
}

# kill (by PID) every process whose network namespace is aptnsI
ns_pids() { ip netns pids "aptns$1" 2>/dev/null || true; }
signal_host() {
  local p
  p=$(ns_pids "$1")
  # shellcheck disable=SC2086
  if [ -n "$p" ]; then kill -"$2" $p 2>/dev/null || true; fi
}
wait_or_kill_host_procs() {   # after a TERM: wait up to 5 s, then KILL
  local i=$1 t
  for t in $(seq 1 50); do
    if [ -z "$(ns_pids "$i")" ]; then return 0; fi
    sleep 0.1
  done
  signal_host "$i" KILL
  for t in $(seq 1 20); do
    if [ -z "$(ns_pids "$i")" ]; then return 0; fi
    sleep 0.1
  done
  log "warning: processes left in aptns$i: $(ns_pids "$i" | tr '\n' ' ')"
}

# remove host I's network side: link first (deletes both veth ends at once), then ns
destroy_host_net() {
  ip link del "aptvh$1" 2>/dev/null || true
  ip netns del "aptns$1" 2>/dev/null || true
}

check_host() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] || die "usage: $0 cut|heal|kill|crash|restart|freeze|thaw I"
  [ -d "$STATE/aptns$1" ] || die "no host $1 (testnet not up?)"
}

host_cut()    { check_host "$1"; ip link set "aptvh$1" down; }
host_heal()   { check_host "$1"; ip link set "aptvh$1" up; }
host_kill()   { check_host "$1"; signal_host "$1" KILL; }
host_crash()  {
  check_host "$1"
  if ns_exists "$1"; then
    ip link set "aptvh$1" down 2>/dev/null || true   # first, so no FIN/RST escapes
    signal_host "$1" KILL
    destroy_host_net "$1"
  fi
}
host_restart() { check_host "$1"; host_crash "$1"; make_host_net "$1"; start_sshd "$1"; wait_sshd "$1"; }
host_freeze() { check_host "$1"; signal_host "$1" STOP; }
host_thaw()   { check_host "$1"; signal_host "$1" CONT; }

# -------------------------------------------------------------------------- up
up() {
  local n=${1:-} i
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 200 ] || die "usage: $0 up N (1..200)"
  need_root
  for c in ip unshare sysctl ssh ssh-keygen /usr/sbin/sshd; do
    command -v "$c" >/dev/null || die "missing $c (apt-get install -y openssh-server)"
  done
  if ip link show "$BR" >/dev/null 2>&1 || ip netns list | grep -q '^apt'; then
    die "testnet already (partly) up; run '$0 down' first"
  fi
  case "$PRIVATE_TMP:$STATE" in
    1:/tmp|1:/tmp/*) die "TESTNET_DIR must not be under /tmp with TESTNET_PRIVATE_TMP=1";;
  esac
  local h
  for h in $HIDE; do
    case "$STATE/" in "${h%/}/"*) die "TESTNET_HIDE entry $h would hide TESTNET_DIR";; esac
    [ -d "$h" ] || die "TESTNET_HIDE entry $h is not a directory"
  done

  rm -rf "$STATE"
  mkdir -p "$STATE"
  chmod 700 "$STATE"
  # sshd's privilege-separation dir (systemd would create it; there is no systemd)
  if [ ! -d /run/sshd ]; then
    mkdir -p /run/sshd
    chmod 755 /run/sshd
    touch "$STATE/.created_run_sshd"
  fi

  # client key, authorized for root on every host
  ssh-keygen -q -t ed25519 -N '' -C apttestnet -f "$STATE/id_ed25519"
  cp "$STATE/id_ed25519.pub" "$STATE/authorized_keys"

  # name -> IP list (installed as /etc/hosts inside every host)
  {
    echo "127.0.0.1 localhost"
    echo "$BR_IP aptroot"
    for i in $(seq 1 "$n"); do echo "$(ns_ip "$i") aptns$i"; done
  } > "$STATE/hosts"

  # ssh client config: tests run `ssh -F $STATE/ssh_config HOST CMD`
  {
    for i in $(seq 1 "$n"); do printf 'Host aptns%s\n  HostName %s\n' "$i" "$(ns_ip "$i")"; done
    cat <<EOF
Host *
  User root
  Port 22
  IdentityFile $STATE/id_ed25519
  IdentitiesOnly yes
  IdentityAgent none
  PreferredAuthentications publickey
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  GSSAPIAuthentication no
  BatchMode yes
  StrictHostKeyChecking yes
  UserKnownHostsFile $STATE/known_hosts
  GlobalKnownHostsFile /dev/null
  CheckHostIP no
  LogLevel ERROR
  AddressFamily inet
  KexAlgorithms curve25519-sha256
  ConnectTimeout 5
  ServerAliveInterval 2
  ServerAliveCountMax 3
  ControlMaster no
EOF
  } > "$STATE/ssh_config"

  # bridge in the root namespace
  ip link add "$BR" address 02:77:00:00:00:00 type bridge   # fixed MAC (else it
                                    # follows the lowest port MAC and changes with ports)
  sysctl -qw "net.ipv6.conf.$BR.disable_ipv6=1"
  ip addr add "$BR_IP/24" dev "$BR"
  ip link set "$BR" up

  for i in $(seq 1 "$n"); do
    make_host_net "$i"
    make_host_files "$i"
    start_sshd "$i"
  done
  for i in $(seq 1 "$n"); do wait_sshd "$i"; done
  echo "$n" > "$STATE/n"
  log "up: $n hosts, bridge $BR $BR_IP; try: ssh -F $STATE/ssh_config $(ns_ip 1) hostname"
}

# ------------------------------------------------------------------------ down
down() {
  need_root
  local nss ns i l
  nss=$(ip netns list 2>/dev/null | awk '$1 ~ /^aptns[0-9]+$/ {print $1}')
  for ns in $nss; do signal_host "${ns#aptns}" TERM; signal_host "${ns#aptns}" CONT; done
  for ns in $nss; do wait_or_kill_host_procs "${ns#aptns}"; done
  for ns in $nss; do destroy_host_net "${ns#aptns}"; done
  for l in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep '^apt' || true); do
    ip link del "$l" 2>/dev/null || true
  done
  if [ -e "$STATE/.created_run_sshd" ]; then rmdir /run/sshd 2>/dev/null || true; fi
  rm -rf "$STATE"

  # verify
  local bad=0
  if ip netns list | grep -q '^apt'; then log "left: $(ip netns list | grep '^apt')"; bad=1; fi
  if ip -o link show | grep -q ': apt'; then log "left links: $(ip -o link show | grep ': apt')"; bad=1; fi
  if ip -o addr show | grep -q ' 10\.77\.0\.'; then log "left addresses in 10.77.0.0/24"; bad=1; fi
  [ "$bad" = 0 ] || die "cleanup incomplete"
  log "down: nothing left"
}

status() {
  local ns
  echo "== netns";  ip netns list | grep '^apt' || true
  echo "== links";  ip -br link show | grep '^apt' || true
  echo "== addr";   ip -br addr show dev "$BR" 2>/dev/null || true
  for ns in $(ip netns list | awk '$1 ~ /^apt/ {print $1}'); do
    echo "== $ns: $(ip -n "$ns" -br addr show | grep -v '^lo' | tr -s ' ') pids: $(ip netns pids "$ns" | tr '\n' ' ')"
  done
}

case "${1:-}" in
  up) up "${2:-}";;
  down) down;;
  status) status;;
  cut|heal|kill|crash|restart|freeze|thaw) need_root; "host_$1" "${2:-}";;
  *) echo "usage: $0 up N | down | status | cut|heal|kill|crash|restart|freeze|thaw I" >&2; exit 2;;
esac
