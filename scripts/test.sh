#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine (as root): installs what is
# missing, runs scripts/check (format, lint, mypy --strict, the unit tests: no
# engine needed), starts the engines and local registries if none answer
# (scripts/engine-up.sh: dockerd 20.10, API 1.41, and Docker 26.1, API 1.45)
# and Podman's Docker-compatible service (scripts/podman-up.sh; AIODOCK_PODMAN=0
# leaves it out), then runs mkdocs build --strict (the docs site), the
# integration, CLI and docs tests on both Docker engines, and the integration
# tests on Podman. Extra arguments go to pytest, which then runs
# what they select on the main engine only (after scripts/check, which always
# runs whole); DOCKER_HOST=... picks another engine for that.
#
# How the engine passes are laid out, and why (measured on a clean clone on
# 2026-12-07, 2 cores):
#   dockerd 20.10 pass ‖ Docker 26.1 pass at once     529 s ‖ 458 s
#   dockerd 20.10, httpx transport ‖ Podman 4.3       180 s ‖ 319 s
#   the whole command                                 15 min 17 s (1300 passed)
# One after the other the 26.1 and Podman passes would add ~13 min.
# The tests mostly wait for the engines (container starts, stop timeouts,
# registry round trips), so two pytest processes on two engines share the
# 2 cores well: the 26.1 pass runs in the background beside the 20.10 one
# (two engines, so no name of one run collides with the other's; the
# registries' repositories and the labels carry each pass's own run id, and
# each pass has its own --basetemp). The httpx pass starts when the 20.10
# pass ends and runs on the main engine only: the transport is the same code
# on every engine, and on 26.1 the files that run each case on both
# transports themselves (faults, cancellation, timeouts, the pool) run
# anyway. The tests that start a dockerd of their own (TLS, the test bed,
# engine restart) do not use DOCKER_HOST: they run once, in the main pass.
# The Podman pass runs the integration tests beside the httpx pass.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/venv.sh
. scripts/venv.sh

bash scripts/check

