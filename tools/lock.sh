#!/bin/sh
# Regenerate the hash-pinned locks from the hand-edited requirement lists:
#
#   requirements.in       ->  requirements.txt        (runtime: what installs use)
#   requirements-test.in  ->  requirements-test.txt   (runtime + tests; constrained by requirements.txt)
#
#   sh tools/lock.sh            re-run after editing a .in file (safe to run any time:
#                               pins already in a lock are kept while they still fit)
#   sh tools/lock.sh --upgrade  also move unpinned transitive dependencies to their newest release
#
# Add a dependency: put `name==version` in the right .in file, run this script,
# commit the .in and the .txt together. Never edit a .txt by hand.
#
# The locks list every dependency, transitive ones included, each with the
# SHA-256 of every file PyPI has for that version (pip-tools' pip-compile
# --generate-hashes), so `pip install --require-hashes` (scripts/setup-venv.sh)
# installs exactly these bytes or fails. They are resolved for the Python that
# runs this script (Debian 12's 3.11); resolve on the same Python you deploy on.
#
# pip-tools is a tool of this script only, not a dependency of Resguardo: it is
# installed, pinned, into its own virtual environment (.venv-lock/, ignored by git).
# Needs: python3 with venv, PyPI reachable.
set -eu

PIP_TOOLS_VERSION=7.6.2
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${RESGUARDO_LOCK_VENV:-$root/.venv-lock}
upgrade=
case "${1:-}" in
    "") ;;
    --upgrade) upgrade=--upgrade ;;
    *) echo "usage: $0 [--upgrade]" >&2; exit 2 ;;
esac

if [ ! -x "$venv/bin/pip-compile" ] || ! "$venv/bin/pip-compile" --version 2>/dev/null | grep -q " $PIP_TOOLS_VERSION\$"; then
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "pip-tools==$PIP_TOOLS_VERSION"
fi

compile() {
    # Local wheel folders a machine may configure (PIP_FIND_LINKS) are left out:
    # the hashes must be those of the files on the index.
    (cd "$root" && PIP_FIND_LINKS= "$venv/bin/pip-compile" --quiet $upgrade --generate-hashes \
        --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
        --output-file "$2" "$1")
    echo "lock: $2 <- $1 ($(grep -c '^[A-Za-z0-9].*==' "$root/$2") pinned)"
}

compile requirements.in requirements.txt
compile requirements-test.in requirements-test.txt
