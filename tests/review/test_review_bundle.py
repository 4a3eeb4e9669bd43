"""review.bundle: hostile or malformed archives are refused before any decryption."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from keys import SecretKey
from review.bundle import Bundle, parse_manifest
from review.errors import BundleError, BundleVersionError, ManifestMismatchError, MissingItemError

from review_bundles import make_manifest, make_submission, regular, write_bundle


@pytest.fixture(scope="module")
def key() -> SecretKey:
    return SecretKey.generate()


@pytest.fixture(scope="module")
def sub(key):
    return make_submission([key.public_key], attachments=[("a.txt", b"hola")])


def _member(name: str, kind: bytes, **attrs) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    for attr, value in attrs.items():
        setattr(info, attr, value)
    return info, b""


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (_member("items/" + "a" * 32, tarfile.SYMTYPE, linkname="/etc/passwd"), "link member"),
        (_member("items/" + "b" * 32, tarfile.LNKTYPE, linkname="manifest.json"), "link member"),
        (_member("items/" + "c" * 32, tarfile.CHRTYPE, devmajor=1, devminor=3), "device member"),
        (_member("items/" + "d" * 32, tarfile.FIFOTYPE), "device member"),
        (_member("items", tarfile.DIRTYPE), "directory member"),
        (regular("/etc/cron.d/evil", b"x"), "absolute name"),
        (regular("../evil", b"x"), "parent path"),
        (regular("items/../../evil", b"x"), "parent path"),
        (regular("README", b"x"), "unknown member"),
        (regular("items/NOT-HEX", b"x"), "unknown member"),
        (regular("manifest.json", b"{}"), "duplicate member"),
    ],
)
def test_hostile_members_reject_the_whole_bundle(tmp_path, key, sub, extra, reason):
    path = write_bundle(tmp_path / "b.tar", make_manifest([sub], [key.public_key]), [sub], extra=[extra])
    with pytest.raises(BundleError) as raised:
        Bundle(path)
    assert raised.value.reason == reason
    assert raised.value.member == extra[0].name


def test_duplicate_item_member(tmp_path, key, sub):
    item_id, envelope = next(iter(sub.envelopes.items()))
    path = write_bundle(tmp_path / "b.tar", make_manifest([sub], [key.public_key]), [sub],
                        extra=[regular(f"items/{item_id}", envelope)])
    with pytest.raises(BundleError) as raised:
        Bundle(path)
    assert (raised.value.reason, raised.value.member) == ("duplicate member", f"items/{item_id}")


def test_not_a_tar(tmp_path):
    path = tmp_path / "b.tar"
    path.write_bytes(b"this is not an archive" * 100)
    with pytest.raises(BundleError) as raised:
        Bundle(path)
    assert raised.value.reason == "not a tar"


def test_compressed_tar_is_refused(tmp_path):
    path = tmp_path / "b.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info, data = regular("manifest.json", b"{}")
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BundleError) as raised:
        Bundle(path)
    assert raised.value.reason == "not a tar"


def test_no_manifest(tmp_path, key, sub):
    path = tmp_path / "b.tar"
    with tarfile.open(path, "w") as tar:
        info, data = regular("items/" + "e" * 32, b"x")
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BundleError) as raised:
        Bundle(path)
    assert raised.value.reason == "no manifest"


def test_manifest_that_lies_about_size_and_hash(tmp_path, key, sub):
    manifest = make_manifest([sub], [key.public_key])
    items = manifest["submissions"][0]["items"]
    items[0]["size"] += 1
    items[1]["sha256"] = "f" * 64
    path = write_bundle(tmp_path / "b.tar", manifest, [sub])
    with Bundle(path) as bundle:
        report, attachment = bundle.manifest.submissions[0].items
        with pytest.raises(ManifestMismatchError) as raised:
            bundle.verify_item(report)
        assert raised.value.item_id == report.id
        with pytest.raises(ManifestMismatchError) as raised:
            bundle.verify_item(attachment)
        assert raised.value.item_id == attachment.id


def test_missing_item(tmp_path, key, sub):
    path = write_bundle(tmp_path / "b.tar", make_manifest([sub], [key.public_key]), [sub],
                        skip=[sub.report_item])
    with Bundle(path) as bundle:
        with pytest.raises(MissingItemError):
            bundle.verify_item(bundle.manifest.submissions[0].report)


def test_cut_short_archive_is_a_mismatch_for_the_last_item(tmp_path, key, sub):
    path = write_bundle(tmp_path / "b.tar", make_manifest([sub], [key.public_key]), [sub])
    with tarfile.open(path) as tar:
        last_member = tar.getmembers()[-1]
    with open(path, "r+b") as handle:  # cut inside the last item's data
        handle.truncate(last_member.offset_data + last_member.size - 1000)
    with Bundle(path) as bundle:
        assert bundle.cut_short is True
        last = bundle.manifest.submissions[0].items[-1]
        assert bundle.item_complete(last.id) is False
        with pytest.raises(ManifestMismatchError):
            bundle.verify_item(last)


def _manifest(**changes) -> bytes:
    base = {"format": "resguardo-bundle", "version": 1, "bundle_id": "c0ffee00112233445566778899aabbcc",
            "created_on": "2026-11-29", "recipients": [], "submissions": []}
    base.update(changes)
    return json.dumps(base).encode()


def test_manifest_versions():
    assert parse_manifest(_manifest()).bundle_id == "c0ffee00112233445566778899aabbcc"
    with pytest.raises(BundleVersionError):
        parse_manifest(_manifest(version=2))
    with pytest.raises(BundleError) as raised:
        parse_manifest(_manifest(format="something-else"))
    assert raised.value.reason == "invalid manifest"


GOOD_ITEM = {"id": "1" * 32, "kind": "report", "size": 10, "sha256": "a" * 64}


@pytest.mark.parametrize(
    "submissions",
    [
        [{"id": "2" * 32, "received_on": "2026-02-30", "items": [GOOD_ITEM]}],
        [{"id": "2" * 32, "received_on": "../../x", "items": [GOOD_ITEM]}],
        [{"id": "../" + "2" * 29, "received_on": "2026-11-29", "items": [GOOD_ITEM]}],
        [{"id": "2" * 32, "received_on": "2026-11-29", "items": []}],
        [{"id": "2" * 32, "received_on": "2026-11-29", "items": [GOOD_ITEM, GOOD_ITEM]}],
        [{"id": "2" * 32, "received_on": "2026-11-29", "items": [dict(GOOD_ITEM, size=True)]}],
        [{"id": "2" * 32, "received_on": "2026-11-29", "items": [dict(GOOD_ITEM, kind="script")]}],
        [{"id": "2" * 32, "received_on": "2026-11-29", "items": [GOOD_ITEM]},
         {"id": "2" * 32, "received_on": "2026-11-29", "items": [dict(GOOD_ITEM, id="3" * 32)]}],
        "not a list",
    ],
)
def test_malformed_manifests(submissions):
    with pytest.raises(BundleError) as raised:
        parse_manifest(_manifest(submissions=submissions))
    assert raised.value.reason == "invalid manifest"


def test_manifest_not_json():
    with pytest.raises(BundleError) as raised:
        parse_manifest(b"\xff\xfe")
    assert raised.value.reason == "invalid manifest"
