"""Script bundles: several of a page's static scripts served as one file, in one request.

A browser opens at most six connections to one site over HTTP/1.1 (Chromium
and Firefox alike, Tor Browser included), and over Tor each request that
waits for a free connection costs another round trip of a second or more. The
report form needs the stylesheet, its scripts, the seal worker and libsodium
before it can seal; as separate files they are more than six, so the page's
own scripts arrived a round trip late. ``/bundle/form.js`` is the page-only
scripts of the form (submit.js, upload.js, questions.js, feedback.js, form.js) joined, in
that order, each followed by a line ``;``: the same code, executed in the same order as
separate classic scripts would be (each file is a self-contained IIFE with
``'use strict'`` inside its function, so joining changes no scope).
``/bundle/seal.js`` is the envelope writer (envelope.js, envelope2-header.js,
envelope2.js, webcrypto.js): the page loads it, and the seal worker imports that very URL
(its version rides in the worker's query, ``b``), so the worker finds it in
the HTTP cache. With the stylesheet, the two bundles and the preloads of the
worker and libsodium, the form needs five requests after the page: within a
browser's six connections, so none waits a round trip for a free one.

A bundle's URL carries ``?v=`` and the first 16 hex digits of the SHA-256 of
its bytes; asked for by that version its answer is cacheable for a year,
under any other ``v`` (or none) it is ``no-cache``, exactly as static files
(:mod:`intake.security`), with the same security headers and an ETag from
the content (no date).

Each bundle is compressed once, in memory, when it is built (gzip, level 9,
the header's MTIME 0: no time in the bytes, RFC 1952), and sent compressed
(``Content-Encoding: gzip``) to a request whose ``Accept-Encoding`` gives
gzip a quality above 0, as WhiteNoise sends the static files' ``.gz``
copies; both answers carry ``Vary: Accept-Encoding``. The compressed one has
its own ETag, the version followed by ``-gzip`` (another representation,
another strong validator: RFC 9110 8.8.3.3), so a cache never revalidates
one with the other.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from flask import Blueprint, Flask, Response, abort, current_app, request, url_for

from . import security

#: Bundle name -> the static files it joins, in order (paths under intake/static/).
BUNDLES: dict[str, tuple[str, ...]] = {
    "form.js": ("js/submit.js", "js/upload.js", "js/questions.js", "js/feedback.js", "js/form.js"),
    "seal.js": ("js/envelope.js", "js/envelope2-header.js", "js/envelope2.js", "js/webcrypto.js"),
}

#: What ends the ETag of a bundle's gzip answer (the identity answer's is the version alone).
GZIP_ETAG_SUFFIX = "-gzip"

bp = Blueprint("bundles", __name__, url_prefix="/bundle")


class Built(NamedTuple):
    """One bundle as served: its bytes, its version (16 hex digits of their SHA-256) and
    those bytes gzip-compressed (level 9, MTIME 0)."""

    body: bytes
    version: str
    gzipped: bytes


def build(static_folder: str, name: str) -> tuple[bytes, str]:
    """(bytes, version) of bundle ``name`` from the files under ``static_folder`` (no app needed).

    :raises KeyError: for a name that is not a bundle.
    """
    built = _build(static_folder, name)
    return built.body, built.version


def version(name: str) -> str:
    """The 16-hex-digit version of bundle ``name`` in the current app (what its URL's ``v`` is)."""
    return _build(current_app.static_folder, name)[1]


@lru_cache(maxsize=16)
def _build(static_folder: str, name: str) -> Built:
    """Bundle ``name``: each file, a newline, ``;``, a newline; the version is 16 hex digits
    of the SHA-256 of those bytes; compressed once, here (no timestamp: ``mtime=0``)."""
    body = b"".join(
        Path(static_folder, part).read_bytes().rstrip(b"\n") + b"\n;\n" for part in BUNDLES[name]
    )
    return Built(body, hashlib.sha256(body).hexdigest()[:16], gzip.compress(body, compresslevel=9, mtime=0))


def bundle(name: str) -> bytes:
    """The bytes of bundle ``name`` (a key of :data:`BUNDLES`).

    :raises KeyError: for a name that is not a bundle.
    """
    return _build(current_app.static_folder, name)[0]


def bundle_url(name: str) -> str:
    """URL of bundle ``name`` with ``?v=<content hash>`` (cacheable for a year).

    :raises KeyError: for a name that is not a bundle.
    """
    return url_for("bundles.serve", name=name, v=_build(current_app.static_folder, name)[1])


@bp.get("/<name>")
def serve(name: str):
    """Bundle ``name`` as ``text/javascript``, gzip-compressed if the request's
    ``Accept-Encoding`` allows gzip (ETag ``"<version>-gzip"``), else as is (ETag
    ``"<version>"``), ``Vary: Accept-Encoding`` either way; cacheable for a year only
    under its current ``?v=`` (:func:`intake.security.static_cache`); 304 when
    ``If-None-Match`` names that answer's ETag; 404 for any other name."""
    if name not in BUNDLES:
        abort(404)
    built = _build(current_app.static_folder, name)
    if request.accept_encodings.quality("gzip") > 0:
        response = Response(built.gzipped, mimetype="text/javascript")
        response.content_encoding = "gzip"
        response.set_etag(built.version + GZIP_ETAG_SUFFIX)
    else:
        response = Response(built.body, mimetype="text/javascript")
        response.set_etag(built.version)
    response.vary.add("Accept-Encoding")
    security.cache_static(response, request.args.getlist("v"), built.version)
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Serve ``/bundle/<name>`` and give templates ``bundle_url``."""
    app.register_blueprint(bp)
    app.jinja_env.globals["bundle_url"] = bundle_url
