"""Spanish first, English second; the language switch stores nothing server-side."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from tools.translations_es import ES

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_spanish_is_the_default(client):
    assert "Denuncie un incidente de forma segura" in client.get("/").get_data(as_text=True)


def test_accept_language_english(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "<h1>Report an incident safely</h1>" in html
    assert '<html lang="en">' in html


def test_switch_sets_only_a_session_cookie_and_redirects_locally(client):
    response = client.get("/language/en?next=/received")
    assert response.status_code == 303
    assert response.headers["Location"] == "/received"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Expires" not in cookie
    assert "Your report was received" in client.get("/received").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/%0d%0aSet-Cookie:x", "\t//evil"])
def test_switch_never_redirects_off_site(client, target):
    response = client.get("/language/es", query_string={"next": target})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "evil" not in location or location.startswith("/%")


def test_unknown_language_sets_no_cookie(client):
    response = client.get("/language/xx?next=/")
    assert response.status_code == 303
    assert "Set-Cookie" not in response.headers


def _catalog(lang):
    with open(ROOT / "intake" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def test_every_spanish_message_is_translated():
    catalog = _catalog("es")
    ids = [message.id for message in catalog if message.id]
    assert len(ids) >= 70
    for message in catalog:
        if message.id:
            assert message.string, message.id
            assert "fuzzy" not in message.flags
    assert set(ids) == set(ES)


def test_compiled_catalogs_are_current():
    for lang in ("es", "en"):
        po = ROOT / "intake" / "translations" / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        assert mo.stat().st_size > 0
        assert mo.stat().st_mtime >= po.stat().st_mtime - 1 or lang == "en"


def test_language_links_on_pages_answering_a_post_lead_back_to_the_form(client):
    """A 400/413 page answers a POST to /submit; switching language there must not
    send the reporter to GET /submit (a 405)."""
    page = client.post("/submit", data={"description": "x"})
    assert page.status_code == 400
    assert 'href="/language/en?next=/"' in page.get_data(as_text=True)
    missing = client.get("/no-such-page?x=1")
    assert 'href="/language/en?next=/"' in missing.get_data(as_text=True)
    received = client.get("/received")
    assert 'href="/language/en?next=/received"' in received.get_data(as_text=True)


@pytest.mark.parametrize("header", ["en-US,en;q=0.5", "en-US, en", "en-us,EN;q=0.5"])
def test_tor_browser_spoofed_english_is_no_preference(client, header):
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Denuncie un incidente de forma segura" in html


@pytest.mark.parametrize("header", ["en", "en-GB,en;q=0.9", "en-US,en;q=0.5,es;q=0.1"])
def test_a_real_english_preference_is_still_honoured(client, header):
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_the_switch_overrides_the_spoofed_header(client):
    client.get("/language/en?next=/")
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en">' in html
