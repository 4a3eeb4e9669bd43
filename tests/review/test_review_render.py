"""report.txt shows coded answers by name, in the reviewer's language."""

from __future__ import annotations

from review.render import render_report

REPORT = {
    "format": "resguardo-report",
    "version": 1,
    "submission_id": "ab" * 16,
    "sealed_by": "browser",
    "language": "es",
    "fields": {
        "description": "Nos amenazaron.",
        "incident_types": ["physical_attack", "event_disruption", "future_code"],
        "region": "lima_metropolitana",
        "consent_aggregate_statistics": "yes",
    },
    "attachments": [],
}


def test_codes_are_shown_by_name_in_spanish():
    text = render_report(REPORT, "2026-11-29", [], "es")
    assert "Tipos de incidente: Agresión física, Interrupción de una reunión o evento, future_code\n" in text
    assert "Región: Lima Metropolitana\n" in text
    assert "Acepta estadísticas agregadas: Sí\n" in text


def test_codes_are_shown_by_name_in_english():
    text = render_report(REPORT, "2026-11-29", [], "en")
    assert "Incident types: Physical attack, Disruption of a meeting or event, future_code\n" in text
    assert "Agrees to aggregate statistics: Yes\n" in text


def test_browser_sealed_attachment_shows_its_blake2b_hash():
    entry = {"item_id": "cd" * 16, "filename": "foto.jpg", "content_type": "image/jpeg",
             "size": 3, "blake2b_256": "ef" * 32}
    text = render_report({**REPORT, "attachments": [entry]}, "2026-11-29", [(entry, "foto.jpg")], "en")
    assert f"    blake2b_256: {'ef' * 32} (size and hash verified)\n" in text
    assert "sha256: None" not in text


def test_filter_choices_are_in_index_order_accents_aside():
    """The workspace's region filter lists Áncash between Amazonas and
    Apurímac, as a Spanish reader looks for it, not after Ucayali."""
    from review.labels import choices

    names = [name for _code, name in choices("region", "es")]
    assert names[:4] == ["Amazonas", "Áncash", "Apurímac", "Arequipa"]
    assert names.index("Junín") == names.index("Ica") + 1
    assert choices("description", "es") == []
