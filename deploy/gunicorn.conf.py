"""gunicorn settings for Resguardo in production: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Why each choice (gunicorn settings reference: https://docs.gunicorn.org/en/stable/settings.html):

* bind: loopback or a unix socket only; tor is the only client. Override with
  ``RESGUARDO_BIND`` (``127.0.0.1:8080`` or ``unix:/run/resguardo/gunicorn.sock``)
  or ``-b`` on the command line.
* No access log, error log to stderr (journald) at ``warning``: a log line per
  request would record the time of each submission, which the server must not keep.
  tor connects from 127.0.0.1, so no reporter IP ever reaches gunicorn.
* ``gthread`` workers: each request runs in a thread while the worker's main
  loop keeps heart-beating, so a 500 MB upload that trickles in over Tor for
  an hour (≈ 140 KB/s) is not killed as a "hung worker". ``timeout`` is kept
  long anyway (the worker heartbeat is the only thing it bounds with gthread)
  so a slow client never turns into a worker restart mid-upload.
* Request bodies are sealed while they stream (intake's stream factory), so
  neither gunicorn nor the app spools plaintext; ``worker_tmp_dir`` is RAM
  (``/dev/shm``) for the heartbeat file only.
"""

import os

bind = [os.environ.get("RESGUARDO_BIND", "127.0.0.1:8080")]
umask = 0o007  # a unix socket usable by the tor group only (see docs/OPERATIONS.md)

worker_class = "gthread"
workers = int(os.environ.get("RESGUARDO_WORKERS", "2"))
threads = int(os.environ.get("RESGUARDO_THREADS", "8"))  # concurrent slow uploads per worker
timeout = int(os.environ.get("RESGUARDO_TIMEOUT", "3600"))  # seconds
graceful_timeout = 120  # seconds an upgrade waits for running uploads on SIGTERM
keepalive = 75  # seconds; Tor circuits are slow to rebuild, reuse the connection

max_requests = 2000  # recycle workers now and then (memory), with jitter
max_requests_jitter = 200

limit_request_line = 8190
limit_request_fields = 50
limit_request_field_size = 8190

accesslog = None
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = os.environ.get("RESGUARDO_LOG_LEVEL", "warning")
capture_output = False

forwarded_allow_ips = ""  # trust no X-Forwarded-* header: there is no proxy in front
proxy_allow_ips = ""
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "resguardo"

# --- Hardening for hostile input (tests/hostile/test_hostile_live.py) ---
# gunicorn opens a control socket at $XDG_RUNTIME_DIR or $HOME/.gunicorn/gunicorn.ctl
# by default (gunicornc: reload, resize, shutdown). Nothing here uses it; don't leave a
# management socket around.
control_socket_disable = True


def post_worker_init(worker):
    """Send no ``Server`` header: gunicorn 27 writes ``Server: gunicorn`` on every
    response, from the name it gives each Response (gunicorn.http.wsgi.Response.version,
    set from the module-level SERVER). Dropping that line from default_headers
    removes it for every response this worker sends; the app's own headers are
    unchanged. Naming the server software only helps an attacker pick an exploit."""
    from gunicorn.http import wsgi

    default_headers = wsgi.Response.default_headers

    def without_server(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    wsgi.Response.default_headers = without_server


def on_starting(server):
    """Refuse to start with one plain line and exit code 3 (no worker tracebacks)
    when the intake cannot serve: no data directory or secret key, an
    uninitialised database, no reviewer key (see intake.preflight)."""
    import sys

    from intake import preflight

    problem = preflight()
    if problem is not None:
        sys.stderr.write(f"resguardo: error: {problem}\n")
        sys.exit(3)
