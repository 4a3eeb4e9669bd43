"""The free-disk floor: below it new uploads wait, stored reports stay.

When the file system holding the database (SQLite: the database file's
directory; PostgreSQL: the data directory; a remote database server's disk is
the operator's to watch) has fewer than ``DISK_FLOOR`` free bytes
(:mod:`intake.config`), every request that would start storing something new
(the no-JavaScript ``POST /submit`` and the browser path's ``/upload/begin``
and ``/upload/`` declare) is answered with a localized 503 "try again later"
before its body is read. Nothing stored is ever deleted or refused to
export for lack of space. The same message answers a browser upload refused
because the site-wide caps on unfinished uploads are reached
(:mod:`intake.upload.sessions`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask, current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import make_url

#: Endpoints that start storing something new.
GUARDED = frozenset({"report.submit", "upload.begin", "upload.create"})

FULL_MESSAGE = (
    _l("Please try again later"),
    _l(
        "This site cannot accept new reports or files at the moment. Nothing was saved. "
        "Please try again in an hour or later; reports already received are safe."
    ),
)


def storage_path(config) -> Path:
    """The directory whose file system holds the database (see the module docstring)."""
    url = make_url(config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).resolve().parent
    return Path(config["DATA_DIR"])


def disk_ok(config) -> bool:
    """True while the free bytes at :func:`storage_path` are at least ``DISK_FLOOR``."""
    try:
        free = shutil.disk_usage(storage_path(config)).free
    except OSError:
        return False
    return free >= config["DISK_FLOOR"]


def _guard():
    if request.endpoint not in GUARDED or disk_ok(current_app.config):
        return None
    title, message = FULL_MESSAGE
    if request.blueprint == "upload":
        return jsonify({"error": str(message), "title": str(title), "code": "full"}), 503
    from .errors import render_error

    return render_error(503, title, message)


def init_app(app: Flask) -> None:
    """Check the floor before anything else reads a request body (register before CSRF)."""
    app.before_request(_guard)
