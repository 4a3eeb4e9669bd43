"""Security headers on every response, and the static-file server.

The policy: nothing from another origin, no inline script or style, no
framing, no referrer, no caching of pages. Static files (served by
WhiteNoise, compressed) get the same CSP and isolation headers, and are
cacheable for a year only under their content-addressed URL: when the
URL's ``?v=`` is the first 16 hex digits of the SHA-256 of the very bytes
sent (:func:`static_url`). Under any other ``v``, or none, the same bytes
come with ``no-cache`` (kept, but checked again before each use by their
content ETag): a page of a newer release asking an app server that still
runs the older one (scale-out, an upgrade under way) must never leave the
old bytes cached for a year under the new version's URL. The script
bundles (:mod:`intake.bundles`) follow the same rule.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from urllib.parse import parse_qs, urlsplit, urlunsplit

from flask import Flask, Response, current_app, url_for
from whitenoise import WhiteNoise

from . import i18n

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "worker-src 'self'",
        "connect-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

COMMON_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
        "interest-cohort=(), browsing-topics=()"
    ),
}
PAGE_CACHE = "no-store"
STATIC_MAX_AGE = 365 * 24 * 3600
#: A static file or bundle asked for by its current version (``?v=`` its content hash).
STATIC_CACHE = f"max-age={STATIC_MAX_AGE}, public"
#: The same content asked for under another ``v``, or none: revalidated (ETag) before each use.
UNVERSIONED_CACHE = "no-cache"


def static_cache(requested: list[str], version: str) -> str:
    """The Cache-Control of static content whose version is ``version`` (16 hex),
    asked for with the ``v`` values ``requested`` (those of the query string):
    :data:`STATIC_CACHE` only if that is exactly ``[version]``, else
    :data:`UNVERSIONED_CACHE`."""
    return STATIC_CACHE if requested == [version] else UNVERSIONED_CACHE


def cache_static(response: Response, requested: list[str], version: str) -> None:
    """Mark a Flask response of static content of ``version`` to be cached as
    :func:`static_cache` says (every other Flask response is ``no-store``)."""
    response.static_cache = static_cache(requested, version)


def _set_headers(response: Response) -> Response:
    for name, value in COMMON_HEADERS.items():
        response.headers[name] = value
    response.headers["Cache-Control"] = getattr(response, "static_cache", PAGE_CACHE)
    response.headers.pop("Server", None)
    location = response.headers.get("Location")
    if location is not None:
        response.headers["Location"] = same_site_location(location)
    return response


def same_site_location(location: str) -> str:
    """``location`` as a path on this site.

    Werkzeug's own redirects (a missing trailing slash, doubled slashes)
    are absolute URLs built from the request's ``Host`` header, which a
    client chooses; keep only their path and query, checked like ``?next=``.
    """
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        location = urlunsplit(("", "", parts.path, parts.query, ""))
    return i18n.safe_next(location)


def _static_headers(headers, path: str, _url: str) -> None:
    for name, value in COMMON_HEADERS.items():
        headers[name] = value
    # WhiteNoise's ETag is built from the file's mtime (the deploy time); one
    # from the content says nothing about when the site was installed.
    headers["ETag"] = f'"{_digest(path)}"'


@lru_cache(maxsize=256)
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def static_version(filename: str) -> str:
    """The first 16 hex digits of a static file's SHA-256 (its cache-busting version)."""
    return _digest(str(Path(current_app.static_folder) / filename))


def static_url(filename: str) -> str:
    """URL of a static file with ``?v=<content hash>``, so it can be cached for a year."""
    return url_for("static", filename=filename, v=static_version(filename))


def worker_url() -> str:
    """URL of the seal worker, carrying the versions of the scripts it imports.

    The worker loads ``vendor/sodium.js`` and the ``/bundle/seal.js`` bundle
    (envelope.js, envelope2-header.js, envelope2.js, webcrypto.js; :mod:`intake.bundles`) itself
    (``importScripts``); their versions travel in its query string (``s``,
    ``b``) so an upgrade never meets a year-old cached copy of either.
    """
    from . import bundles  # here: bundles imports this module

    return url_for(
        "static",
        filename="js/seal-worker.js",
        v=static_version("js/seal-worker.js"),
        s=static_version("vendor/sodium.js"),
        b=bundles.version("seal.js"),
        r=static_version("js/receipt.js"),
        w=static_version("js/receipt-words.js"),
    )


def seal_preloads() -> list[str]:
    """URLs the report form preloads: the seal worker and libsodium, exactly as the worker names them.

    Without them the worker is fetched only once the form's scripts run, and
    libsodium only once the worker runs: two round trips in a row after the
    page's own scripts (over Tor, a second or more each). Each URL is what the
    worker asks for (``worker_url``, and the ``?v=`` it passes to its import),
    so its request finds the preloaded copy in the HTTP cache. The worker's
    other import, ``/bundle/seal.js``, is one of the page's own scripts. With
    the stylesheet and the page's two bundles that makes five requests after
    the page, all in its first round trip over a browser's six connections to
    a site (a seventh would wait a round trip for a free one: measured with
    bench/slow_link.py).
    """
    return [worker_url(), static_url("vendor/sodium.js")]


class StaticFiles(WhiteNoise):
    """WhiteNoise for GET and HEAD of whole files; anything else goes to Flask.

    WhiteNoise answers other methods with a bare 405 and an unsatisfiable
    ``Range`` with a bare 416, both without our headers or an error page.
    Other methods fall through to Flask (a localized 405 page), and ``Range``
    is ignored: static files are small and always sent whole. No response
    carries ``Last-Modified`` or an mtime-based ``ETag``, which would tell
    when the site was installed or upgraded.
    """

    def get_static_file(self, path, url, stat_cache=None):
        """WhiteNoise's file, without ``Last-Modified`` (the deploy time, from mtime),
        with its ``version`` (:func:`static_version`'s)."""
        static_file = super().get_static_file(path, url, stat_cache=stat_cache)
        static_file.version = _digest(path)
        static_file.last_modified = None
        static_file.alternatives = [
            (pattern, file_path, [(name, value) for name, value in headers if name != "Last-Modified"])
            for pattern, file_path, headers in static_file.alternatives
        ]
        static_file.not_modified_response.headers = [
            (name, value) for name, value in static_file.not_modified_response.headers if name != "Last-Modified"
        ]
        return static_file

    def __call__(self, environ, start_response):
        """Serve ``environ`` (a WSGI call)."""
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.application(environ, start_response)
        environ.pop("HTTP_RANGE", None)
        return super().__call__(environ, start_response)

    def serve(self, static_file, environ, start_response):
        """WhiteNoise's answer, with the Cache-Control :func:`static_cache` gives
        for the query's ``v`` (WhiteNoise's own is a year for every URL)."""
        cache = static_cache(parse_qs(environ.get("QUERY_STRING", "")).get("v", []), static_file.version)

        def respond(status, headers, *exc_info):
            headers = [(name, cache if name.lower() == "cache-control" else value) for name, value in headers]
            return start_response(status, headers, *exc_info)

        return WhiteNoise.serve(static_file, environ, respond)


def init_app(app: Flask) -> None:
    """Add headers to every Flask response; serve /static through WhiteNoise."""
    app.after_request(_set_headers)
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["worker_url"] = worker_url
    app.jinja_env.globals["seal_preloads"] = seal_preloads
    app.wsgi_app = StaticFiles(
        app.wsgi_app,
        root=app.static_folder,
        prefix="static/",
        max_age=STATIC_MAX_AGE,
        add_headers_function=_static_headers,
        allow_all_origins=False,
    )
