"""Reading back what the intake stored, as a reviewer would (test-side only)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

import keys
from intake import db
from intake.models import Item, Submission


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


def blob_files(app) -> list[Path]:
    """Every file under the blob directory, temporary ones included."""
    root = Path(app.config["BLOB_DIR"])
    return sorted(path for path in root.rglob("*") if path.is_file())


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
