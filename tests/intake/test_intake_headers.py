"""Security headers, parsed, with exact values per route."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

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
    assert response.status_code == 200
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


def _assert_isolated(response, label) -> None:
    assert parse_csp(response.headers["Content-Security-Policy"]) == EXPECTED_CSP, label
    assert response.headers["X-Content-Type-Options"] == "nosniff", label
    assert response.headers["Referrer-Policy"] == "no-referrer", label
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", label
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin", label
    assert response.headers["Cross-Origin-Embedder-Policy"] == "require-corp", label
    assert "Server" not in response.headers, label


def test_every_route_of_the_url_map_carries_the_policy(app, client):
    """Routes are read from the URL map: one added later is checked too."""
    samples = {"code": "en", "filename": "css/style.css"}
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", samples.get(argument, "x"))
            path = path.replace(f"<path:{argument}>", samples.get(argument, "x"))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            _assert_isolated(response, (rule.rule, method, response.status_code))
            response.close()


def test_the_413_page_carries_the_policy(app, client, token):
    from intake.limits import form_body_cap

    environ = {"CONTENT_LENGTH": str(form_body_cap(app.config) + 1)}  # declared: refused before reading
    response = client.post("/submit", data=b"", content_type="multipart/form-data; boundary=x", environ_overrides=environ)
    assert response.status_code == 413
    _assert_isolated(response, "413")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["js/envelope.js", "js/submit.js", "js/seal-worker.js", "vendor/sodium.js", "css/style.css"])
def test_scripts_and_vendored_files_get_the_same_policy(client, path):
    from intake.security import static_version

    with client.application.test_request_context():
        version = static_version(path)
    response = client.get(f"/static/{path}?v={version}")
    assert response.status_code == 200
    _assert_isolated(response, path)
    assert response.headers["Cache-Control"] == "max-age=31536000, public"
    if path.endswith(".js"):
        assert response.mimetype == "text/javascript"
    response.close()


OTHER_VERSIONS = ["", "?v=", "?v=0123456789abcdef", "?v={v}x", "?v={v}&v={v}", "?v={V}", "?s={v}"]


@pytest.mark.parametrize("path", ["js/envelope.js", "vendor/sodium.js", "css/style.css"])
def test_a_static_file_under_another_version_is_not_cached_for_a_year(client, path):
    """Only the file's own ?v= (its content hash) is cacheable for a year: an old app server
    answering a newer page's URL must not leave its old bytes cached under the new version."""
    from intake.security import static_version

    with client.application.test_request_context():
        version = static_version(path)
    current = client.get(f"/static/{path}?v={version}")
    body, etag = current.get_data(), current.headers["ETag"]
    current.close()
    for query in OTHER_VERSIONS:
        url = f"/static/{path}" + query.format(v=version, V=version.upper())
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert (response.status_code, response.headers["Cache-Control"]) == (200, "no-cache"), url
        assert response.headers["ETag"] == etag and "Last-Modified" not in response.headers
        _assert_isolated(response, url)
        response.close()
        with client.get(url) as plain:
            assert plain.get_data() == body
        with client.get(url, headers={"If-None-Match": etag}) as again:
            assert (again.status_code, again.headers["Cache-Control"]) == (304, "no-cache"), url
    with client.get(f"/static/{path}?v={version}", headers={"If-None-Match": etag}) as again:
        assert (again.status_code, again.headers["Cache-Control"]) == (304, "max-age=31536000, public")


def test_the_bundle_under_another_version_is_not_cached_for_a_year(client):
    from intake.bundles import _build

    page = client.get("/").get_data(as_text=True)
    version = _build(client.application.static_folder, "form.js")[1]
    assert f'src="/bundle/form.js?v={version}"' in page
    body = client.get(f"/bundle/form.js?v={version}").get_data()
    for query in OTHER_VERSIONS:
        url = "/bundle/form.js" + query.format(v=version, V=version.upper())
        response = client.get(url)
        assert (response.status_code, response.headers["Cache-Control"]) == (200, "no-cache"), url
        assert response.get_data() == body and response.headers["ETag"] == f'"{version}"'
        _assert_isolated(response, url)
        again = client.get(url, headers={"If-None-Match": f'"{version}"'})
        assert (again.status_code, again.headers["Cache-Control"]) == (304, "no-cache"), url


