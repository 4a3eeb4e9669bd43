"""Every route, every method, unknown paths, hostile headers: never a 5xx.

Routes are read from the app's URL map, so a route added later is covered
here without editing this file (it gets the generic checks; the known ones
get exact expectations).
"""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import MethodNotAllowed
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.support.hostile import check_stored, measured, page_kind, route_paths, same_site, snapshot

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WRONG_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "PROPFIND", "FOO"]

# What a plain request with an allowed method gets, by endpoint: (status, page kind or None).
EXPECTED = {
    ("report.form", "GET"): (200, "form"),
    ("report.received", "GET"): (200, "received"),
    ("report.submit", "POST"): (400, "session"),  # no CSRF token
    ("language.switch", "GET"): (303, None),
    ("checkback.form", "GET"): (200, "checkback"),
    ("checkback.check", "POST"): (400, "session"),  # no CSRF token
    ("checkback.lookup", "POST"): (400, None),  # no CSRF token (JSON error)
    ("checkback.follow_up", "POST"): (400, "session"),  # no CSRF token
    ("static", "GET"): (200, None),
}


def _endpoint(app, rule: str) -> str:
    return next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule)


def _generic_page(response, label) -> None:
    """A localized HTML page, a JSON error with a title and message, or a redirect/empty body."""
    if response.status_code in (204, 303, 304, 308) or not response.get_data():
        return
    if response.mimetype == "application/json":
        if response.status_code >= 400:
            assert {"title", "error"} <= set(response.get_json()), label
        return
    if response.mimetype == "text/html":
        page_kind(response)


def test_url_map_is_what_these_tests_know(hostile_app):
    """A new route still gets the generic checks below; this makes it visible."""
    endpoints = {rule.endpoint for rule in hostile_app.url_map.iter_rules()}
    known = {endpoint for endpoint, _ in EXPECTED}
    assert known <= endpoints
    print("routes:", sorted(endpoints), "unknown to EXPECTED:", sorted(endpoints - known))


def _resolve(app, path: str, method: str):
    """The endpoint Werkzeug routes (path, method) to, or "405"."""
    try:
        return app.url_map.bind("localhost").match(path, method=method)[0]
    except MethodNotAllowed:
        return "405"


def test_every_route_with_every_method(hostile_app, hostile_client):
    before = snapshot(hostile_app)
    for rule, methods, path in route_paths(hostile_app):
        for method in WRONG_METHODS + ["HEAD", "OPTIONS"]:
            response = measured("route x method", lambda: hostile_app.test_client().open(path, method=method))
            endpoint, label = _resolve(hostile_app, path, method), (rule, method)
            if method == "OPTIONS":
                assert response.status_code == 200, label
                allowed = set(hostile_app.url_map.bind("localhost").allowed_methods(path))
                assert set(response.headers["Allow"].split(", ")) == allowed >= methods, label
                assert response.get_data() == b"", label
            elif endpoint == "405":
                assert response.status_code == 405, label
                if method != "HEAD":  # HEAD: same status, no body
                    assert page_kind(response) == "not_allowed", label
            elif method == "HEAD":
                get = hostile_app.test_client().get(path)
                get.close()
                assert (response.status_code, response.get_data()) == (get.status_code, b""), label
            elif (endpoint, method) in EXPECTED:
                status, kind = EXPECTED[(endpoint, method)]
                assert response.status_code == status, label
                if kind:
                    assert page_kind(response) == kind, label
            else:  # a route these tests do not know yet: the generic checks
                assert response.status_code < 500, label
                _generic_page(response, label)
            if response.status_code in (303, 308):
                assert same_site(response.headers["Location"]), label
    check_stored(hostile_app, before)


SEGMENT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
RAW_SEGMENT = st.binary(max_size=12).map(lambda raw: raw.replace(b"/", b"").replace(b"?", b""))


@FUZZ
@given(segments=st.lists(st.one_of(SEGMENT, RAW_SEGMENT.map(lambda raw: raw.decode("latin-1"))), min_size=1, max_size=5))
def test_unknown_paths_are_a_localized_404(hostile_app, hostile_client, segments):
    path = "/" + "/".join(segment.replace("?", "").replace("#", "") for segment in segments)
    first = path.split("/")[1]
    raw = path.encode("utf-8", "surrogateescape") if any(ord(ch) > 255 for ch in path) else path.encode("latin-1")
    if first in ("", "submit", "received", "language", "static") or b"\x00" in raw[:1]:
        return
    response = measured("unknown path", lambda: hostile_client.get("/", environ_overrides={"PATH_INFO": raw.decode("latin-1")}))
    assert response.status_code == 404, path
    assert page_kind(response) == "not_found"


