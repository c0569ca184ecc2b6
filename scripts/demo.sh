#!/usr/bin/env bash
# The demo: starts a local engine (and registries) if none answers, then walks
# the Docker lifecycle with aiodock (examples/demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/venv.sh
. scripts/venv.sh
bash scripts/engine-up.sh
exec "$VENV/bin/python" examples/demo.py "$@"
