"""A real installation for tests that run gunicorn: set up, export, import, check.

:func:`install` does what an operator does (``resguardo init``, ``reviewer
add``) in a fresh directory, on SQLite or PostgreSQL. :func:`check_outcome`
is the verdict the fault and load tests share: what the server holds is
exactly what reporters were told was received, it all decrypts, no
plaintext is anywhere, and ``resguardo tick`` removes exactly the
leftovers of interrupted uploads (pending blobs) once they have expired.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

import keys
from intake.models import Blob, Submission, UploadSession
from intake.storage import current_tick
from tests.support import databases
from tests.support.canary import scan
from tests.support.live import BIN, resguardo

AGED = 2  # ticks (hours): how far back leftovers are dated before `resguardo tick` (expiry 1 hour)


@dataclass
class Installation:
    """A data directory and database as ``resguardo init`` leaves them."""

    base: Path
    data_dir: Path
    server_tmp: Path
    logs: Path
    env: dict[str, str]
    database_url: str
    backend: str
    request: object  # the pytest request that made it (for the database server)

    def database_files(self) -> list[Path]:
        """Where the database keeps its data, written out now (see databases.py)."""
        return databases.database_files(self.request, self.backend)

    def blobs(self) -> dict[str, bool]:
        """``{blob id: complete}`` straight from the database."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return dict(connection.execute(select(Blob.id, Blob.complete)).all())
        finally:
            engine.dispose()

    def age_pending(self, ticks: int = AGED) -> None:
        """Date every pending blob and upload session ``ticks`` hours back (as if abandoned)."""
        engine = create_engine(self.database_url)
        try:
            with engine.begin() as connection:
                connection.execute(update(Blob).where(Blob.complete.is_(False)).values(tick=current_tick() - ticks))
                connection.execute(update(UploadSession).values(tick=current_tick() - ticks))
        finally:
            engine.dispose()

    def rows(self) -> dict[str, list[str]]:
        """``{submission id: [item ids]}`` straight from the database."""
        engine = create_engine(self.database_url)
        try:
            with Session(engine) as session:
                return {
                    row.id: [item.id for item in row.items]
                    for row in session.scalars(select(Submission)).all()
                }
        finally:
            engine.dispose()

    def export(self, out: Path, *, include_exported: bool = False) -> Path | None:
        """``resguardo export``; the bundle's path, or None if nothing was new."""
        args = ["export", "--out", str(out)] + (["--include-exported"] if include_exported else [])
        stdout = resguardo(args, self.env).stdout
        return Path(stdout.split("bundle: ")[1].split()[0]) if "bundle: " in stdout else None

    def leftovers(self) -> list[str]:
        """Ids of blobs that no item row names (pending ones, of interrupted uploads)."""
        named = {item for items in self.rows().values() for item in items}
        return sorted(blob_id for blob_id in self.blobs() if blob_id not in named)


def install(request, base: Path, backend: str, reviewer, database_url: str | None = None) -> Installation:
    """A fresh installation under ``base`` on ``backend`` with ``reviewer``'s key registered.

    ``database_url`` names an existing empty PostgreSQL database to use
    (e.g. a replicated one) instead of a new one on the session's server.
    """
    data_dir = base / "data"
    server_tmp = base / "server-tmp"
    server_tmp.mkdir(parents=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "RESGUARDO_DATA_DIR": str(data_dir),
        "TMPDIR": str(server_tmp),
        "LANG": "C.UTF-8",
    }
    database_url = database_url or databases.fresh_database_url(request, backend, data_dir)
    if backend != "sqlite":
        env["RESGUARDO_DATABASE_URL"] = database_url
    resguardo(["init"], env)
    resguardo(["reviewer", "add", str(reviewer.public_file)], env)
    return Installation(base, data_dir, server_tmp, base / "logs", env, database_url, backend, request)


def read_bundle(bundle: Path, identity: keys.SecretKey) -> list[tuple[str, dict, list[bytes]]]:
    """Decrypt a bundle in-process: ``[(submission id, report JSON, [attachment bytes])]``."""
    opened = []
    with tarfile.open(bundle) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        for submission in manifest["submissions"]:
            report, files = None, []
            for item in submission["items"]:
                data = tar.extractfile(f"items/{item['id']}").read()
                plain = b"".join(keys.EnvelopeReader(io.BytesIO(data), [identity]))
                if item["kind"] == "report":
                    report = json.loads(plain)
                else:
                    files.append(plain)
            opened.append((submission["id"], report, files))
    return opened


def import_cases(bundle: Path, reviewer, out: Path) -> dict[str, dict]:
    """``review import`` (the real CLI); ``{description: report JSON}`` of the case folders.

    :raises AssertionError: if the import does not exit 0.
    """
    result = subprocess.run(
        [str(BIN / "review"), "import", str(bundle), "--key", str(reviewer.secret_file), "--out", str(out)],
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "RESGUARDO_PASSPHRASE": reviewer.passphrase,
             "RESGUARDO_TEST_ONLY_PASSPHRASE_FROM_ENV": "1", "TMPDIR": str(out.parent)},
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    cases = {}
    for case in sorted(out.iterdir()):
        if case.is_dir() and not case.name.startswith(("_", ".")):
            report = json.loads((case / "report.json").read_text(encoding="utf-8"))
            attachments = case / "attachments"
            report["_files"] = sorted(
                hashlib.sha256(path.read_bytes()).hexdigest() for path in attachments.iterdir()
            ) if attachments.exists() else []
            cases[report["fields"]["description"]] = report
    return cases


def check_outcome(site: Installation, reviewer, acknowledged: dict[str, list[str]], needles: list[bytes]) -> int:
    """The shared verdict after faults; returns how many leftovers the tick removed.

    ``acknowledged`` maps each description that got its 200 receipt page to the SHA-256s of
    its attachments; ``needles`` must occur in no byte the server wrote
    (e.g. the prefix every canary of the run shares, acknowledged or not).
    Raises AssertionError on the first difference.
    """
    rows = site.rows()
    assert len(rows) == len(acknowledged)

    usb = site.base / "usb"
    bundle = site.export(usb)
    assert bundle is not None
    cases = import_cases(bundle, reviewer, site.base / "cases")
    assert sorted(cases) == sorted(acknowledged)
    for description, digests in acknowledged.items():
        assert cases[description]["_files"] == sorted(digests)

    roots = [site.data_dir, site.server_tmp, site.logs, usb, *site.database_files()]
    assert scan(roots, needles) == []

    leftovers = site.leftovers()
    assert all(not complete for blob_id, complete in site.blobs().items() if blob_id in leftovers)
    fresh = resguardo(["tick"], site.env)
    assert fresh.stdout.startswith("expired 0 unfinished uploads")  # not before they are an hour idle
    site.age_pending()
    cleaned = resguardo(["tick"], site.env)
    assert cleaned.stdout.startswith(f"expired {len(leftovers)} unfinished uploads")
    named = sorted(item for items in rows.values() for item in items)
    assert sorted(site.blobs()) == named and all(site.blobs().values())

    again = site.export(site.base / "usb-again", include_exported=True)
    assert sorted(report["fields"]["description"] for _id, report, _files in read_bundle(again, reviewer.secret)) == sorted(acknowledged)
    return len(leftovers)
