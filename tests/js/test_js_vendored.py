"""The committed browser crypto is the file VENDORED.md records.

``intake/static/vendor/sodium.js`` must hash to the SHA-256 written in
``VENDORED.md`` (so a change to the served library is always a visible,
reviewed change to that record), and ``sodium.js.gz`` must decompress to it
byte for byte (the server may send either).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "intake" / "static" / "vendor"
CHECKSUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S+)$", re.MULTILINE)


def recorded_checksums() -> dict[str, str]:
    text = (VENDOR / "VENDORED.md").read_text(encoding="utf-8")
    return {name: digest for digest, name in CHECKSUM_LINE.findall(text)}


def test_sodium_js_matches_the_recorded_sha256():
    recorded = recorded_checksums()
    assert set(recorded) == {"sodium.js"}
    actual = hashlib.sha256((VENDOR / "sodium.js").read_bytes()).hexdigest()
    assert actual == recorded["sodium.js"]


def test_gzip_copy_decompresses_to_sodium_js():
    plain = (VENDOR / "sodium.js").read_bytes()
    assert gzip.decompress((VENDOR / "sodium.js.gz").read_bytes()) == plain


def test_banner_names_the_versions_package_json_pins():
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    pins = package["devDependencies"]
    assert pins == {"libsodium": "0.8.4", "libsodium-wrappers": "0.8.4"}  # exact, no ranges
    banner = (VENDOR / "sodium.js").read_bytes()[:300].decode("ascii")
    assert f"libsodium@{pins['libsodium']} + libsodium-wrappers@{pins['libsodium-wrappers']}" in banner
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    for name, version in pins.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_the_served_file_is_the_recorded_one_compressed_and_cached(client):
    """What a browser receives from /static is the recorded library, gzip when asked."""
    from intake.security import static_version

    assert client.get("/").status_code == 200
    with client.application.test_request_context():
        src = "/static/vendor/sodium.js?v=" + static_version("vendor/sodium.js")
    recorded = recorded_checksums()["sodium.js"]

    compressed = client.get(src, headers={"Accept-Encoding": "gzip"})
    assert compressed.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert compressed.headers["Cache-Control"] == "max-age=31536000, public"
    body = compressed.get_data()
    compressed.close()
    assert len(body) == (VENDOR / "sodium.js.gz").stat().st_size
    assert hashlib.sha256(gzip.decompress(body)).hexdigest() == recorded

    plain = client.get(src, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert hashlib.sha256(plain.get_data()).hexdigest() == recorded
    plain.close()
