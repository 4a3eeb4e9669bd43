"""Submitting the real form over HTTP, as a browser without JavaScript would."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import requests

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token in a form page. :raises AssertionError: if absent."""
    match = TOKEN.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def submit_report(
    session: requests.Session,
    base_url: str,
    fields: dict[str, object],
    files: Iterable[tuple[str, bytes | Path, str]] = (),
    timeout: float = 120,
) -> requests.Response:
    """GET the form, take its CSRF token, POST multipart to /submit.

    ``files`` are ``(filename, content or path, content_type)``. Returns the
    POST response (200 with the receipt page on success; no redirect).
    """
    page = session.get(base_url + "/", timeout=timeout)
    page.raise_for_status()
    data: list[tuple[str, str]] = [("csrf_token", csrf_token(page.text))]
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.append((name, str(item)))
    parts = []
    for filename, content, content_type in files:
        body = content.read_bytes() if isinstance(content, Path) else content
        parts.append(("attachments", (filename, body, content_type)))
    if not parts:
        parts.append(("attachments", ("", b"", "application/octet-stream")))
    return session.post(base_url + "/submit", data=data, files=parts, allow_redirects=False, timeout=timeout)
