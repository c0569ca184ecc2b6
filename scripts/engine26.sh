#!/usr/bin/env bash
# A current Docker engine beside the main one: Debian 13's docker.io 26.1
# (API 1.45) with trixie's containerd 1.7, unpacked into the state directory
# and run by tests/enginebed.py's SecondEngine. Idempotent: an engine that
# already answers is left alone.
#
#   scripts/engine26.sh          start it if needed, add AIODOCK_DOCKER26_HOST to $STATE_DIR/env
#   scripts/engine26.sh --stop   stop the engine this script started
#
# Nothing is installed system-wide from trixie: its source is pinned at 50
# (/etc/apt/preferences.d/aiodock-trixie), only the two .debs are fetched
# with `apt-get download` (cached in $DIR/debs) and unpacked with `dpkg -x`
# into $DIR/root. dockerd runs with $DIR/root/usr/{sbin,bin} first on its
# PATH, so it finds that directory's docker-proxy, docker-init and
# containerd 1.7; runc stays Debian 12's (trixie's needs glibc 2.38).
#
# How it lives beside the main engine (see tests/enginebed.py for why):
# its own bridge aiodk26 (10.226.0.1/24, made before its first start and
# the same on every start), its own --default-address-pool 10.227.0.0/16
# (outside 172.17-31 and 192.168, the main engine's pools, and Podman's
# 10.88/10.89), its own data root, exec root, pidfile and socket under $DIR,
# --iptables=false (so it never rewrites the main engine's chains), and one
# FORWARD rule at the end of the chain that accepts bridged traffic, so its
# containers on one network reach each other (the main engine's FORWARD
# policy is DROP; its own rules come first and still decide for its
# bridges). Its network
# database is removed before every start: dockerd 26.1 restarted on one
# deletes the host's docker0 (the main engine's bridge). It runs in the
# host's network namespace, so it reaches the registries on 127.0.0.1.
set -euo pipefail

readonly STATE_DIR="${AIODOCK_STATE_DIR:-/tmp/aiodock-state}"
readonly DIR="$STATE_DIR/docker26"
readonly ROOT="$DIR/root"
readonly DEBS="$DIR/debs"
readonly SOCKET="$DIR/engine/docker.sock"
readonly PIDFILE="$DIR/supervisor.pid"
readonly LOG="$DIR/supervisor.log"
readonly BRIDGE=aiodk26
readonly BRIDGE_ADDRESS=10.226.0.1/24
readonly ADDRESS_POOL=10.227.0.0/16
readonly TIMEOUT=90
readonly SOURCES=/etc/apt/sources.list.d/aiodock-trixie.sources
readonly PREFERENCES=/etc/apt/preferences.d/aiodock-trixie
readonly TRIXIE_PACKAGES=(docker.io/trixie containerd/trixie)
SCRIPTS="$(cd "$(dirname "$0")" && pwd)"
readonly SCRIPTS
readonly ENGINEBED="$SCRIPTS/../tests/enginebed.py"

PROG="$(basename "$0")"
readonly PROG

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}

answers() {
    [[ -S "$SOCKET" ]] || return 1
    [[ "$(curl -sS --max-time 5 --unix-socket "$SOCKET" http://docker26/_ping 2>/dev/null)" == OK ]]
}

supervisor_alive() {
    local pid
    [[ -f "$PIDFILE" ]] || return 1
    pid="$(<"$PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    local cmdline
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    [[ "$cmdline" == *"enginebed.py $DIR "* ]]
}

record_host() {
    local env="$STATE_DIR/env"
    touch "$env"
    grep -v '^AIODOCK_DOCKER26_HOST=' "$env" >"$env.tmp" || true
    printf 'AIODOCK_DOCKER26_HOST=unix://%s\n' "$SOCKET" >>"$env.tmp"
    mv "$env.tmp" "$env"
}

# The trixie source, pinned so that nothing is installed or upgraded from it.
add_trixie_source() {
    if [[ ! -f "$PREFERENCES" ]]; then
        cat >"$PREFERENCES" <<'EOF'
# aiodock (scripts/engine26.sh): nothing comes from trixie unless asked for by name.
Package: *
Pin: release n=trixie
Pin-Priority: 50
EOF
    fi
    if [[ ! -f "$SOURCES" ]]; then
        cat >"$SOURCES" <<'EOF'
# aiodock (scripts/engine26.sh): Debian 13's docker.io for a second test engine,
# pinned at 50 in /etc/apt/preferences.d/aiodock-trixie.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
}

