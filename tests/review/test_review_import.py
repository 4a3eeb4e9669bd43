"""review.cases.import_bundle: exact recovery, idempotence, per-item statuses, safety."""

from __future__ import annotations

import gc

import hashlib
import json
import os
import tarfile
import tracemalloc
from pathlib import Path

import pytest

from review.bundle import Bundle
from review.cases import import_bundle
from review.names import MAX_NAME_BYTES, assign_names

from review_bundles import corrupt_bundle, honest_bundle, make_manifest, make_submission, new_id, seal, write_bundle


def run(bundle_path: Path, identities, out: Path):
    with Bundle(bundle_path) as bundle:
        return import_bundle(bundle, identities, out)


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def listing(root: Path) -> list[str]:
    """The output folder's entries, less the workspace's index folder."""
    return sorted(name for name in os.listdir(root) if name != "_workspace")


def test_full_import_recovers_exact_json_and_bytes(tmp_path, key):
    photo = os.urandom(200_000)
    pdf = os.urandom(70_000)
    sub = make_submission([key.public_key], attachments=[("foto.jpg", photo), ("acta.pdf", pdf)])
    empty = make_submission([key.public_key], received_on="2026-11-28")
    bundle = honest_bundle(tmp_path / "b.tar", [sub, empty], [key.public_key])

    summary = run(bundle, [key], tmp_path / "out")

    assert [(r.submission_id, r.status) for r in summary.results] == [
        (sub.id, "imported"), (empty.id, "imported")]
    case = tmp_path / "out" / f"2026-11-29_{sub.id[:8]}"
    assert json.loads((case / "report.json").read_text("utf-8")) == sub.report
    assert (case / "attachments" / "foto.jpg").read_bytes() == photo
    assert (case / "attachments" / "acta.pdf").read_bytes() == pdf
    assert (case / "report.txt").is_file()
    assert listing(tmp_path / "out") == sorted(
        [f"2026-11-29_{sub.id[:8]}", f"2026-11-28_{empty.id[:8]}"])
    assert (case / "report.json").stat().st_mode & 0o777 == 0o600
    assert case.stat().st_mode & 0o777 == 0o700


def test_second_run_imports_nothing_new_and_duplicates_nothing(tmp_path, key):
    sub = make_submission([key.public_key], attachments=[("a.txt", b"hola")])
    bundle = honest_bundle(tmp_path / "b.tar", [sub], [key.public_key])
    first = run(bundle, [key], tmp_path / "out")
    before = tree(tmp_path / "out")
    second = run(bundle, [key], tmp_path / "out")
    assert [r.status for r in first.results] == ["imported"]
    assert [r.status for r in second.results] == ["already imported"]
    assert second.count("imported") == 0 and second.count("already imported") == 1
    assert tree(tmp_path / "out") == before


def test_each_corruption_has_its_own_status_and_the_rest_import(tmp_path, key, other_key):
    path, subs = corrupt_bundle(tmp_path, key, other_key)
    out = tmp_path / "out"
    summary = run(path, [key], out)

    statuses = {r.submission_id: r.status for r in summary.results}
    expected = {sub.id: ("imported" if name.startswith("good") else name) for name, sub in subs.items()}
    assert statuses == expected

    good = [subs["good1"], subs["good2"]]
    assert listing(out) == sorted(
        ["_failed"] + [f"2026-11-29_{s.id[:8]}" for s in good])
    assert (out / f"2026-11-29_{subs['good2'].id[:8]}" / "attachments" / "dos.bin").read_bytes() == b"2" * 2000

    failed = {name: sub for name, sub in subs.items() if not name.startswith("good")}
    assert sorted(os.listdir(out / "_failed")) == sorted(sub.id for sub in failed.values())
    for name, sub in failed.items():
        folder = out / "_failed" / sub.id
        assert json.loads((folder / "status.json").read_text())["status"] == name
        with tarfile.open(folder / "bundle.tar") as tar:
            kept = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
        expected_items = {f"items/{i}": env for i, env in sub.envelopes.items()}
        if name == "missing item":
            expected_items.pop(f"items/{next(iter(sub.attachments))}")
        assert {k: v for k, v in kept.items() if k != "manifest.json"} == expected_items
        assert [s["id"] for s in json.loads(kept["manifest.json"])["submissions"]] == [sub.id]


def test_failed_run_is_stable_on_rerun(tmp_path, key, other_key):
    path, subs = corrupt_bundle(tmp_path, key, other_key)
    out = tmp_path / "out"
    run(path, [key], out)
    before = tree(out)
    again = run(path, [key], out)
    assert again.count("already imported") == 2
    assert len(again.failed) == len(subs) - 2
    assert tree(out) == before


