"""The case index is a cache of the case folders: always brought in line with
them, rebuilt when deleted or damaged, and searched without FTS5 syntax."""

from __future__ import annotations

import shutil

import pytest

import keys
from review.bundle import Bundle
from review.cases import import_bundle
from review.workspace import index
from review.workspace.query import Filters, list_cases

from review_bundles import make_manifest, make_submission, write_bundle


@pytest.fixture
def cases(tmp_path):
    key = keys.SecretKey.generate()
    subs = [
        make_submission([key.public_key], fields={"description": "La minería ilegal contamina el río.",
                                                  "incident_types": ["threats"], "region": "puno"}),
        make_submission([key.public_key], fields={"description": "Nos siguieron desde la fiscalía.",
                                                  "incident_types": ["surveillance", "threats"],
                                                  "region": "cusco", "affected": "Comunidad campesina"},
                        received_on="2026-10-02"),
    ]
    bundle = write_bundle(tmp_path / "b.tar", make_manifest(subs, [key.public_key]), subs)
    with Bundle(bundle) as opened:
        import_bundle(opened, [key], tmp_path / "cases")
    return tmp_path / "cases", subs


def _ids(listing) -> list[str]:
    return [row.submission_id for row in listing.rows]


def test_filters_and_search(cases):
    root, (one, two) = cases
    assert _ids(list_cases(root, Filters(text="mineria"))) == [one.id]  # accents ignored
    assert _ids(list_cases(root, Filters(text="fiscal"))) == [two.id]  # prefix match
    assert _ids(list_cases(root, Filters(text='mineria " OR fiscalia'))) == []  # all words, no syntax
    assert _ids(list_cases(root, Filters(incident_type="threats", sort="oldest"))) == [two.id, one.id]
    assert _ids(list_cases(root, Filters(incident_type="surveillance"))) == [two.id]
    assert _ids(list_cases(root, Filters(region="puno"))) == [one.id]
    assert _ids(list_cases(root, Filters(affected="campesina"))) == [two.id]
    assert _ids(list_cases(root, Filters(affected="%"))) == []  # LIKE wildcards are literal
    assert _ids(list_cases(root, Filters(received_from="2026-11-01"))) == [one.id]
    assert _ids(list_cases(root, Filters(received_to="2026-10-02"))) == [two.id]
    assert list_cases(root).total == 2


def test_the_index_follows_the_folders_and_is_rebuilt(cases):
    root, (one, two) = cases
    shutil.rmtree(root / f"2026-11-29_{one.id[:8]}")
    assert _ids(list_cases(root)) == [two.id]
    (root / "_workspace" / index.INDEX_FILE).write_bytes(b"not a database at all" * 100)
    assert _ids(list_cases(root, Filters(text="fiscalia"))) == [two.id]
    (root / "2026-01-01_abcdef12").mkdir()
    listing = list_cases(root)
    assert listing.broken == ["2026-01-01_abcdef12"] and listing.total == 1


def test_fts_query_quotes_every_word():
    assert index.fts_query('minería OR "x') == '"minería"* "OR"* "x"*'
    assert index.fts_query("  ,;  ") is None
