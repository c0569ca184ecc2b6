#!/usr/bin/env bash
# Make sure a Docker engine, a second one (Docker 26.1) and two local
# registries answer, starting what is missing. Idempotent: what already
# answers is left alone.
#
#   scripts/engine-up.sh          start what is missing, write $STATE_DIR/env
#   scripts/engine-up.sh --stop   stop only what this script started
#
# Engine: $DOCKER_HOST if it is unix://..., else /var/run/docker.sock.
# Second engine: Debian 13's dockerd 26.1 beside it (scripts/engine26.sh),
# its address written to $STATE_DIR/env as AIODOCK_DOCKER26_HOST; skipped
# with AIODOCK_DOCKER26=0.
# Registries (Debian's docker-registry):
#   127.0.0.1:5000  open
#   127.0.0.1:5001  htpasswd basic auth, user aiodock / aiodock-secret
# State (configs, storage, logs, pids, env): ${AIODOCK_STATE_DIR:-/tmp/aiodock-state}
#
# On a fresh Debian machine, run as root: missing packages are installed with apt-get.
set -euo pipefail

readonly STATE_DIR="${AIODOCK_STATE_DIR:-/tmp/aiodock-state}"
readonly REGISTRY_PORT=5000
readonly AUTH_REGISTRY_PORT=5001
readonly AUTH_USER=aiodock
readonly AUTH_PASSWORD=aiodock-secret
readonly AUTH_REALM=aiodock-test
readonly ENGINE_TIMEOUT=60
readonly REGISTRY_TIMEOUT=30
readonly PACKAGES=(docker.io docker-registry busybox-static curl openssl apache2-utils iproute2)

PROG="$(basename "$0")"
readonly PROG

say() { printf '%s: %s\n' "$PROG" "$*"; }
die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}
is_root() { [[ "$(id -u)" -eq 0 ]]; }

engine_socket() {
    local host="${DOCKER_HOST:-}"
    if [[ "$host" == unix://* ]]; then
        printf '%s\n' "${host#unix://}"
    else
        printf '%s\n' /var/run/docker.sock
    fi
}

# ---------------------------------------------------------------- packages

busybox_static_ok() {
    local bb
    for bb in /bin/busybox /usr/bin/busybox; do
        [[ -x "$bb" ]] || continue
        if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
            return 0
        fi
        if LC_ALL=C ldd "$bb" 2>&1 | grep -Eq 'not a dynamic executable|statically linked'; then
            return 0
        fi
    done
    return 1
}

missing_tools() {
    local tool
    for tool in dockerd docker-registry curl openssl htpasswd ip; do
        command -v "$tool" >/dev/null 2>&1 || printf '%s\n' "$tool"
    done
    busybox_static_ok || printf '%s\n' 'busybox (static)'
}

APT_UPDATED=0
POLICY_RC_CREATED=0

remove_policy_rc() {
    if [[ "$POLICY_RC_CREATED" -eq 1 ]]; then
        rm -f /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=0
    fi
}

install_packages() {
    local missing
    missing="$(missing_tools | paste -sd ',' -)"
    [[ -z "$missing" ]] && return 0
    if ! is_root; then
        die "missing: ${missing}; run as root (or: apt-get install ${PACKAGES[*]})"
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing: ${missing}, and apt-get is not available"
    say "installing ${PACKAGES[*]} (missing: ${missing})"
    # Keep the packages' init scripts from starting services during the install:
    # Debian's docker-registry service would take port 5000 with its own config.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        POLICY_RC_CREATED=1
        trap remove_policy_rc EXIT
    fi
    local log="${STATE_DIR}/apt.log"
    if [[ "$APT_UPDATED" -eq 0 ]]; then
        if ! apt-get update >"$log" 2>&1; then
            tail -n 20 "$log" >&2
            die "apt-get update failed (log: ${log})"
        fi
        APT_UPDATED=1
    fi
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "${PACKAGES[@]}" >>"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "apt-get install failed (log: ${log})"
    fi
    remove_policy_rc
    missing="$(missing_tools | paste -sd ',' -)"
    [[ -z "$missing" ]] || die "still missing after apt-get install: ${missing}"
}

# ---------------------------------------------------------------- processes

# pid_alive PID PATTERN: PID runs and its command line contains PATTERN
# (guards against a recycled pid).
pid_alive() {
    local pid="$1" pattern="$2"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}

# stop_tracked NAME PATTERN: stop the process recorded in $STATE_DIR/NAME.pid
stop_tracked() {
    local name="$1" pattern="$2"
    local pidfile="${STATE_DIR}/${name}.pid" pid i
    [[ -f "$pidfile" ]] || return 0
    pid="$(<"$pidfile")"
    if pid_alive "$pid" "$pattern"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 200; i++)); do
            pid_alive "$pid" "$pattern" || break
            sleep 0.1
        done
        if pid_alive "$pid" "$pattern"; then
            kill -KILL "$pid" 2>/dev/null || true
            say "${name}: killed (pid ${pid}, did not stop on SIGTERM within 20s)"
        else
            say "${name}: stopped (pid ${pid})"
        fi
    fi
    rm -f "$pidfile"
}

