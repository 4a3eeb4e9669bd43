#!/bin/sh
# Resguardo backup: database, ciphertext blobs, app secret key, reviewer public
# keys (they live in the database) and the onion service key, in ONE tar file.
#
#   usage: sudo deploy/backup.sh OUT_DIR        -> OUT_DIR/resguardo-backup-YYYYMMDD-HHMMSS.tar (0600)
#
# Safe while the app runs: SQLite is copied with its online backup API (a
# consistent snapshot), blobs are copied after it (a blob is written before the
# row that names it, so every row in the snapshot has its blob). PostgreSQL
# (RESGUARDO_DATABASE_URL=postgresql://...) is dumped with pg_dump instead.
#
# The archive holds the onion key (whoever has it can impersonate the site)
# and the Flask secret key, but no report plaintext and no key that decrypts
# reports. Keep it offline and encrypted (docs/OPERATIONS.md, "Back up").
#
# Environment (defaults are the Debian layout of docs/OPERATIONS.md):
#   RESGUARDO_DATA_DIR   /var/lib/resguardo          RESGUARDO_ONION_STATE  /var/lib/resguardo-onion
#   RESGUARDO_PYTHON     /opt/resguardo/venv/bin/python
#   RESGUARDO_DATABASE_URL (only for PostgreSQL)
set -eu

OUT_DIR=${1:?usage: backup.sh OUT_DIR}
DATA_DIR=${RESGUARDO_DATA_DIR:-/var/lib/resguardo}
ONION_STATE=${RESGUARDO_ONION_STATE:-/var/lib/resguardo-onion}
PYTHON=${RESGUARDO_PYTHON:-/opt/resguardo/venv/bin/python}
DB_URL=${RESGUARDO_DATABASE_URL:-}

fail() { echo "backup: error: $*" >&2; exit 1; }
[ -d "$DATA_DIR" ] || fail "no data directory at $DATA_DIR (set RESGUARDO_DATA_DIR)"
[ -d "$OUT_DIR" ] || fail "output directory $OUT_DIR does not exist"

umask 077
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
B="$WORK/resguardo-backup"
mkdir "$B"

# 1. database (reviewer public keys included)
case "$DB_URL" in
  postgresql*)
    pg_dump --format=custom --file="$B/database.pgdump" "$(echo "$DB_URL" | sed 's/+psycopg//')" \
      || fail "pg_dump failed" ;;
  *)
    [ -f "$DATA_DIR/resguardo.db" ] || fail "no database at $DATA_DIR/resguardo.db"
    "$PYTHON" - "$DATA_DIR/resguardo.db" "$B/resguardo.db" <<'PY' || fail "SQLite backup failed"
import sqlite3, sys
src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)  # consistent snapshot even while the app writes (WAL)
dst.close(); src.close()
PY
    ;;
esac

# 2. the rest of the data directory: blobs/, secret_key (not the live database files)
tar -C "$DATA_DIR" --exclude=./resguardo.db --exclude=./resguardo.db-wal \
    --exclude=./resguardo.db-shm -cf "$B/data.tar" . || fail "cannot read $DATA_DIR"

# 3. the onion service key and authorized clients
if [ -d "$ONION_STATE" ]; then
  tar -C "$ONION_STATE" -cf "$B/onion.tar" . || fail "cannot read $ONION_STATE"
else
  echo "backup: warning: no onion key directory at $ONION_STATE; the address is NOT backed up" >&2
fi

(cd "$B" && sha256sum -- * > SHA256SUMS)
ARCHIVE="$OUT_DIR/resguardo-backup-$(date -u +%Y%m%d-%H%M%S).tar"  # never overwrites an earlier backup of the same day
tar -C "$WORK" -cf "$ARCHIVE.tmp" resguardo-backup
chmod 0600 "$ARCHIVE.tmp"
mv "$ARCHIVE.tmp" "$ARCHIVE"
echo "$ARCHIVE"
