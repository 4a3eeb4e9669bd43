#!/usr/bin/env bash
# Create .venv and install Resguardo's locked Python dependencies.
# Usage: scripts/setup-venv.sh [lock file]   (default: requirements.txt; tests: requirements-test.txt)
#
# The lock files pin every dependency with its SHA-256 hashes (made by tools/lock.sh
# from requirements*.in); --require-hashes makes pip refuse any file that differs and
# any dependency the lock does not list. Resguardo itself is installed after, with
# --no-deps, so nothing unlisted comes in with it.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="${1:-requirements.txt}"

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "resguardo: error: Python 3.11 or newer is needed (found $(python3 --version 2>&1))" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      rm -rf .venv && python3 -m venv .venv
    else
      echo "resguardo: error: cannot create a virtual environment; install python3-venv (sudo apt-get install python3-venv)" >&2
      exit 2
    fi
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$requirements"
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>/dev/null \
  || .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
