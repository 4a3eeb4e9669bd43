"""Security headers, parsed, with exact values per route."""

from __future__ import annotations

import io

import pytest

EXPECTED_CSP = {
    "default-src": ["'none'"],
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "worker-src": ["'self'"],
    "connect-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
}


def parse_csp(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        tokens = part.split()
        if tokens:
            assert tokens[0] not in directives
            directives[tokens[0]] = tokens[1:]
    return directives


def _routes(client):
    yield "/", client.get("/")
    yield "/received", client.get("/received")
    yield "/missing (404)", client.get("/no-such-page")
    yield "/submit GET (405)", client.get("/submit")
    yield "/submit no token (400)", client.post("/submit", data={"description": "x"})
    yield "/language/en", client.get("/language/en?next=/")


def test_pages_carry_exact_headers(client):
    for route, response in _routes(client):
        assert parse_csp(response.headers["Content-Security-Policy"]) == EXPECTED_CSP, route
        assert response.headers["X-Content-Type-Options"] == "nosniff", route
        assert response.headers["Referrer-Policy"] == "no-referrer", route
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", route
        assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin", route
        assert response.headers["Cache-Control"] == "no-store", route
        assert "camera=()" in response.headers["Permissions-Policy"], route
        for deprecated in ("X-XSS-Protection", "X-Frame-Options", "Expect-CT", "Public-Key-Pins", "Server", "X-Powered-By"):
            assert deprecated not in response.headers, (route, deprecated)


def test_static_files_are_cached_long_and_isolated(client):
    page = client.get("/").get_data(as_text=True)
    href = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert href.startswith("/static/css/style.css?v=")
    response = client.get(href)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=31536000, public"
    assert parse_csp(response.headers["Content-Security-Policy"]) == EXPECTED_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"font-family" in response.get_data()
    response.close()


def test_no_inline_script_or_style_in_pages(client):
    for route, response in _routes(client):
        html = response.get_data(as_text=True).lower()
        assert "<script>" not in html and "<style" not in html and " style=" not in html, route
        assert " onclick=" not in html and "javascript:" not in html, route
        assert "http://" not in html and "https://" not in html, route


def test_session_cookie_is_strict_and_holds_no_report(client, token):
    response = client.post("/submit", data={"csrf_token": token, "description": "CANARY-TEXT-cookie", "attachments": [(io.BytesIO(b""), "")]}, content_type="multipart/form-data")
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    assert all("CANARY" not in cookie for cookie in cookies)
    first = client.get("/")
    for cookie in first.headers.getlist("Set-Cookie"):
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    import base64
    session_cookie = client.get_cookie("resguardo_session")
    payload = session_cookie.value.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert set(__import__("json").loads(decoded)) == {"csrf_token"}
