"""Helpers for the hostile-input tests (tests/hostile/).

Routes come from the app's URL map, so a new route is fuzzed without
editing a list. Pages are identified by their localized title, what was
stored is compared before and after each request, and each request's CPU
time and peak memory are measured in-process.
"""

from __future__ import annotations

import hashlib
import io
import re
import resource
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from intake import db
from intake.models import Blob, Item, Submission

# <h1> of every page a reporter can get, per language; "form" is the form
# page itself (re-shown with a 400 when a field is wrong).
TITLES = {
    "es": {
        "bad_request": "No se pudo entender la solicitud",
        "not_allowed": "No permitido",
        "not_found": "Página no encontrada",
        "too_much": "Demasiados datos",
        "session": "Su sesión expiró",
        "server": "Algo falló de nuestro lado",
        "form": "Denuncie un incidente de forma segura",
        "received": "Recibimos su denuncia",
        "repeat": "Esta denuncia ya fue recibida",
        "checkback": "Seguimiento de una denuncia",
        "checkback_status": "Su denuncia",
        "busy": "Inténtelo de nuevo en un minuto",
    },
    "en": {
        "bad_request": "The request could not be understood",
        "not_allowed": "Not allowed",
        "not_found": "Page not found",
        "too_much": "Too much data",
        "session": "Your session expired",
        "server": "Something went wrong on our side",
        "form": "Report an incident safely",
        "received": "Your report was received",
        "repeat": "This report was already received",
        "checkback": "Check on a report",
        "checkback_status": "Your report",
        "busy": "Please try again in a minute",
    },
}
FORM_ERRORS = {"es": "Revise el formulario", "en": "Please check the form"}
H1 = re.compile(r"<h1>([^<]*)</h1>")
HTML_LANG = re.compile(r'<html lang="(\w+)">')
SITE = "http://resguardo.onion/"


def page_kind(response, lang: str | None = None) -> str:
    """Which page ``response`` is: a key of :data:`TITLES`, or "form_errors".

    The title must be in ``lang``, by default the page's own ``<html lang>``.

    :raises AssertionError: if the body is not one of our localized pages.
    """
    html = response.get_data(as_text=True)
    if lang is None:
        declared = HTML_LANG.search(html)
        assert declared and declared.group(1) in TITLES, f"no known <html lang> in {html[:200]!r}"
        lang = declared.group(1)
    titles = H1.findall(html)
    assert len(titles) == 1, f"not one <h1> in {html[:300]!r}"
    kinds = [kind for kind, title in TITLES[lang].items() if title == titles[0]]
    assert kinds, f"unknown page title {titles[0]!r} for {lang}"
    if kinds[0] == "form" and FORM_ERRORS[lang] in html:
        return "form_errors"
    return kinds[0]


def route_paths(app) -> list[tuple[str, set[str], str]]:
    """(rule, methods, a concrete path) for every rule of the URL map."""
    samples = {"code": "en", "filename": "css/style.css"}
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods.setdefault(rule.rule, set()).update(rule.methods)
    paths = []
    for rule, allowed in sorted(methods.items()):
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda match: samples.get(match.group(1), "x"), rule)
        paths.append((rule, allowed, path))
    return paths


