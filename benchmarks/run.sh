#!/usr/bin/env bash
# The benchmark suite in one command: installs what is missing, makes sure the
# engine answers, then runs python -m benchmarks with the arguments given.
#
#   bash benchmarks/run.sh                      # every workload and client, 3 repeats
#   bash benchmarks/run.sh -w inspect@50,logs   # a subset; -r N for more/fewer repeats
#   bash benchmarks/run.sh --profile inspect@50 # aiodock alone under cProfile
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ ! -x .venv/bin/python ]]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import aiodock, aiodocker, docker, matplotlib' >/dev/null 2>&1; then
    echo "run.sh: installing aiodock with the bench extra into .venv"
    .venv/bin/python -m pip install --quiet -e ".[bench]"
fi
bash scripts/engine-up.sh >/dev/null
exec .venv/bin/python -m benchmarks "$@"