# What did not answer before this run is stopped after it (the suite stops
# what it starts): everything engine-up.sh started if the main engine was
# not up, else only Docker 26.1.
answers() { curl -fsS --max-time 3 --unix-socket "$1" http://engine/_ping >/dev/null 2>&1; }
MAIN_SOCKET="/var/run/docker.sock"
case "${DOCKER_HOST:-}" in unix://*) MAIN_SOCKET="${DOCKER_HOST#unix://}" ;; esac
DOCKER26_SOCKET="${AIODOCK_STATE_DIR:-/tmp/aiodock-state}/docker26/engine/docker.sock"
PODMAN_SOCKET="${AIODOCK_STATE_DIR:-/tmp/aiodock-state}/podman/podman.sock"
main_was_up=0 docker26_was_up=0 podman_was_up=0
answers "$MAIN_SOCKET" && main_was_up=1
answers "$DOCKER26_SOCKET" && docker26_was_up=1
answers "$PODMAN_SOCKET" && podman_was_up=1
stop_what_we_started() {
  if [ "$podman_was_up" = 0 ]; then
    bash scripts/podman-up.sh --stop || true
  fi
  if [ "$main_was_up" = 0 ]; then
    bash scripts/engine-up.sh --stop || true
  elif [ "$docker26_was_up" = 0 ]; then
    bash scripts/engine26.sh --stop || true
  fi
}
trap stop_what_we_started EXIT

bash scripts/engine-up.sh
if [ "${AIODOCK_PODMAN:-1}" != 0 ]; then
  bash scripts/podman-up.sh
fi
echo "== mkdocs build --strict"
NO_MKDOCS_2_WARNING=1 "$VENV/bin/mkdocs" build --strict --quiet \
  --site-dir "${AIODOCK_SITE_DIR:-${TMPDIR:-/tmp}/aiodock-site}"

PYTEST=("$VENV/bin/pytest" -q -ra -p no:cacheprovider)

if [ "$#" -gt 0 ]; then
  echo "== pytest $* (${DOCKER_HOST:-unix:///var/run/docker.sock})"
  exec "${PYTEST[@]}" "$@"
fi

STATE_DIR="${AIODOCK_STATE_DIR:-/tmp/aiodock-state}"
MAIN_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
DOCKER26_HOST="$(sed -n 's/^AIODOCK_DOCKER26_HOST=//p' "$STATE_DIR/env" 2>/dev/null | tail -n 1)"
PODMAN_HOST="$(sed -n 's/^AIODOCK_PODMAN_HOST=//p' "$STATE_DIR/env" 2>/dev/null | tail -n 1)"
RUN_ID="${AIODOCK_TEST_RUN_ID:-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
LOGS="$(mktemp -d "${TMPDIR:-/tmp}/aiodock-test.XXXXXX")"

# scripts/check ran the engine-less tests: they are left out here.
ENGINE_TESTS=(tests/integration tests/cli tests/docs --ignore=tests/cli/test_options.py)
# Tests that start a dockerd of their own: once, in the main pass.
OWN_ENGINE=(--ignore=tests/integration/test_tls.py --ignore=tests/integration/test_enginebed.py
  --ignore=tests/integration/test_engine_restart.py)
# Files that already run every case on both transports themselves (and ssh,
# which always uses aiodock's own transport).
BOTH_TRANSPORTS=(--ignore=tests/integration/test_faults.py --ignore=tests/integration/test_ssh.py
  --ignore=tests/integration/test_cancellation.py --ignore=tests/integration/test_timeouts.py
  --ignore=tests/integration/test_pool.py --ignore=tests/integration/test_engine_restart.py)

# run_pass NAME live|quiet HOST TRANSPORT PYTEST-ARGS...: one pytest run on
# one engine, its output in $LOGS/NAME.log (and on stdout if live), its exit
# code in $LOGS/NAME.rc (pipefail: pytest's, not tee's), its time in
# $LOGS/NAME.seconds.
run_pass() {
  local name="$1" live="$2" host="$3" transport="$4" started=$SECONDS rc=0
  shift 4
  if [ "$live" = live ]; then
    DOCKER_HOST="$host" AIODOCK_TRANSPORT="$transport" AIODOCK_TEST_RUN_ID="$RUN_ID-$name" \
      "${PYTEST[@]}" --basetemp="$LOGS/tmp-$name" "$@" 2>&1 | tee "$LOGS/$name.log" || rc=$?
  else
    DOCKER_HOST="$host" AIODOCK_TRANSPORT="$transport" AIODOCK_TEST_RUN_ID="$RUN_ID-$name" \
      "${PYTEST[@]}" --basetemp="$LOGS/tmp-$name" "$@" >"$LOGS/$name.log" 2>&1 || rc=$?
  fi
  echo "$rc" >"$LOGS/$name.rc"
  echo "$((SECONDS - started))" >"$LOGS/$name.seconds"
  echo "== ($name: exit $rc after $((SECONDS - started))s)"
}

passes=(main)
titles=("dockerd 20.10 at $MAIN_HOST, aiodock's own transport")
if [ -n "$DOCKER26_HOST" ] && [ "${AIODOCK_DOCKER26:-1}" != 0 ]; then
  passes+=(docker26)
  titles+=("Docker 26.1 at $DOCKER26_HOST, aiodock's own transport")
  echo "== pytest: ${titles[1]} (in the background: its output follows the main pass)"
  run_pass docker26 quiet "$DOCKER26_HOST" "" "${ENGINE_TESTS[@]}" "${OWN_ENGINE[@]}" &
  docker26_pid=$!
fi
echo "== pytest: ${titles[0]}"
run_pass main live "$MAIN_HOST" "" "${ENGINE_TESTS[@]}"

# Podman's Docker-compatible service: the integration suite (the tests
# assert what aiodock makes of each difference: docs/engines.md), in the
# background beside the httpx pass.
if [ -n "$PODMAN_HOST" ] && [ "${AIODOCK_PODMAN:-1}" != 0 ]; then
  passes+=(podman)
  titles+=("Podman at $PODMAN_HOST, aiodock's own transport")
  podman_title="${titles[-1]}"
  echo "== pytest: $podman_title (in the background: its output follows the httpx pass)"
  run_pass podman quiet "$PODMAN_HOST" "" tests/integration "${OWN_ENGINE[@]}" &
  podman_pid=$!
fi

# The integration suite once more on httpx's stock transport (Docker(transport="httpx")),
# while the 26.1 pass may still run.
passes+=(httpx)
titles+=("dockerd 20.10 at $MAIN_HOST, httpx's transport (AIODOCK_TRANSPORT=httpx)")
echo "== pytest: ${titles[-1]}"
run_pass httpx live "$MAIN_HOST" httpx tests/integration "${BOTH_TRANSPORTS[@]}"

if [ -n "${docker26_pid:-}" ]; then
  wait "$docker26_pid" || true
  echo "== pytest: ${titles[1]} ($(cat "$LOGS/docker26.seconds")s)"
  cat "$LOGS/docker26.log"
fi
if [ -n "${podman_pid:-}" ]; then
  wait "$podman_pid" || true
  echo "== pytest: $podman_title ($(cat "$LOGS/podman.seconds")s)"
  cat "$LOGS/podman.log"
fi

# One line per pass, and the total (pytest's last line of each).
echo "== summary"
status=0 passed=0 failed=0 skipped=0
for i in "${!passes[@]}"; do
  name="${passes[$i]}"
  last="$(grep -E '^(=+ )?[0-9]+ (passed|failed|errors?|skipped)' "$LOGS/$name.log" | tail -n 1)"
  echo "${titles[$i]}: ${last:-no summary} (exit $(cat "$LOGS/$name.rc"))"
  [ "$(cat "$LOGS/$name.rc")" = 0 ] || status=1
  for kind in passed failed error errors skipped; do
    count="$(printf '%s\n' "$last" | grep -oE "[0-9]+ $kind\b" | grep -oE '^[0-9]+' || true)"
    case "$kind" in
      passed) passed=$((passed + ${count:-0})) ;;
      failed | error | errors) failed=$((failed + ${count:-0})) ;;
      skipped) skipped=$((skipped + ${count:-0})) ;;
    esac
  done
done
echo "logs: $LOGS"
echo "total: $passed passed, $failed failed, $skipped skipped"
exit "$status"
