"""Test-only WSGI entry point: the real app with a crash planted in the commit path.

``gunicorn tests.faults.crashing_wsgi:app`` serves exactly what ``wsgi:app``
serves, except that a submission whose description contains one of the
markers in tests/faults/markers.py kills its worker on the spot with ``os._exit(137)`` (what
``kill -9`` or the OOM killer does: no teardown, no cleanup, no response):

* :data:`BEFORE_ROW`: inside ``Session.commit``, after every blob's last
  chunks are written and the transaction has marked them complete, before
  it commits with the submission row;
* :data:`MID_BLOBS`: right after the first blob (the report) has written its
  last chunks, while the attachments' last batch is still unwritten.

Production code has no hook for this: the patching happens here, in a
module only the fault tests load.
"""

from __future__ import annotations

import os

from flask import has_request_context, request
from sqlalchemy.orm import Session

from intake.models import Submission
from intake.storage import PendingBlob
from tests.faults.markers import BEFORE_ROW, MID_BLOBS
from wsgi import app  # noqa: F401  (the real app, built exactly as in production)

EXIT_CODE = 137  # 128 + SIGKILL, as after kill -9

_session_commit = Session.commit
_blob_commit = PendingBlob.commit


def _marked(marker: str) -> bool:
    return has_request_context() and marker in (request.form.get("description") or "")


def _crashing_session_commit(self: Session) -> None:
    if any(isinstance(obj, Submission) for obj in self.new) and _marked(BEFORE_ROW):
        os._exit(EXIT_CODE)
    _session_commit(self)


def _crashing_blob_commit(self: PendingBlob) -> None:
    _blob_commit(self)
    if _marked(MID_BLOBS):
        os._exit(EXIT_CODE)


Session.commit = _crashing_session_commit
PendingBlob.commit = _crashing_blob_commit
