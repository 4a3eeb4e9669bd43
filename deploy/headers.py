"""gunicorn's ``Server`` header, removed: naming the server software only helps an attacker pick an exploit."""

from __future__ import annotations


def drop_server_header() -> None:
    """Make this gunicorn worker send no ``Server`` header.

    gunicorn writes ``Server: gunicorn`` on every response, from
    ``gunicorn.http.wsgi.Response.default_headers`` (the name comes from the
    module-level ``SERVER``). Wrapping that method to drop the line removes it
    for every response the worker sends; the app's own headers are unchanged.
    Call it from a config file's ``post_worker_init`` hook (deploy/gunicorn.conf.py,
    deploy/outbox.conf.py).
    """
    from gunicorn.http import wsgi

    default_headers = wsgi.Response.default_headers
    if getattr(default_headers, "drops_server", False):
        return

    def without_server(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    without_server.drops_server = True
    wsgi.Response.default_headers = without_server
