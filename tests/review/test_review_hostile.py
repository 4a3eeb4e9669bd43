"""Hostile bundles the other review tests do not build: chunks reordered,
repeated or dropped inside an attachment, and attachments swapped between
submissions — each with an honest manifest (a hostile operator can rewrite
it: the manifest has no signature), so only the envelope can catch them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from keys import SecretKey
from keys.stream import SEALED_CHUNK_SIZE
from review.bundle import Bundle
from review.cases import import_bundle

from review_bundles import make_manifest, make_submission, write_bundle

DATA = 4 * 65532  # four full data chunks
assert SEALED_CHUNK_SIZE == 65553


def _chunks(envelope: bytes) -> tuple[bytes, list[bytes]]:
    header_size = len(envelope) - 4 * SEALED_CHUNK_SIZE
    body = envelope[header_size:]
    return envelope[:header_size], [body[i:i + SEALED_CHUNK_SIZE] for i in range(0, len(body), SEALED_CHUNK_SIZE)]


def _import(tmp_path: Path, key: SecretKey, good, bad) -> dict[str, str]:
    subs = [good, bad]
    bundle = write_bundle(tmp_path / "b.tar", make_manifest(subs, [key.public_key]), subs)
    with Bundle(bundle) as opened:
        summary = import_bundle(opened, [key], tmp_path / "out")
    return {result.submission_id: result.status for result in summary.results}


def _plaintext_anywhere(root: Path, secret: bytes) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and secret in path.read_bytes()]


@pytest.mark.parametrize("change", ["swap 1 and 2", "swap 0 and 3", "repeat 0 as 1", "drop 1, repeat 3", "final chunk first"])
def test_reordered_repeated_or_dropped_chunks_are_tampered(tmp_path, key, change):
    secret = b"CANARY-CHUNK-" + os.urandom(8).hex().encode()
    content = (secret + os.urandom(DATA))[:DATA]
    good = make_submission([key.public_key], attachments=[("ok.bin", b"fine")])
    bad = make_submission([key.public_key], attachments=[("video.mp4", content)])
    item = next(iter(bad.attachments))
    header, chunks = _chunks(bad.envelopes[item])
    assert len(chunks) == 4 and all(len(chunk) == SEALED_CHUNK_SIZE for chunk in chunks)
    order = {"swap 1 and 2": [0, 2, 1, 3], "swap 0 and 3": [3, 1, 2, 0], "repeat 0 as 1": [0, 0, 2, 3],
             "drop 1, repeat 3": [0, 2, 3, 3], "final chunk first": [3, 0, 1, 2]}[change]
    bad.envelopes[item] = header + b"".join(chunks[index] for index in order)

    statuses = _import(tmp_path, key, good, bad)

    assert statuses == {good.id: "imported", bad.id: "tampered"}
    out = tmp_path / "out"
    assert sorted(os.listdir(out / "_failed")) == [bad.id]
    assert json.loads((out / "_failed" / bad.id / "status.json").read_text())["status"] == "tampered"
    assert _plaintext_anywhere(out, secret) == []  # nothing of the bad attachment was left in clear


def test_attachments_swapped_between_submissions_fail_both(tmp_path, key):
    one = make_submission([key.public_key], attachments=[("a.bin", b"A" * 5000)])
    two = make_submission([key.public_key], attachments=[("b.bin", b"B" * 7000)])
    item_one, item_two = next(iter(one.attachments)), next(iter(two.attachments))
    one.envelopes[item_one], two.envelopes[item_two] = two.envelopes[item_two], one.envelopes[item_one]

    statuses = _import(tmp_path, key, one, two)

    assert statuses == {one.id: "attachment hash mismatch", two.id: "attachment hash mismatch"}
    assert sorted(os.listdir(tmp_path / "out")) == ["_failed"]
