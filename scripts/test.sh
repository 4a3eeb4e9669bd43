#!/usr/bin/env bash
# Install everything the tests need and run the whole suite.
#
#   bash scripts/test.sh [pytest arguments]
#
# As root on Debian it installs the system packages the tests use (tor,
# chromium, postgresql, nodejs, haproxy, patroni with python3-pysyncobj,
# onionbalance);
# otherwise those must already be there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=""
command -v tor >/dev/null 2>&1 || need="$need tor"
[ -x /usr/bin/chromium ] || need="$need chromium"
command -v node >/dev/null 2>&1 || need="$need nodejs"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
# The review tool's attachment checks: libmagic (real file types), exiftool
# (metadata), poppler's pdftoppm (PDF previews and cleaned copies).
ls /usr/lib/*/libmagic.so.1 >/dev/null 2>&1 || need="$need libmagic1"
command -v exiftool >/dev/null 2>&1 || need="$need libimage-exiftool-perl"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
# tests/scale: the edge (HAProxy) and PostgreSQL failover (Patroni with its Raft)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need="$need haproxy"
command -v patroni >/dev/null 2>&1 || need="$need patroni"
/usr/bin/python3 -c 'import pysyncobj' >/dev/null 2>&1 || need="$need python3-pysyncobj"
# tests/tor: tier 3's Onionbalance (Debian's, run by the system Python with its stem)
[ -x /usr/sbin/onionbalance ] || need="$need onionbalance"
# review stats --pdf: WeasyPrint draws with Pango and HarfBuzz; charts and PDF need a font.
ls /usr/lib/*/libpango-1.0.so.0 >/dev/null 2>&1 || need="$need libpango-1.0-0"
ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || need="$need libpangoft2-1.0-0"
ls /usr/lib/*/libharfbuzz-subset.so.0 >/dev/null 2>&1 || need="$need libharfbuzz-subset0"
[ -d /usr/share/fonts/truetype/dejavu ] || need="$need fonts-dejavu-core"
if [ -n "$need" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing:$need"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  else
    echo "resguardo: warning: missing system packages:$need (run as root to install them)" >&2
  fi
fi

# PostgreSQL: the tests start a throwaway cluster of their own (initdb +
# pg_ctl from /usr/lib/postgresql/*/bin, unix socket in a temp dir, run as the
# unprivileged 'postgres' user when we are root; tests/support/databases.py)
# and run every storage test on it as well as on SQLite. Nothing to start
# here. Under CI (CI=true) a PostgreSQL that is missing or will not start
# fails the run instead of skipping those tests.
if [ "$(id -u)" = 0 ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! id postgres >/dev/null 2>&1; then
  echo "resguardo: warning: no 'postgres' user to run the test cluster as (reinstall the postgresql package)" >&2
fi

bash scripts/setup-venv.sh requirements-test.txt
exec .venv/bin/python -m pytest "$@"
