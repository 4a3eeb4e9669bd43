"""Attachment hashes: "sha256" (server-sealed) or "blake2b_256" (browser-sealed), whichever is present."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from keys import SecretKey
from review.bundle import Bundle
from review.cases import import_bundle

from review_bundles import make_manifest, make_submission, write_bundle


def _browser_sealed(key: SecretKey, data: bytes, edit) -> object:
    """A submission whose one attachment entry carries hashes as ``edit`` sets them."""
    sub = make_submission([key.public_key], attachments=[("foto.jpg", data)])
    sub.report["sealed_by"] = "browser"
    entry = sub.report["attachments"][0]
    del entry["sha256"]
    edit(entry)
    return sub.seal_all([key.public_key])


def _import(tmp_path: Path, key: SecretKey, sub):
    path = write_bundle(tmp_path / "b.tar", make_manifest([sub], [key.public_key]), [sub])
    with Bundle(path) as bundle:
        (result,) = import_bundle(bundle, [key], tmp_path / "out").results
    return result


def _blake(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=32).hexdigest()


def test_blake2b_256_alone_is_verified_and_the_file_imports(tmp_path, key):
    data = os.urandom(150_000)
    sub = _browser_sealed(key, data, lambda e: e.update(blake2b_256=_blake(data)))
    result = _import(tmp_path, key, sub)
    assert result.status == "imported"
    assert (result.case_dir / "attachments" / "foto.jpg").read_bytes() == data


def test_a_wrong_blake2b_256_is_an_attachment_mismatch(tmp_path, key):
    data = os.urandom(1000)
    sub = _browser_sealed(key, data, lambda e: e.update(blake2b_256=_blake(data + b"x")))
    result = _import(tmp_path, key, sub)
    assert result.status == "attachment hash mismatch"
    assert result.item_id == sub.report["attachments"][0]["item_id"]
    assert result.case_dir is None


def test_both_hashes_present_are_both_checked(tmp_path, key):
    data = os.urandom(1000)
    sub = _browser_sealed(
        key, data, lambda e: e.update(sha256=hashlib.sha256(data).hexdigest(), blake2b_256=_blake(b"other")))
    assert _import(tmp_path, key, sub).status == "attachment hash mismatch"


@pytest.mark.parametrize("edit", [lambda e: None, lambda e: e.update(blake2b_256="ab" * 31)])
def test_an_entry_without_a_valid_hash_is_an_invalid_report(tmp_path, key, edit):
    sub = _browser_sealed(key, b"data", edit)
    assert _import(tmp_path, key, sub).status == "invalid report"
