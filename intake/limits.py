"""What a request may send, decided from its headers before any body byte is read.

Every route and method has a :class:`Rule` in :data:`RULES`: the content
types it accepts and the most bytes a body of each may have, where its CSRF
token travels, and whether it counts as an upload. A route missing from the table
accepts no body at all, so a new route is safe by default. The checks run as
the app's first ``before_request`` function (ahead of flask-wtf's CSRF hook,
which parses form bodies), in this order:

1. a body on a route that takes none: 413; a body of a type the route does
   not take: 415;
2. a ``Content-Length`` over the route's cap: 413. A chunked body (no
   ``Content-Length``) is counted as it is read and refused with 413 the
   moment it passes the cap (:class:`GuardedInput`);
3. the ``X-CSRFToken`` header of the JavaScript routes: 400 if missing or wrong
   (the no-JavaScript form's token is in its body and is checked by
   :mod:`intake.tokenfirst` before any file part is accepted);
4. an upload beyond ``MAX_UPLOADS`` running at once in this worker process:
   503 "try again" (:class:`Busy`), answered at once.

Reads from the body then go through :class:`GuardedInput`: a read the server
waited on for longer than the socket's idle timeout (set by the gunicorn worker,
deploy/worker.py), or a body that arrives slower than ``MIN_BODY_RATE`` bytes
per second on average once ``BODY_RATE_GRACE`` seconds have passed, ends the
request with 408, and everything it had written is deleted as for any other
refused request.

Sizes (bytes), from the configuration:

- JSON bodies: :data:`JSON_CAP`; a urlencoded form: ``MAX_FORM_MEMORY_SIZE``.
- The no-JavaScript form (``multipart/form-data``): files of at most
  ``MAX_CONTENT_LENGTH`` plaintext bytes in total (the figure the form
  promises) plus the text fields (``MAX_FORM_MEMORY_SIZE`` in total) plus
  :data:`PART_OVERHEAD` per part; see :func:`form_body_cap`.
- Encrypted pieces (``application/octet-stream`` PUT): one piece,
  :data:`intake.upload.checks.MAX_PIECE_BYTES`.
- A submit carrying envelopes (``application/octet-stream`` POST
  ``/upload/submit``): :data:`intake.upload.inline.BODY_CAP`, one piece's
  worth of envelopes plus an 8 KiB manifest.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    RequestEntityTooLarge,
    RequestTimeout,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from wtforms import ValidationError

from .upload.checks import MAX_PIECE_BYTES
from .upload.inline import BODY_CAP as INLINE_BODY_CAP

#: Largest JSON body of any route (bytes): an upload's size, or a submission's
#: ids (``MAX_ATTACHMENTS`` + 1 ids of 34 bytes each, far below this).
JSON_CAP = 8 * 1024
#: Bytes allowed per multipart part for its boundary line and headers.
PART_OVERHEAD = 4 * 1024
#: Content type of a request without a body (or with an empty one).
NO_BODY = ""


class Busy(ServiceUnavailable):
    """Too many uploads are running in this worker; the reporter should retry shortly."""

    title = _l("The site is busy")
    message = _l("Many people are sending reports right now. Nothing was saved. Please wait a minute and send again.")


def form_body_cap(config) -> int:
    """Most bytes of a no-JavaScript form body: files + text + part overhead."""
    return config["MAX_CONTENT_LENGTH"] + config["MAX_FORM_MEMORY_SIZE"] + config["MAX_FORM_PARTS"] * PART_OVERHEAD


@dataclass(frozen=True)
class Rule:
    """What one route and method accepts.

    ``types``: media type of a non-empty body -> its most bytes, given the app
    config. ``token``: ``"header"`` (``X-CSRFToken``, checked here),
    ``"body"`` (a form field, checked by the parser) or None. ``upload``:
    counts toward ``MAX_UPLOADS``.
    """

    types: dict[str, Callable[[dict], int]] = field(default_factory=dict)
    token: str | None = None
    upload: bool = False


def _fixed(size: int) -> Callable[[dict], int]:
    return lambda _config: size


def _text_cap(config) -> int:
    return config["MAX_FORM_MEMORY_SIZE"]


#: (endpoint, method) -> Rule. Anything else accepts no body.
RULES: dict[tuple[str, str], Rule] = {
    # The form is multipart; a urlencoded post (no files, e.g. a form saved
    # without its file input) is text only, bounded like the text fields.
    ("report.submit", "POST"): Rule(
        {"multipart/form-data": form_body_cap, "application/x-www-form-urlencoded": _text_cap}, "body", upload=True
    ),
    # No body, or {"ticket": <the form page's>} (intake/upload/sessions.py adopt).
    ("upload.begin", "POST"): Rule({"application/json": _fixed(JSON_CAP)}, "header"),
    ("upload.create", "POST"): Rule({"application/json": _fixed(JSON_CAP)}, "header"),
    ("upload.append", "PUT"): Rule({"application/octet-stream": _fixed(MAX_PIECE_BYTES)}, "header", upload=True),
    ("upload.finish", "POST"): Rule({}, "header"),
    # JSON (ids only), or the ids plus the report and small files' envelopes (intake/upload/inline.py).
    ("upload.submit", "POST"): Rule(
        {"application/json": _fixed(JSON_CAP), "application/octet-stream": _fixed(INLINE_BODY_CAP)}, "header", upload=True
    ),
    # Check-back (intake/checkback/): the receipt form, the browser's lookup, follow-ups.
    ("checkback.check", "POST"): Rule({"application/x-www-form-urlencoded": _text_cap}, "body"),
    ("checkback.lookup", "POST"): Rule({"application/json": _fixed(JSON_CAP)}, "header"),
    ("checkback.follow_up", "POST"): Rule(
        {"multipart/form-data": form_body_cap, "application/x-www-form-urlencoded": _text_cap}, "body", upload=True
    ),
}
NO_BODY_RULE = Rule()


def rule_for(endpoint: str | None, method: str) -> Rule:
    """The :class:`Rule` of ``endpoint`` for ``method`` (no body if none is listed)."""
    return RULES.get((endpoint or "", method), NO_BODY_RULE)


def _has_body() -> bool:
    length = request.content_length
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return chunked or (length is not None and length > 0)


def check_request() -> None:
    """The before-request check (see the module docstring).

    :raises UnsupportedMediaType: 415. :raises RequestEntityTooLarge: 413.
    :raises CSRFError: 400. :raises Busy: 503.
    """
    if request.routing_exception is not None:
        return  # 404/405: answered without reading the body
    rule = rule_for(request.endpoint, request.method)
    config = current_app.config
    cap = 0
    if _has_body():
        if not rule.types:
            raise RequestEntityTooLarge()  # this route takes no body at all
        if request.mimetype not in rule.types:
            raise UnsupportedMediaType()
        cap = rule.types[request.mimetype](config)
        if request.content_length is not None and request.content_length > cap:
            raise RequestEntityTooLarge()
    # Werkzeug's limited stream refuses any read once the limit is reached,
    # even the read that finds the body's end: one byte more lets a body of
    # exactly ``cap`` through, while a longer one is still refused (413).
    request.max_content_length = cap + 1
    if rule.token == "header":
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except ValidationError as exc:
            raise CSRFError(exc.args[0]) from None
    if rule.upload:
        slots: threading.BoundedSemaphore = current_app.extensions["resguardo.upload_slots"]
        if not slots.acquire(blocking=False):
            raise Busy()
        g.upload_slot = slots
    request.environ["wsgi.input"] = GuardedInput(
        request.environ["wsgi.input"], cap, config["MIN_BODY_RATE"], config["BODY_RATE_GRACE"]
    )


def _release(_exc: BaseException | None) -> None:
    slots = g.pop("upload_slot", None)
    if slots is not None:
        slots.release()


class GuardedInput:
    """``wsgi.input`` that ends a request whose client stalls, trickles or sends too much.

    A read that times out (the socket's idle timeout, set by the gunicorn
    worker) raises :class:`~werkzeug.exceptions.RequestTimeout` (408) instead
    of an ``OSError``; so does a body averaging under ``min_rate`` bytes per
    second once ``grace`` seconds have passed since the request began. A body
    (chunked, without ``Content-Length``) that goes past ``cap`` bytes raises
    :class:`~werkzeug.exceptions.RequestEntityTooLarge` (413): Werkzeug's own
    limit would hand ``get_data`` the first ``cap`` bytes silently.
    """

    def __init__(self, stream, cap: int, min_rate: int, grace: float) -> None:
        self._stream = stream
        self._cap = cap
        self._min_rate = min_rate
        self._grace = grace
        self._started = time.monotonic()
        self._received = 0

    def _count(self, data: bytes) -> bytes:
        self._received += len(data)
        if self._received > self._cap:
            raise RequestEntityTooLarge()
        elapsed = time.monotonic() - self._started
        if self._min_rate and elapsed > self._grace and self._received < self._min_rate * elapsed:
            raise RequestTimeout()
        return data

    def read(self, *args) -> bytes:
        """Read like the wrapped stream. :raises HTTPException: see the class."""
        return self._guarded(self._stream.read, *args)

    def readline(self, *args) -> bytes:
        """Read a line like the wrapped stream. :raises HTTPException: see the class."""
        return self._guarded(self._stream.readline, *args)

    def _guarded(self, read, *args) -> bytes:
        try:
            data = read(*args)
        except TimeoutError:
            raise RequestTimeout() from None
        except (HTTPException, OSError):
            raise
        except Exception:  # the server's parser refused the body's framing (e.g. a bad chunk size)
            raise BadRequest() from None
        return self._count(data)

    def __iter__(self):
        return iter(self.readline, b"")

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


def init_app(app: Flask) -> None:
    """Register the check as the app's FIRST before-request function.

    Call before ``csrf.init_app`` (flask-wtf's hook parses form bodies).
    """
    app.extensions["resguardo.upload_slots"] = threading.BoundedSemaphore(app.config["MAX_UPLOADS"])
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
    app.teardown_request(_release)
