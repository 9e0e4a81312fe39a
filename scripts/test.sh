#!/usr/bin/env bash
# Runs the whole test suite (unit, API, pages and the browser tests) on the database in
# DATABASE_URL (SQLite when unset). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/browser.sh
exec .venv/bin/python -m pytest -q "$@"
