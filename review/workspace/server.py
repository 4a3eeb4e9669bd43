"""``review workspace CASES``: serve the workspace on 127.0.0.1 and open it in the browser.

The server listens on the loopback address only, on a port the system picks,
with a fresh secret token per launch (32 random bytes from the OS, in the URL
it prints and opens, as Jupyter does). Requests are not logged (the first one
carries the token). It runs until Ctrl-C. Werkzeug's own server is used: one
reviewer on one laptop, no network exposure.
"""

from __future__ import annotations

import secrets
import webbrowser
from pathlib import Path
from typing import Callable

from werkzeug.serving import WSGIRequestHandler, make_server

HOST = "127.0.0.1"


class _QuietHandler(WSGIRequestHandler):
    """No access log: the first request's URL holds the launch token."""

    def log_request(self, *args, **kwargs) -> None:
        return None

    def log(self, type: str, message: str, *args) -> None:  # noqa: A002 (Werkzeug's name)
        if type == "error":
            super().log(type, "%s", "request failed")


def make_workspace_server(root: Path, language: str, port: int = 0):
    """A ready (not yet serving) server for the cases folder ``root`` and its URL.

    :raises OSError: if the port cannot be bound.
    """
    from .app import create_app
    from .index import opened, sync

    root = Path(root).resolve(strict=True)
    with opened(root) as connection:  # build or refresh the index before the first page
        sync(connection, root)
    token = secrets.token_urlsafe(32)
    server = make_server(HOST, port, None, threaded=True, request_handler=_QuietHandler)
    chosen = server.server_port
    server.app = create_app(root, token, language, chosen)
    return server, f"http://{HOST}:{chosen}/?token={token}"


def serve(root: Path, language: str, *, open_browser: bool = True, port: int = 0,
          announce: Callable[[str], None] = print) -> None:
    """Serve the workspace until Ctrl-C; ``announce`` is given the URL first."""
    server, url = make_workspace_server(root, language, port)
    announce(url)
    if open_browser:
        webbrowser.open(url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
