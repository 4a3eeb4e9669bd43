#!/bin/sh
# Resguardo restore: the inverse of backup.sh, onto a stopped (or new) machine.
#
#   usage: sudo deploy/restore.sh ARCHIVE [--force]
#
# Stop the services first (systemctl stop resguardo-onion resguardo-web).
# Checks SHA256SUMS, refuses to overwrite a non-empty data or onion directory
# unless --force, restores files with modes 0700 (dirs) / 0600 (keys), and
# gives them to the service users if those exist (RESGUARDO_USER, default
# resguardo; RESGUARDO_ONION_USER, default resguardo-onion).
# PostgreSQL dumps are restored with pg_restore into RESGUARDO_DATABASE_URL.
set -eu

ARCHIVE=${1:?usage: restore.sh ARCHIVE [--force]}
FORCE=${2:-}
DATA_DIR=${RESGUARDO_DATA_DIR:-/var/lib/resguardo}
ONION_STATE=${RESGUARDO_ONION_STATE:-/var/lib/resguardo-onion}
APP_USER=${RESGUARDO_USER:-resguardo}
ONION_USER=${RESGUARDO_ONION_USER:-resguardo-onion}
DB_URL=${RESGUARDO_DATABASE_URL:-}

fail() { echo "restore: error: $*" >&2; exit 1; }
[ -f "$ARCHIVE" ] || fail "no such archive: $ARCHIVE"
nonempty() { [ -d "$1" ] && [ -n "$(ls -A "$1")" ]; }
if [ "$FORCE" != "--force" ]; then
  nonempty "$DATA_DIR" && fail "$DATA_DIR is not empty; stop the services and pass --force to replace it"
  nonempty "$ONION_STATE" && fail "$ONION_STATE is not empty; pass --force to replace the onion key"
fi

umask 077
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
tar -C "$WORK" -xf "$ARCHIVE" || fail "cannot unpack $ARCHIVE"
B="$WORK/resguardo-backup"
(cd "$B" && sha256sum --quiet -c SHA256SUMS) || fail "the archive is damaged (SHA256SUMS mismatch)"

mkdir -p "$DATA_DIR" && chmod 0700 "$DATA_DIR"
tar -C "$DATA_DIR" -xpf "$B/data.tar"
if [ -f "$B/resguardo.db" ]; then
  rm -f "$DATA_DIR/resguardo.db-wal" "$DATA_DIR/resguardo.db-shm"
  cp "$B/resguardo.db" "$DATA_DIR/resguardo.db"
  chmod 0600 "$DATA_DIR/resguardo.db"
elif [ -f "$B/database.pgdump" ]; then
  [ -n "$DB_URL" ] || fail "this backup holds a PostgreSQL dump: set RESGUARDO_DATABASE_URL"
  pg_restore --clean --if-exists --no-owner --dbname="$(echo "$DB_URL" | sed 's/+psycopg//')" \
    "$B/database.pgdump" || fail "pg_restore failed"
fi
[ -f "$DATA_DIR/secret_key" ] && chmod 0600 "$DATA_DIR/secret_key"

if [ -f "$B/onion.tar" ]; then
  mkdir -p "$ONION_STATE" && chmod 0700 "$ONION_STATE"
  tar -C "$ONION_STATE" -xpf "$B/onion.tar"
  find "$ONION_STATE" -type d -exec chmod 0700 {} +
  find "$ONION_STATE" -type f -name 'hs_ed25519_*' -exec chmod 0600 {} +
fi

id "$APP_USER" >/dev/null 2>&1 && chown -R "$APP_USER:$APP_USER" "$DATA_DIR"
id "$ONION_USER" >/dev/null 2>&1 && [ -d "$ONION_STATE" ] && chown -R "$ONION_USER:$ONION_USER" "$ONION_STATE"
echo "restored into $DATA_DIR and $ONION_STATE"
