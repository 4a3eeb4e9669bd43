"""The gunicorn worker Resguardo runs: gevent, with deadlines a slow client cannot stretch.

``worker_class = "deploy.worker.ResguardoWorker"`` (deploy/gunicorn.conf.py).
Each connection is a greenlet (a few KiB), so hundreds of connections that
trickle in over Tor cost memory, not threads; a reporter on a normal link is
served beside them. On top of gunicorn's gevent worker:

* **Request head deadline**: the request line and headers of each request
  (the first on a connection, or the next on a kept-alive one) must arrive
  within ``RESGUARDO_HEADER_TIMEOUT`` seconds (default 20); otherwise the
  connection is closed, silently.
* **Body idle timeout**: while a request runs, a read or write on the client
  socket that waits longer than ``RESGUARDO_BODY_IDLE_TIMEOUT`` seconds
  (default 60) fails; the app turns that into a 408 and deletes what the
  request had written (intake/limits.py, which also requires a minimum average
  body rate and bounds concurrent uploads).
* **A refused body is not drained**: when the app answered without reading the
  whole body (413, 415, a CSRF refusal), the connection is closed instead of
  reading the rest of a body nobody wants.
* **Nothing names the software**: a request gunicorn itself cannot parse (bad
  request line, URI or headers too long, bad chunking) is answered with the
  app's own localized error page for 400, 414 or 431 (rendered once per
  worker, :func:`intake.errors.standalone_page`) and the connection is closed;
  nothing about the request is logged but the error's type.

Imported only by gunicorn in a worker process, after gevent's monkey patching.
"""

from __future__ import annotations

import os

import gevent
from gunicorn.http import errors as http_errors
from gunicorn.http.body import LengthReader
from gunicorn.workers.ggevent import GeventWorker

HEADER_TIMEOUT = float(os.environ.get("RESGUARDO_HEADER_TIMEOUT", "20"))
BODY_IDLE_TIMEOUT = float(os.environ.get("RESGUARDO_BODY_IDLE_TIMEOUT", "60"))

#: gunicorn's parse errors -> the status the reporter's browser gets.
STATUSES = (
    (http_errors.LimitRequestLine, 414),
    (http_errors.LimitRequestHeaders, 431),
)


def status_for(exc: BaseException) -> int:
    """The HTTP status for ``exc``: 414/431/400 for a request gunicorn could not
    parse (a response header the app got wrong is the app's fault), else 500."""
    if isinstance(exc, (http_errors.InvalidResponseHeader, http_errors.InvalidResponseHeaderName)):
        return 500
    for kind, status in STATUSES:
        if isinstance(exc, kind):
            return status
    return 400 if isinstance(exc, http_errors.ParseException) else 500


class ResguardoWorker(GeventWorker):
    """gunicorn's gevent worker with the deadlines and error pages above."""

    _pages: dict[int, bytes] | None = None
    _quitting = False

    def handle_quit(self, sig, frame):
        """Quit once: Ctrl-C in a terminal (``bash scripts/run.sh``) sends SIGINT
        to the worker and the arbiter, which then sends SIGQUIT too; gunicorn's
        gevent worker spawned one exit per signal, and the second one, run while
        the interpreter was already shutting down, printed a ``SystemExit``
        traceback per worker."""
        if self._quitting:
            return
        self._quitting = True
        super().handle_quit(sig, frame)

    def timeout_ctx(self):
        """Deadline for one request head (silent: the connection just closes)."""
        return gevent.Timeout(HEADER_TIMEOUT, False)

    def handle_request(self, listener_name, req, sock, addr):
        """Serve ``req`` with the body idle timeout on ``sock``; close a connection
        whose request body was left unread rather than drain it."""
        sock.settimeout(BODY_IDLE_TIMEOUT)
        try:
            keep = super().handle_request(listener_name, req, sock, addr)
        except TimeoutError:
            raise StopIteration() from None  # the client stalled while we wrote: drop it
        finally:
            sock.settimeout(None)
        reader = getattr(req.body, "reader", None)
        if isinstance(reader, LengthReader) and reader.length > 0:
            raise StopIteration()
        return keep

    def handle_error(self, req, client, addr, exc):
        """Answer a request gunicorn could not parse with the app's page; log its type only."""
        status = status_for(exc)
        if status == 500:
            self.log.error("unhandled %s in the worker", type(exc).__name__)
        else:
            self.log.info("refused a malformed request (%s): %d", type(exc).__name__, status)
        try:
            client.settimeout(5)
            client.sendall(self._page(status))
        except OSError:
            pass

    def _page(self, status: int) -> bytes:
        if self._pages is None:
            self._pages = {}
        if status not in self._pages:
            self._pages[status] = _render(self.wsgi, status)
        return self._pages[status]


def _render(app, status: int) -> bytes:
    """The raw HTTP response of ``app``'s error page for ``status`` (Connection: close)."""
    from intake.errors import standalone_page

    try:
        code, headers, body = standalone_page(app, status)
    except Exception:  # not the intake app (e.g. a test app): close with a bare status
        code, headers, body = status, [("Content-Type", "text/plain; charset=utf-8")], b""
    head = [f"HTTP/1.1 {code} {_REASONS.get(code, 'Error')}"]
    head += [f"{name}: {value}" for name, value in headers if name.lower() not in ("content-length", "connection")]
    head += [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


_REASONS = {400: "Bad Request", 414: "URI Too Long", 431: "Request Header Fields Too Large", 500: "Internal Server Error"}
