#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine (as root): installs what is
# missing, starts an engine and local registries if none answer, then runs
# ruff, mypy --strict, mkdocs build --strict (the docs site) and pytest. Extra
# arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/venv.sh
. scripts/venv.sh
bash scripts/engine-up.sh

echo "== ruff"
"$VENV/bin/ruff" check .
echo "== mypy --strict"
"$VENV/bin/mypy" --strict aiodock
echo "== mkdocs build --strict"
NO_MKDOCS_2_WARNING=1 "$VENV/bin/mkdocs" build --strict --quiet \
  --site-dir "${AIODOCK_SITE_DIR:-${TMPDIR:-/tmp}/aiodock-site}"
echo "== pytest (default transport: aiodock's own)"
"$VENV/bin/pytest" -q -ra -p no:cacheprovider "$@"
if [ "$#" -eq 0 ]; then
  # The integration suite once more on httpx's stock transport (Docker(transport="httpx")).
  echo "== pytest tests/integration (AIODOCK_TRANSPORT=httpx)"
  # Files that already run every case on both transports themselves are left out.
  AIODOCK_TRANSPORT=httpx "$VENV/bin/pytest" -q -ra -p no:cacheprovider tests/integration \
    --ignore=tests/integration/test_faults.py --ignore=tests/integration/test_cancellation.py \
    --ignore=tests/integration/test_timeouts.py --ignore=tests/integration/test_pool.py \
    --ignore=tests/integration/test_engine_restart.py
fi
