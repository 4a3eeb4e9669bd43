"""End to end against a live gunicorn: samples in, bundle out, cases decrypted offline.

Every sample in ../shared/samples and one generated 8 MB attachment go
through the real HTTP form (GET, CSRF token, multipart POST) the way a
browser without JavaScript sends them. Then the operator exports, and the
review tool decrypts with the reviewer's passphrase-protected key. Every
canary must come back exactly, and none may be found in any byte the
server wrote: data directory, database, temp directories, logs. The whole
run happens once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support import databases
from tests.support.canary import scan
from tests.support.live import BIN, gunicorn, resguardo
from tests.support.samples import BINARY_CANARIES, all_reports

pytestmark = pytest.mark.live

SYSTEM_TEMP_DIRS = [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")]


def _big_attachment(canary: bytes) -> bytes:
    """8 MB of random bytes with ``canary`` at the start, the middle and the end."""
    size = 8 * 1024 * 1024
    body = bytearray(secrets.token_bytes(size))
    for offset in (0, size // 2, size - len(canary)):
        body[offset : offset + len(canary)] = canary
    return bytes(body)


@pytest.fixture(scope="module", params=databases.BACKENDS)
def run(request, tmp_path_factory, reviewer):
    """Submit everything once per backend; the tests below check different consequences."""
    import time

    started = time.time() - 1
    base = tmp_path_factory.mktemp("e2e")
    data_dir = base / "data"
    server_tmp = base / "server-tmp"
    server_tmp.mkdir()
    logs = base / "logs"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "RESGUARDO_DATA_DIR": str(data_dir),
        "TMPDIR": str(server_tmp),
        "LANG": "C.UTF-8",
    }
    database_url = databases.fresh_database_url(request, request.param, data_dir)
    if request.param != "sqlite":
        env["RESGUARDO_DATABASE_URL"] = database_url
    resguardo(["init"], env)
    resguardo(["reviewer", "add", str(reviewer.public_file)], env)

    token = secrets.token_hex(6)
    canaries = {
        "big": f"CANARY-FILE-8MB-{token}".encode(),
        "name": f"CANARY-NAME-{token}",
        "ua": f"CANARY-UA-{token}",
        "xff": f"CANARY-XFF-{token}",
        "referer": f"CANARY-REF-{token}",
    }
    big = _big_attachment(canaries["big"])
    samples = all_reports()
    sent = []  # (text canary, [(name, sha256)])
    with gunicorn(env, logs) as url:
        for index, sample in enumerate(samples):
            session = requests.Session()
            session.headers.update({
                "User-Agent": canaries["ua"],
                "X-Forwarded-For": "198.51.100.23, " + canaries["xff"],
                "Referer": f"http://{canaries['referer']}.example/",
            })
            files = [(path.name, path.read_bytes(), "application/octet-stream") for path in sample.attachments]
            if index == 0:
                files.append((f"{canaries['name']}-grabación.bin", big, "application/octet-stream"))
            from tests.support.submit import submit_report

            response = submit_report(session, url, sample.fields, files)
            assert response.status_code == 200, response.text[:500]
            assert "receipt-words" in response.text and "Location" not in response.headers
            assert session.get(url + "/received").status_code == 200
            sent.append((sample, [(name, hashlib.sha256(body).hexdigest()) for name, body, _ in files]))

        usb = base / "usb"
        exported = resguardo(["export", "--out", str(usb)], env)
        bundle = exported.stdout.split("bundle: ")[1].split()[0]

    cases = base / "cases"
    imported = subprocess.run(
        [str(BIN / "review"), "import", bundle, "--key", str(reviewer.secret_file), "--out", str(cases)],
        env={**env, "RESGUARDO_PASSPHRASE": reviewer.passphrase, "RESGUARDO_TEST_ONLY_PASSPHRASE_FROM_ENV": "1", "TMPDIR": str(base)},
        capture_output=True, text=True,
    )
    return {
        "base": base, "data_dir": data_dir, "server_tmp": server_tmp, "logs": logs,
        "cases": cases, "import": imported, "started": started, "sent": sent, "canaries": canaries, "bundle": Path(bundle),
        "database_url": database_url,
    }


def _cases(cases: Path) -> list[Path]:
    return sorted(path for path in cases.iterdir() if path.is_dir() and not path.name.startswith(("_", ".")))


def test_review_import_succeeds(run):
    assert run["import"].returncode == 0, run["import"].stderr
    assert len(_cases(run["cases"])) == len(run["sent"])


def test_every_text_canary_and_attachment_comes_back_exactly(run):
    reports = {}
    for case in _cases(run["cases"]):
        report = json.loads((case / "report.json").read_text(encoding="utf-8"))
        reports[report["fields"]["description"]] = (case, report)
    for sample, files in run["sent"]:
        case, report = reports[sample.fields["description"]]
        assert sample.canary in report["fields"]["description"]
        assert report["fields"]["incident_types"] == sample.fields["incident_types"]
        assert [entry["filename"] for entry in report["attachments"]] == [name for name, _ in files]
        on_disk = sorted(
            hashlib.sha256(path.read_bytes()).hexdigest() for path in (case / "attachments").iterdir()
        ) if files else []
        assert on_disk == sorted(digest for _, digest in files)


def test_binary_canaries_survive_for_the_reviewer(run):
    found = set()
    for case in _cases(run["cases"]):
        attachments = case / "attachments"
        if attachments.exists():
            for path in attachments.iterdir():
                data = path.read_bytes()
                found |= {name for name, canary in BINARY_CANARIES.items() if canary in data}
                if run["canaries"]["big"] in data:
                    found.add("big")
    assert found == set(BINARY_CANARIES) | {"big"}


def _needles(run) -> list[bytes]:
    needles = [sample.canary.encode() for sample, _ in run["sent"]]
    needles += list(BINARY_CANARIES.values())
    needles += [run["canaries"]["big"], run["canaries"]["name"].encode()]
    needles += [run["canaries"][key].encode() for key in ("ua", "xff", "referer")]
    needles += [b"198.51.100.23", "grabación".encode()]
    return needles


def test_no_canary_in_anything_the_server_wrote(run):
    roots = [run["data_dir"], run["server_tmp"], run["logs"], run["bundle"].parent]
    hits = scan(roots, _needles(run))
    assert hits == []


def test_no_canary_in_system_temp_directories(run):
    pytest_root = Path(str(run["base"])).parents[1]
    hits = scan(SYSTEM_TEMP_DIRS, _needles(run), skip=[pytest_root], newer_than=run["started"])
    assert hits == []


def test_database_rows_hold_only_days_sizes_and_hashes(run):
    from sqlalchemy import create_engine, text

    engine = create_engine(run["database_url"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, CAST(received_on AS VARCHAR(40)), CAST(exported_on AS VARCHAR(40)) FROM submissions")
            ).all()
    finally:
        engine.dispose()
    assert len(rows) == len(run["sent"])
    for _id, received_on, exported_on in rows:
        assert len(received_on) == 10 and len(exported_on) == 10  # YYYY-MM-DD, no time of day
