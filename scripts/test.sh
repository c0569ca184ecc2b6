#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine (as root): installs what is
# missing, starts an engine and local registries if none answer, then runs
# ruff, mypy --strict and pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/venv.sh
. scripts/venv.sh
bash scripts/engine-up.sh

echo "== ruff"
"$VENV/bin/ruff" check .
echo "== mypy --strict"
"$VENV/bin/mypy" --strict aiodock
echo "== pytest"
"$VENV/bin/pytest" -q -ra -p no:cacheprovider "$@"
