"""Proving a refused request created nothing: no row, no blob, no temporary file.

Counting what is stored after a request is not enough: the no-JavaScript path
deletes what it wrote when a request fails, so a refusal that came too late
looks clean afterwards. :func:`no_work` therefore also makes every way of
creating storage fail *during* the request (and records the attempt): a new
blob or partial upload in the blob store, and every ``tempfile`` function.

Where the intake keeps pending uploads is in one place here
(:func:`footprint`, :data:`CREATORS`), so the tests that use this module do
not change when the storage does.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import func, select

from intake import db, models, storage
from intake.models import Item, Submission
from intake.upload import parts

#: (object, attribute) of every function that starts storing a new blob or part
#: (each patched where the storage in use has it: blob files, or blob rows).
CREATORS = [(storage.BlobStore, "new"), (parts.Part, "create")]
TEMPFILE_FUNCTIONS = ("TemporaryFile", "SpooledTemporaryFile", "NamedTemporaryFile", "mkstemp", "mkdtemp")


def footprint(app) -> tuple[int, int, int, int]:
    """(submission rows, item rows, blob rows, files under the blob directory), pending
    ones included; a count the storage in use does not have is 0."""
    with app.app_context():
        session = db.session()
        submissions = session.scalar(select(func.count()).select_from(Submission))
        items = session.scalar(select(func.count()).select_from(Item))
        blob_model = getattr(models, "Blob", None)
        blobs = session.scalar(select(func.count()).select_from(blob_model)) if blob_model is not None else 0
    root = app.config.get("BLOB_DIR")
    files = sum(1 for path in Path(root).rglob("*") if path.is_file()) if root and Path(root).exists() else 0
    return submissions, items, blobs, files


class Attempts(list):
    """Names of the storage functions a request tried to call."""


@contextmanager
def no_work(app, monkeypatch) -> Iterator[Attempts]:
    """Within the block, creating a blob, a part or a temporary file raises and is recorded.

    On leaving, asserts that nothing was attempted and the :func:`footprint`
    did not change.
    """
    attempts = Attempts()

    def refuse(name):
        def refused(*_args, **_kwargs):
            attempts.append(name)
            raise AssertionError(f"{name} was called for a request that must be refused first")
        return refused

    before = footprint(app)
    with monkeypatch.context() as patch:
        for owner, name in CREATORS:
            if hasattr(owner, name):
                patch.setattr(owner, name, refuse(f"{owner.__name__}.{name}"))
        for name in TEMPFILE_FUNCTIONS:
            patch.setattr(tempfile, name, refuse(f"tempfile.{name}"))
        patch.setattr(os, "O_TMPFILE", 0, raising=False)
        yield attempts
    assert attempts == []
    assert footprint(app) == before
