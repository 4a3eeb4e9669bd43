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

# The review tool's attachment checks need libmagic, exiftool and pdftoppm.
review_need=""
ls /usr/lib/*/libmagic.so.1 >/dev/null 2>&1 || review_need="$review_need libmagic1"
command -v exiftool >/dev/null 2>&1 || review_need="$review_need libimage-exiftool-perl"
command -v pdftoppm >/dev/null 2>&1 || review_need="$review_need poppler-utils"
# review stats --pdf (WeasyPrint) needs Pango, HarfBuzz's subsetter and a font.
ls /usr/lib/*/libpango-1.0.so.0 >/dev/null 2>&1 || review_need="$review_need libpango-1.0-0"
ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || review_need="$review_need libpangoft2-1.0-0"
ls /usr/lib/*/libharfbuzz-subset.so.0 >/dev/null 2>&1 || review_need="$review_need libharfbuzz-subset0"
[ -d /usr/share/fonts/truetype/dejavu ] || review_need="$review_need fonts-dejavu-core"
if [ -n "$review_need" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $review_need >/dev/null
  else
    echo "resguardo: warning: the review tool needs:$review_need (apt-get install them as root)" >&2
  fi
fi
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
Export what was received, then decrypt it as a reviewer would
(export prints the bundle file name: put it in place of DATE-ID):
  RESGUARDO_DATA_DIR=$RESGUARDO_DATA_DIR $bin/resguardo export --out $root/bundles
  $bin/review import $root/bundles/resguardo-bundle-DATE-ID.tar --key $root/demo-reviewer/demo.secret-key --out $root/cases \\
      --passphrase-file $root/demo-reviewer/demo-passphrase.txt
  $bin/review list $root/cases
  $bin/review workspace $root/cases      # the case workspace in this machine's browser
To answer reporters (docs/REVIEWING.md section 7b): make the reply-signing key once with
  $bin/review keygen --signing --out $root/demo-reviewer --name demo-org
and copy demo-org.signing-public-key to $RESGUARDO_DATA_DIR/reply-signing.pub; then answer in
the workspace or with $bin/review reply and $bin/review ack, carry the answers back with
  $bin/review return-bundle $root/cases --key $root/demo-reviewer/demo-org.signing-secret-key --out $root/bundles
and store them on the intake with
  RESGUARDO_DATA_DIR=$RESGUARDO_DATA_DIR $bin/resguardo import-return $root/bundles/FILE
TXT

pids=""
trap 'for pid in $pids; do kill "$pid" 2>/dev/null || true; done' EXIT
if command -v tor >/dev/null 2>&1; then
  # A tor of our own for this trial run (an installed system tor is left alone):
  # control socket with cookie auth, no SOCKS port, safe logging.
  tor_dir="$root/.local-tor"
  mkdir -p -m 0700 "$tor_dir"
  cat > "$tor_dir/torrc" <<TORRC
DataDirectory $tor_dir/data
ControlSocket $tor_dir/control
CookieAuthentication 1
SocksPort 0
SafeLogging 1
Log notice file $tor_dir/notice.log
TORRC
  tor -f "$tor_dir/torrc" --RunAsDaemon 0 >/dev/null 2>&1 &
  pids="$pids $!"
  for _ in $(seq 50); do [ -S "$tor_dir/control" ] && break; sleep 0.2; done
  "$bin/resguardo-onion" publish --control "unix:$tor_dir/control" --service-dir "$root/onion" \
      --target "$RESGUARDO_BIND" --watch &
  pids="$pids $!"
  echo "onion service: publishing through a local tor (the .onion address is printed below);"
  echo "  the key is kept in $root/onion (0600). Reaching it needs tor to get online."
else
  echo "onion service: not published (tor is not installed). To publish: sudo apt-get install tor,"
  echo "  then run this again, or see docs/OPERATIONS.md, 'Publish the onion address'."
fi
echo
"$bin/gunicorn" -c deploy/gunicorn.conf.py wsgi:app