# ---------------------------------------------------------------- engine

engine_answers() {
    local sock="$1" out
    [[ -S "$sock" ]] || return 1
    out="$(curl -sS --max-time 5 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" || return 1
    [[ "$out" == OK ]]
}

mount_cgroups_if_needed() {
    # Without an init system nothing may have mounted cgroups; dockerd needs them.
    if ! grep -Eq '^[^ ]+ /sys/fs/cgroup[ /][^ ]* cgroup2? ' /proc/mounts \
        && command -v cgroupfs-mount >/dev/null 2>&1; then
        cgroupfs-mount >/dev/null 2>&1 || true
    fi
}

ensure_engine() {
    local sock log pid i
    sock="$(engine_socket)"
    if engine_answers "$sock"; then
        say "engine: up (unix://${sock})"
        return 0
    fi
    if ! is_root; then
        if [[ -S "$sock" ]]; then
            die "engine socket ${sock} exists but /_ping does not answer OK (permissions? run as root or join the docker group)"
        fi
        die "no Docker engine at ${sock} and not root, so cannot start dockerd (run as root, or set DOCKER_HOST=unix://...)"
    fi
    command -v dockerd >/dev/null 2>&1 || die "dockerd not found after install"
    if [[ -f "${STATE_DIR}/dockerd.pid" ]] && pid_alive "$(<"${STATE_DIR}/dockerd.pid")" dockerd; then
        pid="$(<"${STATE_DIR}/dockerd.pid")"
        log="$(cat "${STATE_DIR}/dockerd.logpath" 2>/dev/null || echo "${STATE_DIR}/dockerd.log")"
    else
        log=/var/log/aiodock-dockerd.log
        if ! { : >>"$log"; } 2>/dev/null; then
            log="${STATE_DIR}/dockerd.log"
        fi
        mount_cgroups_if_needed
        mkdir -p "$(dirname "$sock")"
        printf '\n=== %s: %s starting dockerd -H unix://%s\n' "$(date -u +%FT%TZ)" "$PROG" "$sock" >>"$log"
        nohup dockerd -H "unix://${sock}" >>"$log" 2>&1 </dev/null &
        pid=$!
        printf '%s\n' "$pid" >"${STATE_DIR}/dockerd.pid"
        printf '%s\n' "$log" >"${STATE_DIR}/dockerd.logpath"
    fi
    for ((i = 0; i < ENGINE_TIMEOUT * 2; i++)); do
        if engine_answers "$sock"; then
            say "engine: started (pid ${pid}, unix://${sock}, log ${log})"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.5
    done
    echo "--- last lines of ${log} ---" >&2
    tail -n 30 "$log" >&2 || true
    if kill -0 "$pid" 2>/dev/null; then
        die "dockerd (pid ${pid}) did not answer GET /_ping on unix://${sock} within ${ENGINE_TIMEOUT}s (log: ${log})"
    fi
    rm -f "${STATE_DIR}/dockerd.pid"
    die "dockerd exited before answering GET /_ping on unix://${sock} (log: ${log})"
}

# ---------------------------------------------------------------- registries

registry_status() {
    # prints the HTTP status of GET /v2/, 000 when nothing answers
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1/v2/" 2>/dev/null || true
}

write_registry_config() {
    local port="$1" dir="$2" auth="$3"
    local config="${dir}/config.yml"
    mkdir -p "${dir}/data"
    {
        printf 'version: 0.1\n'
        printf 'log:\n  level: info\n  fields:\n    service: aiodock-registry-%s\n' "$port"
        printf 'storage:\n'
        printf '  filesystem:\n    rootdirectory: %s/data\n' "$dir"
        printf '  delete:\n    enabled: true\n'
        printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
        printf '  headers:\n    X-Content-Type-Options: [nosniff]\n'
        if [[ "$auth" == auth ]]; then
            printf 'auth:\n  htpasswd:\n    realm: %s\n    path: %s/htpasswd\n' "$AUTH_REALM" "$dir"
        fi
    } >"${config}.tmp"
    mv "${config}.tmp" "$config"
    if [[ "$auth" == auth ]] && ! htpasswd -vb "${dir}/htpasswd" "$AUTH_USER" "$AUTH_PASSWORD" >/dev/null 2>&1; then
        htpasswd -Bbn "$AUTH_USER" "$AUTH_PASSWORD" >"${dir}/htpasswd.tmp"
        mv "${dir}/htpasswd.tmp" "${dir}/htpasswd"
    fi
}