def test_cookies_are_only_session_and_language_and_strict(client, token):
    client.get("/language/en?next=/")
    response = client.post("/submit", data={"csrf_token": token, "description": "CANARY-TEXT-cookie2",
                                             "attachments": [(io.BytesIO(b"secret file"), "f.txt")]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert sorted(cookie.key for cookie in client._cookies.values()) == ["lang", "resguardo_session"]
    for cookie in client._cookies.values():
        assert cookie.http_only and cookie.same_site == "Strict" and cookie.expires is None
        assert "CANARY" not in cookie.value and "f.txt" not in cookie.value


def test_the_worker_url_carries_the_versions_of_what_it_imports(client):
    """The worker imports sodium.js and the seal.js bundle itself (the bundle the page loads); both cache-busted too."""
    import re

    from intake.security import static_version

    seal = re.search(r'<script src="/bundle/seal.js\?v=([0-9a-f]{16})" defer>', client.get("/").get_data(as_text=True)).group(1)

    page = client.get("/").get_data(as_text=True)
    url = re.search(r'data-worker="([^"]+)"', page).group(1).replace("&amp;", "&")
    with client.application.test_request_context():
        expected = (
            f"/static/js/seal-worker.js?v={static_version('js/seal-worker.js')}"
            f"&s={static_version('vendor/sodium.js')}&b={seal}"
            f"&r={static_version('js/receipt.js')}&w={static_version('js/receipt-words.js')}"
        )
    assert url == expected


def test_the_forms_scripts_come_in_one_bundle_cached_and_isolated(app, client):
    """submit.js, upload.js, questions.js, feedback.js and form.js as one request, envelope.js, envelope2-header.js,
    envelope2.js and webcrypto.js as another (intake/bundles.py), cached like static files."""
    import re

    page = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)" defer></script>', page)
    assert [src.split("?")[0] for src in scripts] == ["/bundle/seal.js", "/bundle/form.js"]
    static = Path(app.static_folder, "js")
    seal = b"".join((static / name).read_bytes().rstrip(b"\n") + b"\n;\n" for name in ("envelope.js", "envelope2-header.js", "envelope2.js", "webcrypto.js"))
    assert scripts[0] == f"/bundle/seal.js?v={__import__('hashlib').sha256(seal).hexdigest()[:16]}"
    sealed = client.get(scripts[0])
    assert sealed.get_data() == seal and sealed.headers["Cache-Control"] == "max-age=31536000, public"
    scripts = [None, *scripts]  # the form bundle is scripts[2] below
    response = client.get(scripts[2].replace("&amp;", "&"))
    assert response.status_code == 200
    _assert_isolated(response, "bundle")
    assert response.headers["Cache-Control"] == "max-age=31536000, public"
    assert response.mimetype == "text/javascript"
    expected = b"".join((static / name).read_bytes().rstrip(b"\n") + b"\n;\n" for name in ("submit.js", "upload.js", "questions.js", "feedback.js", "form.js"))
    assert response.get_data() == expected
    version = __import__("hashlib").sha256(expected).hexdigest()[:16]
    assert scripts[2] == f"/bundle/form.js?v={version}"
    assert response.headers["ETag"] == f'"{version}"'
    assert client.get(scripts[2], headers={"If-None-Match": f'"{version}"'}).status_code == 304
    missing = client.get("/bundle/seal-worker.js")
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-store"


def test_the_form_preloads_the_seal_worker_and_libsodium_as_the_worker_names_them(client):
    """Fetched alongside the page's scripts: the same URLs the worker asks for, so it finds them cached."""
    import re

    from intake.security import static_version, worker_url

    page = client.get("/").get_data(as_text=True)
    preloads = [url.replace("&amp;", "&") for url in re.findall(r'<link rel="preload" href="([^"]+)" as="script">', page)]
    with client.application.test_request_context():
        sodium = static_version("vendor/sodium.js")
        assert preloads == [worker_url(), f"/static/vendor/sodium.js?v={sodium}"]
    assert preloads[0] == re.search(r'data-worker="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert f"&s={sodium}&" in preloads[0]  # the worker imports that very sodium.js
    seal = re.search(r'<script src="/bundle/seal.js\?v=([0-9a-f]{16})" defer>', page).group(1)
    assert f"&b={seal}&" in preloads[0]  # and the very seal.js bundle the page loads
    # The form needs five requests after the page (stylesheet, two bundles, two preloads): within six connections.
    requests = re.findall(r'<(?:script src|link rel="(?:stylesheet|preload)" href)="([^"]+)"', page)
    assert len(requests) == 5, requests
    for url in preloads:
        response = client.get(url)
        assert response.headers["Cache-Control"] == "max-age=31536000, public"
        response.close()


#: Accept-Encoding values, and whether a bundle is then sent gzip (RFC 9110 12.5.3: q=0 refuses).
ACCEPT_ENCODINGS = [
    ("gzip, deflate, br, zstd", True), ("gzip", True), ("GZIP", True), ("*", True), ("br;q=1, gzip;q=0.1", True),
    (None, False), ("", False), ("identity", False), ("br", False), ("gzip;q=0", False), ("gzip;q=0, *", False),
]


@pytest.mark.parametrize("name", ["seal.js", "form.js"])
def test_a_bundle_is_sent_gzip_when_the_request_allows_it(client, name):
    """Compressed once, at MTIME 0, with its own ETag; decompressed, the very bytes of the identity answer;
    Vary on both; the year-long cache only under the exact ?v= content hash, as the identity answer."""
    import gzip

    from intake.bundles import BUNDLES

    static = Path(client.application.static_folder)
    body = b"".join((static / part).read_bytes().rstrip(b"\n") + b"\n;\n" for part in BUNDLES[name])
    version = hashlib.sha256(body).hexdigest()[:16]
    for query, cache in [(f"?v={version}", "max-age=31536000, public"), ("", "no-cache"), (f"?v={version}x", "no-cache")]:
        url = f"/bundle/{name}{query}"
        for accept, compressed in ACCEPT_ENCODINGS:
            response = client.get(url, headers={} if accept is None else {"Accept-Encoding": accept})
            label = (url, accept)
            data = response.get_data()
            assert response.status_code == 200, label
            assert response.headers["Cache-Control"] == cache, label
            assert response.headers["Vary"] == "Accept-Encoding", label
            assert response.headers["Content-Type"] == "text/javascript; charset=utf-8", label
            assert response.headers["Content-Length"] == str(len(data)), label
            _assert_isolated(response, label)
            assert "Last-Modified" not in response.headers, label
            if compressed:
                assert response.headers["Content-Encoding"] == "gzip", label
                assert response.headers["ETag"] == f'"{version}-gzip"', label
                assert data[:4] == b"\x1f\x8b\x08\x00" and data[4:8] == b"\0\0\0\0", label  # no name, MTIME 0
                assert gzip.decompress(data) == body, label
            else:
                assert "Content-Encoding" not in response.headers, label
                assert response.headers["ETag"] == f'"{version}"', label
                assert data == body, label


def test_a_bundle_revalidates_each_encoding_by_its_own_etag(client):
    from intake.bundles import _build

    built = _build(client.application.static_folder, "seal.js")
    url = f"/bundle/seal.js?v={built.version}"
    gz, plain = f'"{built.version}-gzip"', f'"{built.version}"'
    cases = [  # (Accept-Encoding, If-None-Match) -> (status, ETag, Content-Encoding, body)
        (("gzip", gz), (304, gz, None, b"")),
        (("gzip", plain), (200, gz, "gzip", built.gzipped)),
        (("identity", plain), (304, plain, None, b"")),
        (("identity", gz), (200, plain, None, built.body)),
        (("gzip", f"{plain}, {gz}"), (304, gz, None, b"")),
    ]
    for (accept, etag), expected in cases:
        response = client.get(url, headers={"Accept-Encoding": accept, "If-None-Match": etag})
        seen = (response.status_code, response.headers["ETag"], response.headers.get("Content-Encoding"), response.get_data())
        assert seen == expected, (accept, etag)
        assert response.headers["Vary"] == "Accept-Encoding"
        assert response.headers["Cache-Control"] == "max-age=31536000, public"
        _assert_isolated(response, (accept, etag))
    head = client.head(url, headers={"Accept-Encoding": "gzip"})
    assert (head.status_code, head.headers["Content-Length"], head.get_data()) == (200, str(len(built.gzipped)), b"")
    assert head.headers["Content-Encoding"] == "gzip" and head.headers["ETag"] == gz


def test_a_bundle_is_compressed_once_and_the_same_every_time(app):
    """gzip at MTIME 0 has no time in it: the same input gives the same bytes (what _build cached)."""
    import gzip

    from intake.bundles import BUNDLES, _build

    for name in BUNDLES:
        built = _build(app.static_folder, name)
        assert _build(app.static_folder, name) is built  # built once per process
        assert built.gzipped == gzip.compress(built.body, compresslevel=9, mtime=0)
        assert gzip.decompress(built.gzipped) == built.body
