"""gunicorn settings for the outbox: ``gunicorn -c deploy/outbox.conf.py deploy.outbox:app``.

The outbox (deploy/outbox.py) serves export bundles read-only on its own
loopback port, behind an onion service with client authorization. One worker
with a few threads is plenty (a handful of reviewers' transfer machines);
``timeout = 0`` lets a large bundle stream over a slow circuit; no control
socket is left around; no ``Server`` header names the software. The bind
address comes from ``RESGUARDO_OUTBOX_BIND`` (default ``127.0.0.1:8082``).
"""

import os

bind = os.environ.get("RESGUARDO_OUTBOX_BIND", "127.0.0.1:8082")
workers = 1
threads = 4
timeout = 0
control_socket_disable = True
accesslog = None  # no request log: nothing about who fetched what, or when


def post_worker_init(worker):
    """Send no ``Server`` header (:func:`deploy.headers.drop_server_header`)."""
    from deploy.headers import drop_server_header

    drop_server_header()
