"""PostgreSQL for more than one machine: a synchronous standby, promotion, and physical backups.

The app's database URL names both servers (libpq multi-host with
``target_session_attrs=read-write``, docs/SCALING.md). A report the server
answered "received" must still be there after the primary is killed
(SIGKILL, all its processes) right after the answer and the standby is
promoted by hand: the runbook of a two-machine NGO. A base backup
(``pg_basebackup``) restored as a new cluster must hold every blob with the
same SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
import time

import pytest
import requests
from sqlalchemy import create_engine, select

from intake.models import Blob, Item
from intake.storage import BlobStore
from tests.support.figures import record
from tests.support.live import serve
from tests.support.replication import PgNode, multi_host_url
from tests.support.site import import_cases, install
from tests.support.submit import submit_report

pytestmark = [pytest.mark.live, pytest.mark.slow]


def _fields(description: str) -> dict[str, object]:
    return {"description": description, "incident_types": ["threats"], "region": "withheld"}


def wait_sync(primary: PgNode, timeout: float = 30) -> None:
    """Wait until a standby streams from ``primary`` as a synchronous one."""
    deadline = time.monotonic() + timeout
    while primary.psql("postgres", "SELECT string_agg(sync_state, ',') FROM pg_stat_replication") != "sync":
        if time.monotonic() > deadline:
            raise TimeoutError("no synchronous standby")
        time.sleep(0.2)


def blob_digests(url: str) -> dict[str, str]:
    """``{blob id: SHA-256 of its chunks}`` of every complete blob, read as the export reads them."""
    engine = create_engine(url)
    try:
        store = BlobStore(engine)
        digests = {}
        for blob_id in store.stored_ids():
            digest = hashlib.sha256()
            with store.open(blob_id) as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            digests[blob_id] = digest.hexdigest()
        return digests
    finally:
        engine.dispose()


@pytest.fixture
def primary():
    node = PgNode.primary()
    yield node
    node.stop()


def test_a_received_report_survives_killing_the_primary_and_promoting_the_standby(request, tmp_path, reviewer, primary):
    standby = primary.standby()
    wait_sync(primary)
    site = install(request, tmp_path, "postgresql", reviewer, multi_host_url([primary, standby]))
    content = secrets.token_bytes(300_000)
    with serve(site.env, site.logs, workers=1) as server:
        answer = submit_report(requests.Session(), server.url, _fields("antes de la caída"),
                               [("prueba.bin", content, "application/octet-stream")])
        assert answer.status_code == 200
        primary.kill()  # right after "received": no shutdown, no checkpoint
        started = time.monotonic()
        standby.promote()
        promoted = time.monotonic() - started
        after = submit_report(requests.Session(), server.url, _fields("después de la promoción"))
        assert after.status_code == 200  # the same app server, now writing to the promoted standby
    record(f"scale: synchronous standby promoted by hand in {promoted:.1f} s after SIGKILL of the primary; "
           f"the acknowledged report and the next one are both stored")

    cases = import_cases(site.export(tmp_path / "usb"), reviewer, tmp_path / "cases")
    assert sorted(cases) == ["antes de la caída", "después de la promoción"]
    assert cases["antes de la caída"]["_files"] == [hashlib.sha256(content).hexdigest()]


def test_a_base_backup_restored_as_a_new_cluster_has_every_blob_intact(request, tmp_path, reviewer):
    primary = PgNode.primary(synchronous=False)
    restored = None
    try:
        site = install(request, tmp_path, "postgresql", reviewer, primary.url())
        with serve(site.env, site.logs, workers=1) as server:
            for index, size in enumerate((0, 70_000, 3_000_000)):
                files = [(f"f{index}.bin", secrets.token_bytes(size), "application/octet-stream")] if size else []
                assert submit_report(requests.Session(), server.url, _fields(f"copia {index}"), files).status_code == 200
        before = blob_digests(primary.url())
        restored = primary.base_backup()
        primary.stop()  # the old machine is gone
        restored.start()
        after = blob_digests(restored.url())
        engine = create_engine(restored.url())
        with engine.connect() as connection:
            rows = dict(connection.execute(select(Item.id, Item.sha256)).all())
            complete = connection.execute(select(Blob.id).where(Blob.complete.is_(True))).scalars().all()
        engine.dispose()
    finally:
        primary.stop()
        if restored:
            restored.stop()
    assert len(before) == 5  # three reports, two attachments
    assert after == before
    assert rows == after and sorted(complete) == sorted(after)
