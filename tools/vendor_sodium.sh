#!/bin/sh
# Rebuild intake/static/vendor/sodium.js (+ .gz) from the npm packages pinned in
# package.json / package-lock.json, and print the SHA-256 figures that
# intake/static/vendor/VENDORED.md records.
#
#   sh tools/vendor_sodium.sh           rebuild in place (then update VENDORED.md by hand
#                                       if the printed hashes changed)
#   sh tools/vendor_sodium.sh --check   rebuild into a temporary directory and fail unless
#                                       the result is byte-identical to the committed files
#
# Why one joined file: npm ships libsodium as two UMD files. Loaded as two
# <script> tags, libsodium's pure-JS fallback (used when WebAssembly is off, as
# in Tor Browser "Safer") loses `ready`; concatenated into one script it works
# with and without WebAssembly. The join is a plain concatenation behind a
# fixed banner, so it is reproducible from the inputs alone.
#
# Needs: node, npm (registry reachable), sha256sum, gzip.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
vendor="$root/intake/static/vendor"
mode=${1:-build}

# npm ci installs exactly what package-lock.json pins and checks each
# tarball's sha512 integrity against it; no install scripts run.
(cd "$root" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)

core="$root/node_modules/libsodium/dist/modules/libsodium.js"
wrappers="$root/node_modules/libsodium-wrappers/dist/modules/libsodium-wrappers.js"
core_version=$(node -p "require('$root/node_modules/libsodium/package.json').version")
wrappers_version=$(node -p "require('$root/node_modules/libsodium-wrappers/package.json').version")

case "$mode" in
    --check) out=$(mktemp -d) ;;
    build) out="$vendor" ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

{
    printf '/*! Resguardo vendored build: libsodium@%s + libsodium-wrappers@%s (npm),\n' \
        "$core_version" "$wrappers_version"
    printf ' *  ISC licence, (c) Frank Denis and contributors. Joined by tools/vendor_sodium.sh;\n'
    printf ' *  do not edit: see intake/static/vendor/VENDORED.md. */\n'
    cat "$core"
    printf '\n'
    cat "$wrappers"
    printf '\n'
} >"$out/sodium.js"
# -n: no name or timestamp in the gzip header, so the .gz is reproducible too.
gzip -9 -n -c "$out/sodium.js" >"$out/sodium.js.gz"

echo "libsodium@$core_version          dist/modules/libsodium.js           $(sha256sum "$core" | cut -d' ' -f1)"
echo "libsodium-wrappers@$wrappers_version dist/modules/libsodium-wrappers.js  $(sha256sum "$wrappers" | cut -d' ' -f1)"
echo "joined  sodium.js     $(sha256sum "$out/sodium.js" | cut -d' ' -f1)  $(wc -c <"$out/sodium.js") bytes"
echo "gzipped sodium.js.gz  $(sha256sum "$out/sodium.js.gz" | cut -d' ' -f1)  $(wc -c <"$out/sodium.js.gz") bytes"

if [ "$mode" = --check ]; then
    status=0
    for name in sodium.js sodium.js.gz; do
        if cmp -s "$out/$name" "$vendor/$name"; then
            echo "ok: $name is reproducible"
        else
            echo "MISMATCH: $name differs from the rebuild" >&2
            status=1
        fi
    done
    rm -r "$out"
    exit $status
fi
