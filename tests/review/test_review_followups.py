"""``review import`` files follow-ups (``follow_up_to``) inside their original case, in order."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import keys
from review.bundle import Bundle
from review.cases import IMPORTED, SKIPPED, import_bundle
from review.cli import main
from review.followups import followup_dirs
from review.replies import outbox
from review.workspace.query import Filters, list_cases

from review_bundles import make_manifest, make_submission, write_bundle


@pytest.fixture(scope="module")
def reviewer() -> keys.SecretKey:
    return keys.SecretKey.generate("Ana")


def followup(reviewer, original, text: str, day: str, *, attachments=()):
    sub = make_submission([reviewer.public_key], received_on=day, attachments=attachments,
                          fields={"description": text})
    sub.report["follow_up_to"] = original.id
    return sub.seal_all([reviewer.public_key])


def run_import(tmp_path: Path, reviewer, subs, name: str):
    path = write_bundle(tmp_path / name, make_manifest(subs, [reviewer.public_key]), subs)
    with Bundle(path) as opened:
        return import_bundle(opened, [reviewer], tmp_path / "cases", language="en")


def descriptions(case: Path) -> list[str]:
    return [json.loads((folder / "report.json").read_text("utf-8"))["fields"]["description"]
            for folder in followup_dirs(case)]


def test_followups_are_filed_in_order_beside_the_original(tmp_path, reviewer):
    original = make_submission([reviewer.public_key], received_on="2026-11-20")
    later = followup(reviewer, original, "segundo", "2026-11-25", attachments=[("foto.jpg", b"\xff\xd8jpeg")])
    earlier = followup(reviewer, original, "primero", "2026-11-22")
    # the follow-ups come before the original in the bundle, the later one first
    summary = run_import(tmp_path, reviewer, [later, original, earlier], "one.tar")
    assert [r.status for r in summary.results] == [IMPORTED] * 3
    assert [r.followup for r in summary.results] == [True, False, True]
    cases = tmp_path / "cases"
    case = cases / f"2026-11-20_{original.id[:8]}"
    assert sorted(n for n in os.listdir(cases) if not n.startswith("_")) == [case.name]
    assert [p.name for p in followup_dirs(case)] == ["01", "02"]
    assert descriptions(case) == ["primero", "segundo"]
    assert (case / "followups" / "02" / "attachments" / "foto.jpg").read_bytes() == b"\xff\xd8jpeg"
    assert (case / "followups" / "01" / "report.txt").is_file()
    assert summary.results[0].case_dir == case / "followups" / "02"
    assert [row.folder for row in list_cases(cases, Filters(), limit=None).rows] == [case.name]

    # importing again adds nothing, without decrypting the filed follow-ups again
    again = run_import(tmp_path, reviewer, [later, original, earlier], "one.tar")
    assert [r.status for r in again.results] == [SKIPPED] * 3
    assert [p.name for p in followup_dirs(case)] == ["01", "02"]

    # a later bundle's follow-up goes after them
    third = followup(reviewer, original, "tercero", "2026-11-28")
    assert run_import(tmp_path, reviewer, [third], "two.tar").results[0].status == IMPORTED
    assert descriptions(case) == ["primero", "segundo", "tercero"]


def test_a_lost_marker_still_skips_a_filed_followup(tmp_path, reviewer):
    original = make_submission([reviewer.public_key])
    first = followup(reviewer, original, "uno", "2026-11-30")
    run_import(tmp_path, reviewer, [original, first], "b.tar")
    for name in os.listdir(tmp_path / "cases" / "_followups"):
        os.unlink(tmp_path / "cases" / "_followups" / name)
    again = run_import(tmp_path, reviewer, [original, first], "b.tar")
    assert [r.status for r in again.results] == [SKIPPED, SKIPPED]
    assert [p.name for p in followup_dirs(tmp_path / "cases" / f"2026-11-29_{original.id[:8]}")] == ["01"]


def test_followup_without_its_original_becomes_a_case(tmp_path, reviewer):
    original = make_submission([reviewer.public_key])
    orphan = followup(reviewer, original, "sin original", "2026-11-30")
    summary = run_import(tmp_path, reviewer, [orphan], "b.tar")
    assert summary.results[0].status == IMPORTED and not summary.results[0].followup
    assert (tmp_path / "cases" / f"2026-11-30_{orphan.id[:8]}" / "report.json").is_file()


def test_ack_covers_the_followups_and_import_says_how_many_were_filed(tmp_path, reviewer, capsys):
    keydir = tmp_path / "keys"
    keydir.mkdir()
    (keydir / "pass").write_text("ladder quiet mango ferry olive sprint\n")
    assert main(["keygen", "--x25519", "--out", str(keydir), "--name", "Ana",
                 "--passphrase-file", str(keydir / "pass")]) == 0
    key = keys.read_secret_key_file(keydir / "Ana.secret-key", "ladder quiet mango ferry olive sprint")
    original = make_submission([key.public_key])
    one = followup(key, original, "uno", "2026-11-30")
    path = write_bundle(tmp_path / "b.tar", make_manifest([original, one], [key.public_key]), [original, one])
    capsys.readouterr()
    assert main(["import", str(path), "--key", str(keydir / "Ana.secret-key"), "--out", str(tmp_path / "cases"),
                 "--passphrase-file", str(keydir / "pass"), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "imported: 2\n" in out and "follow-ups filed into their cases: 1\n" in out
    case = tmp_path / "cases" / f"2026-11-29_{original.id[:8]}"
    assert main(["ack", str(case), "--lang", "en"]) == 0
    assert outbox.acknowledged_ids(case) == [original.id, one.id]
    two = followup(key, original, "dos", "2026-12-01")
    run_import(tmp_path, key, [two], "c.tar")
    capsys.readouterr()
    assert main(["ack", str(case), "--lang", "en"]) == 0
    assert capsys.readouterr().out == f"case {case.name} marked as read: 1 submission(s) queued\n"
    assert [a["submission_id"] for a in outbox.load_queue(case.parent).acknowledged] == [original.id, one.id, two.id]