def multipart(boundary: bytes, parts: list[tuple[bytes, bytes]], end: bool = True) -> bytes:
    """A multipart body from (header lines, content) pairs."""
    body = b"".join(b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n" for headers, content in parts)
    return body + (b"--" + boundary + b"--\r\n" if end else b"")


def disposition(name: bytes, filename: bytes | None = None, content_type: bytes | None = None) -> bytes:
    """Part header lines for field ``name`` (a file part if ``filename`` is given)."""
    line = b'Content-Disposition: form-data; name="' + name + b'"'
    if filename is not None:
        line += b'; filename="' + filename + b'"'
    if content_type is not None:
        line += b"\r\nContent-Type: " + content_type
    return line


def same_site(location: str) -> bool:
    """True if a browser following ``location`` stays on this site.

    Resolves it the way the WHATWG URL parser does for http: tabs and
    newlines are dropped, leading and trailing C0 controls and spaces
    trimmed, and a backslash counts as a slash.
    """
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("".join(map(chr, range(0x21))))
    cleaned = cleaned.replace("\\", "/")
    resolved = urlsplit(urljoin(SITE, cleaned))
    return cleaned.startswith("/") and not cleaned.startswith("//") and resolved.netloc == "resguardo.onion" and resolved.scheme == "http"


@dataclass(frozen=True)
class Stored:
    """What the server holds: submission ids, item (id, size, sha256), blobs (id, complete)."""

    submissions: frozenset
    items: frozenset
    files: frozenset


def snapshot(app) -> Stored:
    """The rows and blobs of ``app`` right now."""
    with app.app_context():
        session = db.session()
        submissions = frozenset(session.scalars(select(Submission.id)).all())
        items = frozenset((row.id, row.size, row.sha256) for row in session.scalars(select(Item)).all())
        files = frozenset((row.id, bool(row.complete)) for row in session.execute(select(Blob.id, Blob.complete)))
    return Stored(submissions, items, files)


def check_stored(app, before: Stored, stored: bool = False) -> Stored:
    """Assert nothing changed, or (``stored``) exactly one whole submission more.

    A whole submission: one new row, and for each new item a complete blob
    of exactly the recorded size and SHA-256; never a pending blob left.
    """
    after = snapshot(app)
    assert all(complete for _id, complete in after.files), after.files
    if not stored:
        assert after == before
        return after
    assert len(after.submissions - before.submissions) == 1
    new_items = after.items - before.items
    assert new_items and {blob_id for blob_id, _ in after.files - before.files} == {item_id for item_id, _, _ in new_items}
    store = app.extensions["resguardo.blobs"]
    for item_id, size, sha256 in new_items:
        with store.open(item_id) as handle:
            data = handle.read()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (size, sha256)
    return after


@dataclass
class Figures:
    """CPU seconds and peak traced bytes per request, by test."""

    cpu: dict[str, list[float]] = field(default_factory=dict)
    memory: dict[str, list[int]] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, name: str, cpu: float, status: int, peak: int | None = None) -> None:
        """Record one request."""
        self.cpu.setdefault(name, []).append(cpu)
        if peak is not None:
            self.memory.setdefault(name, []).append(peak)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def lines(self) -> list[str]:
        """A summary, one line per test."""
        out = [f"requests: {sum(self.statuses.values())}, by status {dict(sorted(self.statuses.items()))}, "
               f"5xx: {sum(n for code, n in self.statuses.items() if code >= 500)}"]
        for name in sorted(self.cpu):
            cpu = self.cpu[name]
            line = f"{name}: {len(cpu)} requests, CPU max {max(cpu) * 1000:.1f} ms, mean {sum(cpu) / len(cpu) * 1000:.1f} ms"
            if name in self.memory:
                line += f", peak memory max {max(self.memory[name]) / 1024:.0f} KiB"
            out.append(line)
        return out


FIGURES = Figures()


def measured(name: str, send, *, trace_memory: bool = False, cpu_limit: float = 1.0, memory_limit: int = 16 << 20):
    """Call ``send()`` (one request through the test client) and measure it.

    CPU time is this thread's (the test client runs the app in the calling
    thread); memory is tracemalloc's peak while the request ran. Asserts
    both bounds and that the status is not 5xx, records the figures.
    """
    if trace_memory:
        tracemalloc.start()
    start = resource.getrusage(resource.RUSAGE_THREAD)
    wall = time.monotonic()
    try:
        response = send()
        response.get_data()
        response.close()
    finally:
        end = resource.getrusage(resource.RUSAGE_THREAD)
        peak = None
        if trace_memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    cpu = (end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime)
    FIGURES.add(name, cpu, response.status_code, peak)
    assert response.status_code < 500, (name, response.status_code)
    assert cpu < cpu_limit, f"{name}: {cpu:.3f} s CPU (wall {time.monotonic() - wall:.3f} s)"
    if peak is not None:
        assert peak < memory_limit, f"{name}: peak {peak} bytes"
    return response


class GeneratedBody(io.RawIOBase):
    """A request body made on the fly from pieces (bytes, or (bytes, count) runs).

    Lets a test send hundreds of megabytes without holding them, so the
    measured memory is the app's.
    """

    def __init__(self, pieces) -> None:
        super().__init__()
        self._pieces = iter(pieces)
        self._current = b""
        self._run: tuple[bytes, int] | None = None
        self.length = sum(len(p) if isinstance(p, bytes) else len(p[0]) * p[1] for p in pieces)

    def readable(self) -> bool:  # noqa: D102 - io protocol
        return True

    def readinto(self, buffer) -> int:  # noqa: D102 - io protocol
        while not self._current:
            if self._run and self._run[1] > 0:
                repeat = min(self._run[1], max(1, (1 << 16) // len(self._run[0])))
                self._current = self._run[0] * repeat
                self._run = (self._run[0], self._run[1] - repeat)
                break
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            if isinstance(piece, bytes):
                self._current = piece
            else:
                self._run = piece
        count = min(len(buffer), len(self._current))
        buffer[:count] = self._current[:count]
        self._current = self._current[count:]
        return count
