"""Reading back what the intake stored, as a reviewer would (test-side only)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

import keys
from intake import db
from intake.models import Blob, Item, Submission


def stored_submissions(app) -> list[Submission]:
    """All submission rows with their items, oldest first."""
    with app.app_context():
        rows = db.session().scalars(select(Submission).order_by(Submission.id)).all()
        for row in rows:
            list(row.items)
        return list(rows)


def item_count(app) -> int:
    with app.app_context():
        return len(db.session().scalars(select(Item)).all())


@dataclass(frozen=True)
class StoredBlob:
    """One row of the blob store: ``name`` (its id), ``complete``, ``size``."""

    app: object
    name: str
    complete: bool
    size: int

    def read_bytes(self) -> bytes:
        """Its whole ciphertext."""
        with self.app.extensions["resguardo.blobs"].open(self.name) as handle:
            return handle.read()


def blobs(app, *, complete: bool | None = None) -> list[StoredBlob]:
    """Every blob in the store (pending ones included unless ``complete``), by id."""
    query = select(Blob.id, Blob.complete, Blob.size).order_by(Blob.id)
    if complete is not None:
        query = query.where(Blob.complete.is_(complete))
    with app.extensions["resguardo.engine"].connect() as connection:
        rows = connection.execute(query).all()
    return [StoredBlob(app, row.id, bool(row.complete), row.size) for row in rows]


def open_submission(app, submission: Submission, identity: keys.SecretKey) -> tuple[dict, dict[str, bytes]]:
    """Decrypt a stored submission: (report JSON, {item_id: attachment bytes})."""
    store = app.extensions["resguardo.blobs"]
    report = None
    files = {}
    for item in submission.items:
        with store.open(item.id) as handle:
            plain = b"".join(keys.EnvelopeReader(handle, [identity]))
        if item.kind == "report":
            report = json.loads(plain.decode("utf-8"))
        else:
            files[item.id] = plain
    return report, files
