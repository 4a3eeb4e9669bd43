"""The reviewer's terminal is not the reporter's to write to (issue 8, item 9).

Every reporter-supplied string a ``review`` command prints is shown literally:
rich markup is not interpreted, ANSI/OSC escapes, C0/C1 controls and bidi
overrides are shown as visible escapes; one unbalanced tag does not stop the
listing. And a failed submission's kept copy is bounded by its own size, not
by the size of the manifest it came in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from keys import SecretKey
from review import output
from review.bundle import Bundle
from review.cases import import_bundle
from review.cli import main
from review.output import displayable

from review_bundles import make_manifest, make_submission, write_bundle

HOSTILE_REGION = "[link=https://evil.example/x]pulse aquí[/link] [blink]URGENTE[/blink]"
HOSTILE_TYPE = "[/bold] sin abrir"
OSC8 = "\x1b]8;;https://evil.example/\x07clic\x1b]8;;\x07"
BIDI = "abc\u202eexe.pdf"
C1 = "x\x9b31my"


def _cases(tmp_path: Path, key: SecretKey, fields: dict) -> Path:
    sub = make_submission([key.public_key], fields=fields)
    bundle = write_bundle(tmp_path / "b.tar", make_manifest([sub], [key.public_key]), [sub])
    with Bundle(bundle) as opened:
        summary = import_bundle(opened, [key], tmp_path / "cases")
    assert summary.count("imported") == 1
    return tmp_path / "cases"


def _list_on_a_terminal(cases: Path, monkeypatch, capsys) -> tuple[int, str]:
    """Run ``review list``; return its exit code and exactly what reached stdout."""
    capsys.readouterr()
    code = main(["list", str(cases)])
    return code, capsys.readouterr().out


def test_markup_in_a_report_is_shown_as_written(tmp_path, key, monkeypatch, capsys):
    cases = _cases(tmp_path, key, {"region": "cusco", "incident_types": [HOSTILE_REGION, "threats"]})
    code, shown = _list_on_a_terminal(cases, monkeypatch, capsys)
    assert code == output.EXIT_OK
    assert "[link=https://evil.example/x]pulse aquí[/link]" in shown
    assert "[blink]URGENTE[/blink]" in shown
    assert "\x1b]8;" not in shown  # no OSC-8 hyperlink was emitted
    assert "\x1b[5m" not in shown  # no blinking text


def test_one_unbalanced_tag_does_not_stop_the_listing(tmp_path, key, monkeypatch, capsys):
    cases = _cases(tmp_path, key, {"incident_types": [HOSTILE_TYPE], "region": "cusco"})
    code, shown = _list_on_a_terminal(cases, monkeypatch, capsys)
    assert code == output.EXIT_OK
    assert "[/bold] sin abrir" in shown
    assert "internal error" not in capsys.readouterr().err


def test_escapes_controls_and_bidi_overrides_are_made_visible(tmp_path, key, monkeypatch, capsys):
    cases = _cases(tmp_path, key, {"region": "cusco", "incident_types": [OSC8, BIDI, C1]})
    code, shown = _list_on_a_terminal(cases, monkeypatch, capsys)
    assert code == output.EXIT_OK
    assert "\\x1b]8;;https://evil.example/\\x07clic\\x1b]8;;\\x07" in shown
    assert "abc\\u202eexe.pdf" in shown
    assert "x\\x9b31my" in shown
    for raw in ("\x07", "\u202e", "\x9b", "\x1b]"):
        assert raw not in shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mrojo", "\\x1b[31mrojo"),
        ("línea\nnueva", "línea\\x0anueva"),
        ("\u2028sep", "\\u2028sep"),
        ("\u2066iso\u2069", "\\u2066iso\\u2069"),
        ("zw\u200bj", "zw\\u200bj"),
        ("\x00\x7f", "\\x00\\x7f"),
        ("[bold]ok[/bold] ñandú", "[bold]ok[/bold] ñandú"),
    ],
)
def test_displayable_exact(raw, shown):
    assert displayable(raw) == shown


def _tree_bytes(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def test_failed_copies_are_bounded_by_the_failed_items_not_the_manifest(tmp_path, key):
    """A manifest padded with 1 MB of unknown fields, 20 submissions for another key:
    the kept copies hold each submission's own ciphertext and a small manifest."""
    other = SecretKey.generate("Beto")
    subs = [make_submission([other.public_key]) for _ in range(20)]
    manifest = make_manifest(subs, [other.public_key])
    manifest["padding"] = "x" * 1_000_000
    for entry in manifest["submissions"]:
        entry["note"] = "y" * 10_000
    bundle = write_bundle(tmp_path / "b.tar", manifest, subs)
    with Bundle(bundle) as opened:
        summary = import_bundle(opened, [key], tmp_path / "cases")
    assert len(summary.failed) == 20
    ciphertext = sum(len(env) for sub in subs for env in sub.envelopes.values())
    kept = _tree_bytes(tmp_path / "cases" / "_failed")
    assert kept <= ciphertext + 20 * 16 * 1024, (kept, ciphertext)
    assert os.path.getsize(bundle) > 1_000_000
