#!/usr/bin/env bash
# An OpenSSH server on 127.0.0.1 for aiodock's ssh:// tests and benchmarks,
# with its own config, host key, client key and known_hosts file (the
# system's /etc/ssh and ~/.ssh are never read or changed).
#
#   scripts/sshd-up.sh          start it (or leave the running one alone), print its env
#   scripts/sshd-up.sh --stop   stop it (and the sessions it serves)
#
# Port: $AIODOCK_SSHD_PORT (default 2222); it also listens on the next port,
# where stream-local forwarding is refused (the dial-stdio fallback).
# State: ${AIODOCK_STATE_DIR:-/tmp/aiodock-state}/sshd/<port>/: sshd_config,
# host_ed25519 (host key), client_ed25519 (the test user's key: root),
# authorized_keys, known_hosts (both ports), sshd.pid, sshd.log, env.
# Two runs on different ports never meet; two starts on one port take a lock
# and share the server. Installs Debian's openssh-server when sshd is missing.
# With AIODOCK_SSHD_OWNER=<pid> (the test fixture's process), a watcher stops
# the server and removes its state once that process is gone, even if it was
# killed before it could stop the server itself.
set -euo pipefail

readonly PORT="${AIODOCK_SSHD_PORT:-2222}"
readonly NOFWD_PORT=$((PORT + 1))
readonly DIR="${AIODOCK_STATE_DIR:-/tmp/aiodock-state}/sshd/$PORT"
readonly SSHD=/usr/sbin/sshd

PROG="$(basename "$0")"
readonly PROG
say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}

running() { [[ -f "$DIR/sshd.pid" ]] && kill -0 "$(cat "$DIR/sshd.pid")" 2>/dev/null; }

# Every process under $1 (sshd forks a monitor and a child per connection).
descendants() {
    local child
    for child in $(cat "/proc/$1/task/"*/children 2>/dev/null); do
        echo "$child"
        descendants "$child"
    done
}

stop() {
    if ! running; then
        say "no sshd on port $PORT"
        return 0
    fi
    local pid pids
    pid="$(cat "$DIR/sshd.pid")"
    pids="$(descendants "$pid")"
    kill "$pid" 2>/dev/null || true
    # shellcheck disable=SC2086
    [[ -z "$pids" ]] || kill $pids 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    rm -f "$DIR/sshd.pid"
    say "stopped sshd on port $PORT"
}

install_sshd() {
    [[ -x "$SSHD" ]] && return 0
    [[ "$(id -u)" -eq 0 ]] || die "sshd is missing: apt-get install openssh-server (as root)"
    command -v apt-get >/dev/null || die "sshd is missing and there is no apt-get"
    say "installing openssh-server"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        openssh-server >/dev/null
    [[ -x "$SSHD" ]] || die "openssh-server installed but $SSHD is missing"
}

write_config() {
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    [[ -f "$DIR/host_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C aiodock-test-host -f "$DIR/host_ed25519"
    [[ -f "$DIR/client_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C aiodock-test-client -f "$DIR/client_ed25519"
    cp "$DIR/client_ed25519.pub" "$DIR/authorized_keys"
    local hostkey
    hostkey="$(cut -d' ' -f1,2 "$DIR/host_ed25519.pub")"
    printf '[127.0.0.1]:%s %s\n[127.0.0.1]:%s %s\n' "$PORT" "$hostkey" "$NOFWD_PORT" "$hostkey" \
        >"$DIR/known_hosts"
    cat >"$DIR/sshd_config" <<EOF
# aiodock's test sshd (scripts/sshd-up.sh); nothing here touches /etc/ssh.
ListenAddress 127.0.0.1
Port $PORT
Port $NOFWD_PORT
HostKey $DIR/host_ed25519
PidFile $DIR/sshd.pid
AuthorizedKeysFile $DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
MaxStartups 200:30:400
MaxSessions 256
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
PrintMotd no
Match LocalPort $NOFWD_PORT
    AllowStreamLocalForwarding no
EOF
    cat >"$DIR/env" <<EOF
AIODOCK_SSHD_PORT=$PORT
AIODOCK_SSHD_NOFWD_PORT=$NOFWD_PORT
AIODOCK_SSHD_DIR=$DIR
AIODOCK_SSHD_KEY=$DIR/client_ed25519
AIODOCK_SSHD_KNOWN_HOSTS=$DIR/known_hosts
EOF
}

watch_owner() {
    local owner="${AIODOCK_SSHD_OWNER:-}"
    [[ -n "$owner" ]] || return 0
    kill -0 "$owner" 2>/dev/null || die "AIODOCK_SSHD_OWNER=$owner is not running"
    setsid bash -c '
        while kill -0 "$1" 2>/dev/null; do sleep 2; done
        AIODOCK_SSHD_PORT="$2" bash "$3" --stop
        rm -rf "$4" "$4.flock"
    ' watcher "$owner" "$PORT" "$0" "$DIR" </dev/null >/dev/null 2>&1 9>&- &
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
    install_sshd
    mkdir -p /run/sshd "$(dirname "$DIR")"
    exec 9>"$DIR.flock"
    flock 9
    if running; then
        cat "$DIR/env"
        return 0
    fi
    write_config
    "$SSHD" -t -f "$DIR/sshd_config" || die "sshd refuses $DIR/sshd_config"
    "$SSHD" -f "$DIR/sshd_config" -E "$DIR/sshd.log"
    for _ in $(seq 100); do
        if running && port_open "$PORT" && port_open "$NOFWD_PORT"; then
            say "sshd on 127.0.0.1:$PORT and :$NOFWD_PORT (state in $DIR)"
            watch_owner
            cat "$DIR/env"
            return 0
        fi
        sleep 0.05
    done
    tail -5 "$DIR/sshd.log" >&2 || true
    die "sshd did not start on 127.0.0.1:$PORT"
}

case "${1:-}" in
--stop) stop ;;
"") start ;;
*) die "usage: $PROG [--stop]" ;;
esac
