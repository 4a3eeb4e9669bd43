"""gunicorn settings for Resguardo in production: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Why each choice (gunicorn settings reference: https://docs.gunicorn.org/en/stable/settings.html):

* bind: loopback or a unix socket only; tor is the only client. Override with
  ``RESGUARDO_BIND`` (``127.0.0.1:8080`` or ``unix:/run/resguardo/gunicorn.sock``)
  or ``-b`` on the command line.
* No access log, error log to stderr (journald) at ``warning``: a log line per
  request would record the time of each submission, which the server must not keep.
  tor connects from 127.0.0.1, so no reporter IP ever reaches gunicorn.
* ``deploy.worker.ResguardoWorker`` (gunicorn's gevent worker, deploy/worker.py):
  every connection is a greenlet, so hundreds of slow Tor connections cost a few
  KiB each instead of a thread each, and a reporter on a normal link is served
  beside them (bench/hostile.py measures it). A request head must arrive within
  ``RESGUARDO_HEADER_TIMEOUT`` s (20), a body read may wait at most
  ``RESGUARDO_BODY_IDLE_TIMEOUT`` s (60); the app adds a minimum body rate and
  a bound on concurrent uploads per worker (intake/limits.py).
  ``worker_connections`` bounds the connections one worker holds; past it new
  ones wait in the listen backlog. ``timeout`` is only the worker heartbeat
  (gevent's loop beats every second unless one request hogs the CPU).
* Request bodies are sealed while they stream (intake's stream factory), so
  neither gunicorn nor the app spools plaintext; ``worker_tmp_dir`` is RAM
  (``/dev/shm``) for the heartbeat file only.
"""

import os

# psycopg picks how it waits for PostgreSQL when first imported, and the master
# imports it (on_starting's preflight) before any worker patches the standard
# library for gevent: its C wait would then block a whole worker while one
# request waits for the database. poll() is patched by gevent in the workers,
# so every wait is cooperative (tests/hostile/test_hostile_gevent_db.py).
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_poll")

bind = [os.environ.get("RESGUARDO_BIND", "127.0.0.1:8080")]
umask = 0o007  # a unix socket usable by the tor group only (see docs/OPERATIONS.md)

worker_class = "deploy.worker.ResguardoWorker"
workers = int(os.environ.get("RESGUARDO_WORKERS", "2"))
worker_connections = int(os.environ.get("RESGUARDO_WORKER_CONNECTIONS", "1000"))  # per worker
backlog = 2048
timeout = int(os.environ.get("RESGUARDO_TIMEOUT", "120"))  # seconds without a worker heartbeat
graceful_timeout = 120  # seconds an upgrade waits for running uploads on SIGTERM
# Keep connections open between requests (Tor circuits are slow to rebuild); with
# the gevent worker the next request head must then arrive within the header
# deadline (deploy/worker.py), which also closes idle connections.
keepalive = 20

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
    """Send no ``Server`` header (:func:`deploy.headers.drop_server_header`)."""
    from deploy.headers import drop_server_header

    drop_server_header()


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