# ensure_registry PORT open|auth
ensure_registry() {
    local port="$1" kind="$2"
    local want=200 name="registry-${port}" dir="${STATE_DIR}/registry-${port}"
    local code pid log i
    [[ "$kind" == auth ]] && want=401
    code="$(registry_status "$port")"
    if [[ "$code" == "$want" ]]; then
        say "${name}: up (127.0.0.1:${port}, ${kind})"
        return 0
    fi
    if [[ "$code" != 000 ]]; then
        die "127.0.0.1:${port}/v2/ answers HTTP ${code}, expected ${want}: the port is taken by something else (Debian's own docker-registry service? try: /etc/init.d/docker-registry stop)"
    fi
    log="${dir}/registry.log"
    if [[ -f "${STATE_DIR}/${name}.pid" ]] && pid_alive "$(<"${STATE_DIR}/${name}.pid")" docker-registry; then
        pid="$(<"${STATE_DIR}/${name}.pid")"
    else
        write_registry_config "$port" "$dir" "$kind"
        printf '\n=== %s: %s starting docker-registry serve %s/config.yml\n' \
            "$(date -u +%FT%TZ)" "$PROG" "$dir" >>"$log"
        nohup docker-registry serve "${dir}/config.yml" >>"$log" 2>&1 </dev/null &
        pid=$!
        printf '%s\n' "$pid" >"${STATE_DIR}/${name}.pid"
    fi
    for ((i = 0; i < REGISTRY_TIMEOUT * 4; i++)); do
        code="$(registry_status "$port")"
        if [[ "$code" == "$want" ]]; then
            say "${name}: started (pid ${pid}, 127.0.0.1:${port}, ${kind}, log ${log})"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
    done
    echo "--- last lines of ${log} ---" >&2
    tail -n 20 "$log" >&2 || true
    if kill -0 "$pid" 2>/dev/null; then
        die "${name} (pid ${pid}) did not answer HTTP ${want} on http://127.0.0.1:${port}/v2/ within ${REGISTRY_TIMEOUT}s (last: ${code}; log: ${log})"
    fi
    rm -f "${STATE_DIR}/${name}.pid"
    die "${name} exited before answering on http://127.0.0.1:${port}/v2/ (log: ${log})"
}

write_env() {
    # Lines other scripts add (AIODOCK_DOCKER26_HOST, AIODOCK_PODMAN_HOST) stay.
    {
        grep -Ev '^AIODOCK_(REGISTRY|AUTH_REGISTRY|AUTH_USER|AUTH_PASSWORD)=' \
            "${STATE_DIR}/env" 2>/dev/null || true
        printf 'AIODOCK_REGISTRY=127.0.0.1:%s\n' "$REGISTRY_PORT"
        printf 'AIODOCK_AUTH_REGISTRY=127.0.0.1:%s\n' "$AUTH_REGISTRY_PORT"
        printf 'AIODOCK_AUTH_USER=%s\n' "$AUTH_USER"
        printf 'AIODOCK_AUTH_PASSWORD=%s\n' "$AUTH_PASSWORD"
    } >"${STATE_DIR}/env.tmp"
    mv "${STATE_DIR}/env.tmp" "${STATE_DIR}/env"
}

# ---------------------------------------------------------------- main

usage() {
    printf 'usage: %s [--stop]\n' "$PROG"
}

main() {
    local action=up
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --stop) action=stop ;;
            -h | --help)
                usage
                return 0
                ;;
            *)
                usage >&2
                die "unknown argument: $1"
                ;;
        esac
        shift
    done

    mkdir -p "$STATE_DIR" || die "cannot create state dir ${STATE_DIR}"

    if [[ "$action" == stop ]]; then
        bash "$(dirname "$0")/engine26.sh" --stop
        stop_tracked "registry-${AUTH_REGISTRY_PORT}" docker-registry
        stop_tracked "registry-${REGISTRY_PORT}" docker-registry
        stop_tracked dockerd dockerd
        return 0
    fi

    install_packages
    ensure_engine
    ensure_registry "$REGISTRY_PORT" open
    ensure_registry "$AUTH_REGISTRY_PORT" auth
    write_env
    if [[ "${AIODOCK_DOCKER26:-1}" != 0 ]]; then
        bash "$(dirname "$0")/engine26.sh"
    fi
}

main "$@"
