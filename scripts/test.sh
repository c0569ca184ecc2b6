#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine (as root): installs what is
# missing, runs scripts/check (format, lint, mypy --strict, the unit tests: no
# engine needed), starts an engine and local registries if none answer, then
# runs mkdocs build --strict (the docs site) and the rest of pytest. Extra
# arguments go to pytest, which then runs what they select (after
# scripts/check, which always runs whole).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/venv.sh
. scripts/venv.sh

bash scripts/check

bash scripts/engine-up.sh
echo "== mkdocs build --strict"
NO_MKDOCS_2_WARNING=1 "$VENV/bin/mkdocs" build --strict --quiet \
  --site-dir "${AIODOCK_SITE_DIR:-${TMPDIR:-/tmp}/aiodock-site}"
echo "== pytest (default transport: aiodock's own)"
if [ "$#" -gt 0 ]; then
  "$VENV/bin/pytest" -q -ra -p no:cacheprovider "$@"
else
  # scripts/check ran the engine-less tests: they are left out here.
  "$VENV/bin/pytest" -q -ra -p no:cacheprovider \
    --ignore=tests/unit --ignore=tests/cli/test_options.py
  # The integration suite once more on httpx's stock transport (Docker(transport="httpx")).
  echo "== pytest tests/integration (AIODOCK_TRANSPORT=httpx)"
  # Files that already run every case on both transports themselves are left out.
  AIODOCK_TRANSPORT=httpx "$VENV/bin/pytest" -q -ra -p no:cacheprovider tests/integration \
    --ignore=tests/integration/test_faults.py --ignore=tests/integration/test_cancellation.py \
    --ignore=tests/integration/test_timeouts.py --ignore=tests/integration/test_pool.py \
    --ignore=tests/integration/test_engine_restart.py
fi
