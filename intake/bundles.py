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
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request, url_for

from . import security

#: Bundle name -> the static files it joins, in order (paths under intake/static/).
BUNDLES: dict[str, tuple[str, ...]] = {
    "form.js": ("js/submit.js", "js/upload.js", "js/questions.js", "js/feedback.js", "js/form.js"),
    "seal.js": ("js/envelope.js", "js/envelope2-header.js", "js/envelope2.js", "js/webcrypto.js"),
}

bp = Blueprint("bundles", __name__, url_prefix="/bundle")


def build(static_folder: str, name: str) -> tuple[bytes, str]:
    """(bytes, version) of bundle ``name`` from the files under ``static_folder`` (no app needed).

    :raises KeyError: for a name that is not a bundle.
    """
    return _build(static_folder, name)


def version(name: str) -> str:
    """The 16-hex-digit version of bundle ``name`` in the current app (what its URL's ``v`` is)."""
    return _build(current_app.static_folder, name)[1]


@lru_cache(maxsize=16)
def _build(static_folder: str, name: str) -> tuple[bytes, str]:
    """(bytes, version) of bundle ``name``: each file, a newline, ``;``, a newline; the version
    is 16 hex digits of the SHA-256 of those bytes."""
    body = b"".join(
        Path(static_folder, part).read_bytes().rstrip(b"\n") + b"\n;\n" for part in BUNDLES[name]
    )
    return body, hashlib.sha256(body).hexdigest()[:16]


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
    """Bundle ``name`` as ``text/javascript``, cacheable for a year only under
    its current ``?v=`` (:func:`intake.security.static_cache`); 404 for any other name."""
    if name not in BUNDLES:
        abort(404)
    body, version = _build(current_app.static_folder, name)
    response = Response(body, mimetype="text/javascript")
    response.set_etag(version)
    security.cache_static(response, request.args.getlist("v"), version)
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Serve ``/bundle/<name>`` and give templates ``bundle_url``."""
    app.register_blueprint(bp)
    app.jinja_env.globals["bundle_url"] = bundle_url