@pytest.mark.parametrize("path", ["//received", "/static//css/style.css", "/language//en", "//", "///evil.example"])
def test_doubled_slashes_redirect_to_a_path_on_this_site(hostile_client, path):
    response = measured("doubled slashes", lambda: hostile_client.get(path, headers={"Host": "evil.example"}))
    assert response.status_code in (308, 404), path
    if response.status_code == 308:
        assert same_site(response.headers["Location"]) and response.headers["Location"].startswith("/"), path
    else:
        assert page_kind(response) == "not_found"


@pytest.mark.parametrize("path", [
    "/static/../intake/__init__.py", "/static/%2e%2e/config.py", "/static/css/../../__init__.py",
    "/static/\x00", "/static/css/style.css%00", "/static/", "/static", "/static/css/",
    "/static/../../../../etc/passwd", "/static/..%2f..%2fetc%2fpasswd", "/static/secret_key",
    "/static/%ff%fe", "/static/vendor/../../config.py",
])
def test_static_traversal_and_odd_paths_are_404(hostile_client, path):
    response = measured("static odd path", lambda: hostile_client.get(path))
    assert response.status_code == 404, path
    assert page_kind(response) == "not_found"


@FUZZ
@given(code=st.text(max_size=20).map(lambda text: text.replace("/", "")), target=st.one_of(st.none(), st.text(max_size=40), st.sampled_from([
    "//evil.example", "/\\evil.example", "\\\\evil", "/\t/evil.example", "/%5c%5cevil", "https:evil.example",
    "http://evil.example", "///evil", "/\r\n/evil", "\x00//evil", " //evil", "/./\\evil", "\u3000//evil",
    "javascript:alert(1)", "data:text/html,x", "/received", "/?next=//evil", "/..//evil", "/\u2028/evil",
])))
def test_language_switch_only_ever_redirects_on_site(hostile_app, hostile_client, code, target):
    path = ("/language/" + code).encode("utf-8", "surrogatepass").decode("latin-1")
    query = {} if target is None else {"next": target}
    response = measured("language switch", lambda: hostile_client.get("/", query_string=query, environ_overrides={"PATH_INFO": path}))
    if code == "":
        assert response.status_code == 404
        assert page_kind(response) == "not_found"
        return
    assert response.status_code == 303
    location = response.headers["Location"]
    assert same_site(location), (target, location)
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies == ([f"lang={code}; HttpOnly; Path=/; SameSite=Strict"] if code in ("es", "en") else [])


HEADER_BYTES = st.binary(max_size=60).map(lambda raw: raw.decode("latin-1"))
HOSTILE_HEADERS = st.dictionaries(
    st.sampled_from(["HTTP_USER_AGENT", "HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE", "HTTP_REFERER", "HTTP_X_FORWARDED_FOR",
                     "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE",
                     "HTTP_ORIGIN", "HTTP_X_CSRFTOKEN", "HTTP_FORWARDED", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO"]),
    HEADER_BYTES, max_size=6,
)


@FUZZ
@given(headers=HOSTILE_HEADERS, route=st.sampled_from(["/", "/received", "/language/en?next=/received", "/nope", "/submit", "/static/css/style.css"]))
def test_hostile_header_bytes_change_nothing_but_the_language(hostile_app, hostile_client, headers, route):
    plain = hostile_app.test_client().get(route)
    plain.close()
    before = snapshot(hostile_app)
    response = measured("hostile headers", lambda: hostile_app.test_client().get(route, environ_overrides=headers))
    assert response.status_code == plain.status_code, headers
    if response.mimetype == "text/html" and response.status_code != 303:
        expected = {200: ("form", "received"), 404: ("not_found",), 405: ("not_allowed",)}[response.status_code]
        assert page_kind(response) in expected
    if response.status_code == 303:
        assert same_site(response.headers["Location"])
    check_stored(hostile_app, before)
