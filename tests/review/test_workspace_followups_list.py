"""Follow-ups in the case list: counted, searchable, a closed case reopened, "marked as read" per case."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

import keys
from review.bundle import Bundle
from review.cases import import_bundle
from review.replies import outbox
from review.replies.commands import case_submission_ids
from review.cases import read_case_report
from review.workspace import triage
from review.workspace.app import create_app
from review.workspace.query import Filters, list_cases

from review_bundles import make_manifest, make_submission, write_bundle

PORT = 48125
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = "t0ken-" + "f" * 40


@pytest.fixture(scope="module")
def reviewer() -> keys.SecretKey:
    return keys.SecretKey.generate("Ana")


def _import(tmp_path: Path, reviewer, subs, name: str) -> None:
    path = write_bundle(tmp_path / name, make_manifest(subs, [reviewer.public_key]), subs)
    with Bundle(path) as opened:
        import_bundle(opened, [reviewer], tmp_path / "cases", language="es")


def _followup(reviewer, original, text: str, day: str):
    sub = make_submission([reviewer.public_key], received_on=day, fields={"description": text})
    sub.report["follow_up_to"] = original.id
    return sub.seal_all([reviewer.public_key])


def _list_page(root: Path) -> str:
    client = create_app(root, TOKEN, "es", PORT).test_client()
    answer = client.get(f"/?token={TOKEN}", base_url=BASE, follow_redirects=True)
    assert answer.status_code == 200
    return html.unescape(answer.get_data(as_text=True))


def test_a_followup_is_counted_searchable_and_reopens_a_closed_case(tmp_path, reviewer):
    original = make_submission([reviewer.public_key], received_on="2026-11-20",
                               fields={"description": "Amenazas en la asamblea"})
    other = make_submission([reviewer.public_key], received_on="2026-11-21", fields={"description": "Otro caso"})
    _import(tmp_path, reviewer, [original, other], "one.tar")
    root = tmp_path / "cases"
    case = root / f"2026-11-20_{original.id[:8]}"
    assert list_cases(root, Filters(text="camioneta")).total == 0
    with triage.open_triage(root) as connection:
        triage.save(connection, original.id, triage.Triage(status="closed", tags=["prensa"]))
        triage.save(connection, other.id, triage.Triage(status="closed"))
    outbox.queue_acknowledgement(root, case, [original.id])
    assert "Marcado como leído" in _list_page(root)

    _import(tmp_path, reviewer, [_followup(reviewer, original, "Volvió la camioneta blanca", "2026-11-25")], "two.tar")

    rows = {row.submission_id: row for row in list_cases(root, Filters(), limit=None).rows}
    assert (rows[original.id].followups, rows[other.id].followups) == (1, 0)
    # the follow-up's words find the case (accents and case ignored, prefix match)
    assert [row.submission_id for row in list_cases(root, Filters(text="CAMIONETA blan")).rows] == [original.id]
    # the reporter wrote again: the closed case is new again; the untouched one stays closed, tags kept
    assert (rows[original.id].status, rows[other.id].status) == ("new", "closed")
    assert rows[original.id].tags == ["prensa"]
    page = _list_page(root)
    assert "1 seguimiento(s)" in page and "Sin marcar como leído" in page and "Marcado como leído" not in page

    # marking the case read again covers the follow-up too
    report = read_case_report(case)
    outbox.queue_acknowledgement(root, case, case_submission_ids(case, report))
    page = _list_page(root)
    assert "Marcado como leído" in page and "Sin marcar como leído" not in page


def test_an_index_of_the_older_schema_is_rebuilt_with_followup_counts(tmp_path, reviewer):
    original = make_submission([reviewer.public_key], received_on="2026-11-20")
    _import(tmp_path, reviewer, [original, _followup(reviewer, original, "uno", "2026-11-22")], "b.tar")
    root = tmp_path / "cases"
    from review.workspace import index

    with index.opened(root) as connection:
        connection.execute("UPDATE meta SET value = '5' WHERE key = 'schema'")
        connection.execute("UPDATE cases SET followups = 0")
    [row] = list_cases(root, Filters(), limit=None).rows
    assert row.followups == 1
