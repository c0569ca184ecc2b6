#!/usr/bin/env bash
# Make sure a Podman service answers Docker's API on its own socket, starting
# it if it does not. Idempotent: a service that already answers is left alone.
#
#   scripts/podman-up.sh          start it if needed, add AIODOCK_PODMAN_HOST to $STATE_DIR/env
#   scripts/podman-up.sh --stop   stop the service this script started
#
# Podman gets its own storage, run root, networks and events log under
# $STATE_DIR/podman, through CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and
# CONTAINERS_REGISTRIES_CONF: nothing of a user's own Podman setup is read or
# changed. The local registries (scripts/engine-up.sh) are listed as insecure,
# since Podman, unlike dockerd, does not treat 127.0.0.0/8 as insecure.
#
# On a fresh Debian machine, run as root: missing packages are installed with apt-get.
set -euo pipefail

readonly STATE_DIR="${AIODOCK_STATE_DIR:-/tmp/aiodock-state}"
readonly DIR="$STATE_DIR/podman"
readonly SOCKET="$DIR/podman.sock"
readonly PIDFILE="$DIR/service.pid"
readonly LOG="$DIR/service.log"
readonly TIMEOUT=60
# Debian 12's podman and what its Docker-compatible service needs here:
# catatonit for init=True, netavark/aardvark-dns for networks with names, and
# runc: crun 1.8 refuses this machine's hybrid cgroup hierarchy.
readonly PACKAGES=(podman catatonit runc conmon netavark aardvark-dns containernetworking-plugins)

PROG="$(basename "$0")"
readonly PROG

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}

answers() {
    curl -fsS --max-time 3 --unix-socket "$SOCKET" http://podman/_ping >/dev/null 2>&1
}

install_missing() {
    local missing=() pkg
    for pkg in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
    done
    [[ "${#missing[@]}" -eq 0 ]] && return 0
    [[ "$(id -u)" -eq 0 ]] || die "missing packages (${missing[*]}); run as root to install them"
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } ||
        die "apt-get could not install ${missing[*]}"
}

write_configs() {
    mkdir -p "$DIR"/{root,runroot,tmp,networks,volumes}
    # nofile must stay at or under the hard limit (`ulimit -Hn`), or every
    # container fails to start.
    local hard nofile
    hard="$(ulimit -Hn)"
    nofile=20000
    if [[ "$hard" != unlimited && "$hard" -lt "$nofile" ]]; then nofile="$hard"; fi
    cat >"$DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
init_path = "/usr/bin/catatonit"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$DIR/events.log"
tmp_dir = "$DIR/tmp"
volume_path = "$DIR/volumes"
static_dir = "$DIR/root/libpod"
runtime = "runc"

[network]
network_backend = "netavark"
network_config_dir = "$DIR/networks"
default_network = "podman"
default_subnet = "10.88.0.0/16"
default_subnet_pools = [{"base" = "10.89.0.0/16", "size" = 24}]
EOF
    cat >"$DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$DIR/root"
runroot = "$DIR/runroot"
EOF
    cat >"$DIR/registries.conf" <<EOF
unqualified-search-registries = []

[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
location = "127.0.0.1:5001"
insecure = true
EOF
}

record_host() {
    local env="$STATE_DIR/env"
    touch "$env"
    grep -v '^AIODOCK_PODMAN_HOST=' "$env" >"$env.tmp" || true
    printf 'AIODOCK_PODMAN_HOST=unix://%s\n' "$SOCKET" >>"$env.tmp"
    mv "$env.tmp" "$env"
}

start() {
    if answers; then
        say "podman: up (unix://$SOCKET)"
        record_host
        return 0
    fi
    install_missing
    write_configs
    rm -f "$SOCKET"
    say "starting podman system service on unix://$SOCKET (log: $LOG)"
    CONTAINERS_CONF="$DIR/containers.conf" \
        CONTAINERS_STORAGE_CONF="$DIR/storage.conf" \
        CONTAINERS_REGISTRIES_CONF="$DIR/registries.conf" \
        setsid podman --log-level=warning system service --time=0 "unix://$SOCKET" \
        >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    local waited=0
    until answers; do
        if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
            tail -n 20 "$LOG" >&2 || true
            die "podman system service exited (log: $LOG)"
        fi
        ((waited++ >= TIMEOUT)) && die "podman did not answer on $SOCKET within ${TIMEOUT}s (log: $LOG)"
        sleep 1
    done
    say "podman: up (unix://$SOCKET)"
    record_host
}

stop() {
    if [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
        kill "$(cat "$PIDFILE")"
        say "podman: stopped"
    fi
    rm -f "$PIDFILE"
}

case "${1:-}" in
--stop) stop ;;
"") start ;;
*) die "unknown argument: $1 (expected nothing or --stop)" ;;
esac
