#!/usr/bin/env bash
# Quick start: install, set up and run the intake locally.
#
#   bash scripts/run.sh
#
# - installs the pinned Python dependencies into .venv
# - creates ./data (SQLite database, ciphertext blobs, app secret) unless
#   RESGUARDO_DATA_DIR points elsewhere
# - if no reviewer key is registered, makes a clearly labelled DEMO reviewer
#   keypair in ./demo-reviewer (secret key + passphrase side by side: for
#   trying the product only, never for real reports)
# - serves the intake with gunicorn on 127.0.0.1:8080 (RESGUARDO_BIND to change)
# - if tor is installed and its control port is reachable, publishes it as an
#   onion service with deploy's launcher; otherwise says how to enable that
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

bash scripts/setup-venv.sh requirements.txt
export RESGUARDO_DATA_DIR="${RESGUARDO_DATA_DIR:-$root/data}"
export RESGUARDO_BIND="${RESGUARDO_BIND:-127.0.0.1:8080}"
bin="$root/.venv/bin"

"$bin/resguardo" init
if "$bin/resguardo" reviewer list | grep -q '^no reviewer keys'; then
  if [ -e "$root/demo-reviewer/demo.secret-key" ]; then
    "$bin/resguardo" reviewer add "$root/demo-reviewer/demo.public-key"
  else
    "$bin/resguardo" demo-key --out "$root/demo-reviewer"
  fi
fi

cat <<TXT

Resguardo intake: http://$RESGUARDO_BIND/
  data directory:  $RESGUARDO_DATA_DIR
  reviewer keys:   $bin/resguardo reviewer list
Export what was received, then decrypt it as a reviewer would:
  RESGUARDO_DATA_DIR=$RESGUARDO_DATA_DIR $bin/resguardo export --out $root/bundles
  $bin/review import $root/bundles/resguardo-bundle-*.tar --key $root/demo-reviewer/demo.secret-key --out $root/cases \\
      --passphrase-file $root/demo-reviewer/demo-passphrase.txt
  $bin/review list $root/cases
TXT

onion_pid=""
if command -v tor >/dev/null 2>&1 && [ -x "$bin/resguardo-onion" ]; then
  (sleep 2; "$bin/resguardo-onion" publish --target "$RESGUARDO_BIND" --key-dir "$RESGUARDO_DATA_DIR/onion" --watch) &
  onion_pid=$!
  echo "onion service: starting (the .onion address is printed below when published)"
else
  echo "onion service: not published (tor is not installed). To publish: sudo apt-get install tor,"
  echo "  then see docs/OPERATIONS.md, 'Publish the onion service'."
fi
trap '[ -n "$onion_pid" ] && kill "$onion_pid" 2>/dev/null || true' EXIT
echo
exec "$bin/gunicorn" -c deploy/gunicorn.conf.py wsgi:app
