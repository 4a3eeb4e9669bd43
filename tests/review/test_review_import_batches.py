"""review.cases.import_bundle over several batches: order, durability, and no plaintext left on failure.

The import decrypts one batch while the previous one is made durable,
renamed and indexed; these tests use batches of 3 so that a small bundle
crosses several of them, and run each test with worker threads and with
worker processes (review.importpool).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from keys import XWingSecretKey
from review import cases, decrypt, fsutil, importpool
from review.bundle import Bundle
from review.cases import import_bundle
from review.workspace.query import Filters, list_cases

from review_bundles import canary, canary_bundle, honest_bundle


@pytest.fixture(scope="module")
def key() -> XWingSecretKey:
    return XWingSecretKey.generate("Ana")


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(cases, "BATCH_COUNT", 3)


@pytest.fixture(autouse=True, params=["threads", "processes"])
def staging(request, monkeypatch):
    monkeypatch.setattr(importpool, "PROCESS_MIN", 1 if request.param == "processes" else 10_000)
    monkeypatch.setattr(importpool, "cpus", lambda: 2)
    return request.param


def plaintext_files(out: Path) -> bytes:
    return b"\n".join(path.read_bytes() for path in out.rglob("*")
                      if path.is_file() and "_workspace" not in path.parts)


def test_results_keep_manifest_order_across_batches_and_every_case_is_indexed(tmp_path, key):
    path, subs = canary_bundle(tmp_path, key, 8)
    broken = subs[4]  # second batch
    envelope = bytearray(broken.envelopes[broken.report_item])
    envelope[-1000] ^= 1  # inside the last chunk (the signature is the last 64 bytes)
    broken.envelopes[broken.report_item] = bytes(envelope)
    path = honest_bundle(tmp_path / "b.tar", subs, [key.public_key])
    seen = []
    with Bundle(path) as bundle:
        summary = import_bundle(bundle, [key], tmp_path / "out", on_result=seen.append)

    assert [r.submission_id for r in summary.results] == [s.id for s in subs]
    assert [r.submission_id for r in seen] == [s.id for s in subs]
    assert [r.status for r in summary.results] == ["imported"] * 4 + ["tampered"] + ["imported"] * 3
    listing = list_cases(tmp_path / "out", Filters(sort="oldest"), limit=None)
    assert sorted(row.submission_id for row in listing.rows) == sorted(s.id for s in subs if s is not broken)
    assert listing.total == 7


def test_a_failing_sync_leaves_no_plaintext_of_the_batch_being_decrypted(tmp_path, key, monkeypatch):
    path, _ = canary_bundle(tmp_path, key, 9)

    def failing(root):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(fsutil, "sync_filesystem", failing)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        with Bundle(path) as bundle:
            import_bundle(bundle, [key], out)
    assert [name for name in os.listdir(out) if name.startswith(".incoming-")] == []
    assert b"CANARY-" not in plaintext_files(out)


def test_a_full_disk_in_a_later_batch_keeps_earlier_cases_and_no_temporary_plaintext(tmp_path, key, monkeypatch):
    path, subs = canary_bundle(tmp_path, key, 9)
    real = decrypt.fsutil.write_at

    def failing(dir_fd, name, data):
        if canary(7).encode() in data:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(dir_fd, name, data)

    monkeypatch.setattr(decrypt.fsutil, "write_at", failing)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        with Bundle(path) as bundle:
            import_bundle(bundle, [key], out)
    assert [name for name in os.listdir(out) if name.startswith(".incoming-")] == []
    found = plaintext_files(out)
    assert [canary(i).encode() in found for i in range(9)] == [True] * 6 + [False] * 3
    monkeypatch.setattr(decrypt.fsutil, "write_at", real)
    with Bundle(path) as bundle:
        summary = import_bundle(bundle, [key], out)
    assert [r.status for r in summary.results] == ["already imported"] * 6 + ["imported"] * 3