def test_failed_submission_retries_with_the_right_key(tmp_path, key, other_key):
    mine = make_submission([key.public_key])
    theirs = make_submission([other_key.public_key], attachments=[("x.bin", b"xyz")])
    path = honest_bundle(tmp_path / "b.tar", [mine, theirs], [key.public_key])
    out = tmp_path / "out"
    assert [r.status for r in run(path, [key], out).results] == ["imported", "no matching key"]
    retry = run(out / "_failed" / theirs.id / "bundle.tar", [other_key], out)
    assert [r.status for r in retry.results] == ["imported"]
    case = out / f"2026-11-29_{theirs.id[:8]}"
    assert (case / "attachments" / "x.bin").read_bytes() == b"xyz"
    assert os.listdir(out / "_failed") == []  # imported now: no longer listed as failed


def test_no_partial_plaintext_when_a_late_attachment_fails(tmp_path, key):
    sub = make_submission([key.public_key], attachments=[("ok.bin", b"fine"), ("late.bin", os.urandom(200_000))])
    late = list(sub.attachments)[1]
    sub.envelopes[late] = sub.envelopes[late][:-10]
    path = honest_bundle(tmp_path / "b.tar", [sub], [key.public_key])
    out = tmp_path / "out"
    assert [r.status for r in run(path, [key], out).results] == ["truncated"]
    assert sorted(os.listdir(out)) == ["_failed"]
    assert tree(out / "_failed") == [sub.id, f"{sub.id}/bundle.tar", f"{sub.id}/status.json"]


def test_stale_incoming_folder_is_replaced(tmp_path, key):
    sub = make_submission([key.public_key])
    path = honest_bundle(tmp_path / "b.tar", [sub], [key.public_key])
    out = tmp_path / "out"
    (out / f".incoming-{sub.id}").mkdir(parents=True)
    (out / f".incoming-{sub.id}" / "report.json").write_text("half")
    assert [r.status for r in run(path, [key], out).results] == ["imported"]
    assert listing(out) == [f"2026-11-29_{sub.id[:8]}"]


def test_report_for_another_submission_is_a_manifest_mismatch(tmp_path, key):
    a = make_submission([key.public_key])
    b = make_submission([key.public_key])
    a.envelopes[a.report_item] = b.envelopes[b.report_item]  # swapped by a hostile server
    path = honest_bundle(tmp_path / "b.tar", [a], [key.public_key])
    assert [r.status for r in run(path, [key], tmp_path / "out").results] == ["manifest mismatch"]


def test_invalid_report_json(tmp_path, key):
    sub = make_submission([key.public_key])
    sub.envelopes[sub.report_item] = seal(b"\xef\xbb\xbf{}", [key.public_key])
    path = honest_bundle(tmp_path / "b.tar", [sub], [key.public_key])
    assert [r.status for r in run(path, [key], tmp_path / "out").results] == ["invalid report"]


HOSTILE = [
    "Фотография доказательство.jpg",
    "证据照片.png",
    "صورة الدليل.jpg",
    "e\u0301vidence.txt",        # NFD
    "\u00e9vidence.txt",         # NFC of the same: a collision
    "x" * 300 + ".pdf",
    "..",
    "../../etc/passwd",
    "a/b",
    "nul\x00byte.txt",
    "CON",
    "/absolute/path.txt",
    "foto\u202egpj.exe",
]


def test_hostile_filenames_stay_inside_outdir(tmp_path, key):
    attachments = [(name, f"content {i}".encode()) for i, name in enumerate(HOSTILE)]
    sub = make_submission([key.public_key], attachments=attachments)
    path = honest_bundle(tmp_path / "b.tar", [sub], [key.public_key])
    out = tmp_path / "out"
    assert [r.status for r in run(path, [key], out).results] == ["imported"]

    folder = (out / f"2026-11-29_{sub.id[:8]}" / "attachments").resolve()
    names = assign_names(HOSTILE)
    assert sorted(os.listdir(folder)) == sorted(names)
    for name, (_, data) in zip(names, attachments):
        path = folder / name
        assert path.resolve().parent == folder
        assert not path.is_symlink()
        assert path.read_bytes() == data
        assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert names[3] == "\u00e9vidence.txt" and names[4] == "\u00e9vidence (2).txt"
    assert names[6:11] == ["attachment", "____etc_passwd", "a_b", "nul_byte.txt", "_CON"]
    assert not (tmp_path / "etc").exists()
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))


def test_large_attachment_is_streamed_not_loaded(tmp_path, key):
    data = os.urandom(8 * 1024 * 1024)
    sub = make_submission([key.public_key], attachments=[("video.mp4", data)])
    path = honest_bundle(tmp_path / "b.tar", [sub], [key.public_key])
    digest = hashlib.sha256(data).hexdigest()
    del data, sub
    gc.collect()  # garbage of earlier tests must not be collected (and counted) in here
    tracemalloc.start()
    try:
        summary = run(path, [key], tmp_path / "out")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.status for r in summary.results] == ["imported"]
    assert peak < 2 * 1024 * 1024  # the attachment is 8 MiB
    (case,) = [path for path in (tmp_path / "out").iterdir() if path.name != "_workspace"]
    assert hashlib.sha256((case / "attachments" / "video.mp4").read_bytes()).hexdigest() == digest