# The .debs, downloaded once into $DEBS.
fetch_debs() {
    if compgen -G "$DEBS/docker.io_26.*.deb" >/dev/null && compgen -G "$DEBS/containerd_1.7*.deb" >/dev/null; then
        return 0
    fi
    [[ "$(id -u)" -eq 0 ]] || die "Docker 26.1 is not unpacked in $ROOT; run as root to fetch it"
    command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to fetch Debian 13's docker.io"
    add_trixie_source
    local policy
    policy="$(apt-cache policy docker.io 2>/dev/null || true)"
    if [[ "$policy" != *" 26."* ]]; then
        say "apt-get update (the trixie source is new)"
        apt-get update -q >"$DIR/apt.log" 2>&1 || {
            tail -n 20 "$DIR/apt.log" >&2
            die "apt-get update failed (log: $DIR/apt.log)"
        }
    fi
    mkdir -p "$DEBS.tmp"
    say "apt-get download ${TRIXIE_PACKAGES[*]}"
    (cd "$DEBS.tmp" && apt-get download -q "${TRIXIE_PACKAGES[@]}") >>"$DIR/apt.log" 2>&1 || {
        tail -n 20 "$DIR/apt.log" >&2
        die "apt-get download ${TRIXIE_PACKAGES[*]} failed (log: $DIR/apt.log)"
    }
    rm -rf "$DEBS"
    mv "$DEBS.tmp" "$DEBS"
    rm -rf "$ROOT"
}

unpack() {
    local stamp="$ROOT/.unpacked" debs
    debs="$(cd "$DEBS" && ls -1 ./*.deb | sort | paste -sd ' ' -)"
    if [[ -f "$stamp" && "$(<"$stamp")" == "$debs" && -x "$ROOT/usr/sbin/dockerd" ]]; then
        return 0
    fi
    rm -rf "$ROOT.tmp"
    mkdir -p "$ROOT.tmp"
    local deb
    for deb in "$DEBS"/*.deb; do
        dpkg -x "$deb" "$ROOT.tmp"
    done
    # docker-init links to tini-static, which is tini's package, not unpacked
    # here: point it at Debian 12's (the same tini 0.19).
    if [[ -L "$ROOT.tmp/usr/bin/docker-init" && ! -e "$ROOT.tmp/usr/bin/docker-init" ]]; then
        local tini
        tini="$(command -v tini-static || true)"
        [[ -n "$tini" ]] || tini=/usr/bin/tini-static
        ln -sfn "$tini" "$ROOT.tmp/usr/bin/docker-init"
    fi
    printf '%s\n' "$debs" >"$ROOT.tmp/.unpacked"
    rm -rf "$ROOT"
    mv "$ROOT.tmp" "$ROOT"
}

start() {
    mkdir -p "$DIR"
    if answers; then
        say "docker26: up (unix://$SOCKET)"
        record_host
        return 0
    fi
    if ! supervisor_alive; then
        [[ "$(id -u)" -eq 0 ]] || die "no engine at $SOCKET and not root, so cannot start Docker 26.1"
        command -v iptables >/dev/null 2>&1 || die "iptables is needed (apt-get install iptables)"
        command -v tini-static >/dev/null 2>&1 || die "tini-static is needed (apt-get install tini)"
        fetch_debs
        unpack
        say "starting $("$ROOT/usr/sbin/dockerd" --version) on unix://$SOCKET (log: $DIR/engine/dockerd.log)"
        printf '\n=== %s: %s starting\n' "$(date -u +%FT%TZ)" "$PROG" >>"$LOG"
        setsid nohup python3 "$ENGINEBED" "$DIR" \
            --dockerd "$ROOT/usr/sbin/dockerd" --path "$ROOT/usr/sbin" --path "$ROOT/usr/bin" \
            --bridge "$BRIDGE" --bridge-address "$BRIDGE_ADDRESS" --address-pool "$ADDRESS_POOL" \
            --accept-forwarding --fresh-network-db >>"$LOG" 2>&1 </dev/null &
        echo $! >"$PIDFILE"
    fi
    local waited=0 pid
    pid="$(<"$PIDFILE")"
    until answers; do
        # (kill -0, not supervisor_alive: right after the fork its command line
        # is still this script's)
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$LOG" >&2 || true
            die "Docker 26.1 exited before answering on $SOCKET (log: $LOG)"
        fi
        ((waited++ >= TIMEOUT * 2)) && die "Docker 26.1 did not answer on $SOCKET within ${TIMEOUT}s (log: $LOG)"
        sleep 0.5
    done
    say "docker26: up (unix://$SOCKET)"
    record_host
}

stop() {
    local pid i
    if supervisor_alive; then
        pid="$(<"$PIDFILE")"
        kill -TERM "$pid"
        for ((i = 0; i < 300; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        say "docker26: stopped"
    fi
    rm -f "$PIDFILE"
}

case "${1:-}" in
--stop) stop ;;
"") start ;;
*) die "unknown argument: $1 (expected nothing or --stop)" ;;
esac