def test_case_folder_name_taken_by_another_submission(tmp_path, key):
    sub = make_submission([key.public_key])
    out = tmp_path / "out"
    (out / f"2026-11-29_{sub.id[:8]}").mkdir(parents=True)
    path = honest_bundle(tmp_path / "b.tar", [sub], [key.public_key])
    result = run(path, [key], out).results[0]
    assert (result.status, result.case_dir.name) == ("imported", f"2026-11-29_{sub.id}")
    assert [r.status for r in run(path, [key], out).results] == ["already imported"]


def test_unlisted_item_is_reported_not_imported(tmp_path, key):
    sub = make_submission([key.public_key])
    stray = make_submission([key.public_key])
    manifest = make_manifest([sub], [key.public_key])
    path = write_bundle(tmp_path / "b.tar", manifest, [sub, stray])
    summary = run(path, [key], tmp_path / "out")
    assert summary.unlisted == (stray.report_item,)
    assert [r.status for r in summary.results] == ["imported"]


def test_not_addressed_to_key_is_flagged(tmp_path, key, other_key):
    sub = make_submission([key.public_key])
    path = honest_bundle(tmp_path / "b.tar", [sub], [other_key.public_key])
    assert run(path, [key], tmp_path / "out").addressed_to_key is False
    assert new_id() != new_id()


def test_symlinks_planted_in_outdir_are_never_followed(tmp_path, key, other_key):
    outside = tmp_path / "outside"
    outside.mkdir()
    good = make_submission([key.public_key])
    theirs = make_submission([other_key.public_key])
    out = tmp_path / "out"
    out.mkdir()
    (out / f"2026-11-29_{good.id[:8]}").symlink_to(outside, target_is_directory=True)
    (out / f".incoming-{good.id}").symlink_to(outside, target_is_directory=True)
    path = honest_bundle(tmp_path / "b.tar", [good], [key.public_key])
    result = run(path, [key], out).results[0]
    assert (result.status, result.case_dir.name) == ("imported", f"2026-11-29_{good.id}")
    assert os.listdir(outside) == []

    (out / "_failed").symlink_to(outside, target_is_directory=True)
    mine = make_submission([key.public_key])
    path = honest_bundle(tmp_path / "c.tar", [mine, theirs], [key.public_key])
    with pytest.raises(NotADirectoryError):
        run(path, [key], out)
    assert os.listdir(outside) == []


def test_a_full_disk_mid_batch_leaves_no_temporary_plaintext(tmp_path, key, monkeypatch):
    import errno as _errno

    from review import decrypt

    subs = [make_submission([key.public_key], fields={"description": f"CANARY-DISK-{i}"}) for i in range(12)]
    path = honest_bundle(tmp_path / "b.tar", subs, [key.public_key])
    calls = []
    real = decrypt.fsutil.write_at

    def failing(dir_fd, name, data):
        calls.append(name)
        if len(calls) == 9:
            raise OSError(_errno.ENOSPC, "No space left on device")
        return real(dir_fd, name, data)

    monkeypatch.setattr(decrypt.fsutil, "write_at", failing)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        run(path, [key], out)
    assert [name for name in os.listdir(out) if name.startswith(".incoming-")] == []
    assert not any(b"CANARY-DISK" in p.read_bytes() for p in out.rglob("*") if p.is_file())
    monkeypatch.setattr(decrypt.fsutil, "write_at", real)
    assert run(path, [key], out).count("imported") == 12  # the next run completes the job


def test_each_v2_failure_has_its_own_status(tmp_path):
    """Envelope v2's own failures reach the reviewer as their own statuses
    (review/output.py, REVIEWING.md section 9), not as 'tampered' or 'bad header':
    a payload that is not as its writer signed it, a stanza wrapping another file
    key than the header's commitment, a stanza of a key type this version does not know."""
    from keys import XWingSecretKey, header_size_v2
    from keys.envelope2 import _wrap

    key = XWingSecretKey.generate("Ana")
    pub = [key.public_key]
    subs = {name: make_submission(pub) for name in ("imported", "not as written", "forged for some readers",
                                                    "unknown key type")}
    header_end = header_size_v2(["xwing"])
    stanza = slice(12, 12 + 3 + 32 + 1168)
    spoil = {
        "not as written": lambda env: env[:-1] + bytes([env[-1] ^ 0x01]),  # the signature's last byte
        "forged for some readers": lambda env: env[:stanza.start] + _wrap(key.public_key, os.urandom(32)) + env[stanza.stop:],
        "unknown key type": lambda env: env[:12] + b"\x03" + env[13:],
    }
    for name, change in spoil.items():
        sub = subs[name]
        envelope = sub.envelopes[sub.report_item]
        assert envelope[8] == 2 and len(envelope) > header_end
        sub.envelopes[sub.report_item] = change(envelope)
    path = honest_bundle(tmp_path / "b.tar", list(subs.values()), pub)
    summary = run(path, [key], tmp_path / "out")
    assert {r.submission_id: r.status for r in summary.results} == {sub.id: name for name, sub in subs.items()}
