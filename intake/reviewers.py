"""Reviewer public keys kept by the intake (never a secret key).

Keys are rows in the ``reviewers`` table so every app backend sharing one
database seals to the same set. Each new item is sealed to every key here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import keys

from . import db
from .models import Reviewer

DEMO_PREFIX = "DEMO"


class ReviewerError(Exception):
    """A reviewer key cannot be added or removed; the message says why."""


class UnusableKeyError(ReviewerError):
    """A registered key cannot be sealed to (a low-order point, registered
    before ``reviewer add`` refused those); the message names it and the fix."""


def public_key(row: Reviewer):
    """The :class:`keys.PublicKey` or :class:`keys.XWingPublicKey` of ``row`` (by its ``kind``).

    :raises UnusableKeyError: if the stored key is (or, for X-Wing, holds) a low-order X25519 point.
    """
    try:
        return keys.public_key_from_bytes(row.kind, row.public_key, row.name)
    except keys.LowOrderKeyError as exc:
        display = keys.Fingerprint.from_hex(row.fingerprint).display()
        raise UnusableKeyError(
            f"the registered reviewer key {display} ({row.name!r}) is unusable (a low-order X25519 key: "
            f"nothing sealed to it would be secret): remove it with `resguardo reviewer remove {row.fingerprint[:16]}`"
        ) from exc


def active_recipients() -> list:
    """Every registered reviewer key (:class:`keys.PublicKey` or
    :class:`keys.XWingPublicKey`), oldest first.

    :raises UnusableKeyError: if a stored key is unusable (the app refuses to
        start on such a row, see :func:`intake.create_app`).
    """
    rows = db.session().scalars(select(Reviewer).order_by(Reviewer.id)).all()
    return [public_key(row) for row in rows]


def post_quantum(recipients) -> bool:
    """True if every key in ``recipients`` is X-Wing: only then is a report
    protected against a future quantum computer (docs/THREAT-MODEL.md)."""
    return bool(recipients) and all(key.kind == "xwing" for key in recipients)


def list_reviewers() -> list[Reviewer]:
    """Every reviewer row, oldest first."""
    return list(db.session().scalars(select(Reviewer).order_by(Reviewer.id)).all())


def has_demo_key() -> bool:
    """True if a clearly labelled demo key is among the recipients."""
    return db.session().scalar(select(Reviewer.id).where(Reviewer.demo.is_(True)).limit(1)) is not None


def add(key, *, demo: bool = False) -> Reviewer:
    """Register ``key`` (X25519 or X-Wing); return the new row.

    :raises ReviewerError: if the key is already registered.
    """
    session = db.session()
    fingerprint = key.fingerprint.hex
    if session.scalar(select(Reviewer).where(Reviewer.fingerprint == fingerprint)):
        raise ReviewerError("this key is already registered")
    row = Reviewer(
        fingerprint=fingerprint,
        name=key.name,
        kind=key.kind,
        public_key=key.raw,
        added_on=dt.datetime.now(dt.timezone.utc).date(),
        demo=demo,
    )
    session.add(row)
    session.commit()
    return row


def find(text: str) -> Reviewer:
    """The one reviewer whose fingerprint starts with ``text`` (spaces, case ignored).

    :raises ReviewerError: if none or several match, or ``text`` is under 8 digits.
    """
    prefix = "".join(text.split()).lower()
    if len(prefix) < 8 or any(ch not in "0123456789abcdef" for ch in prefix):
        raise ReviewerError("give at least the first 8 hex digits of the fingerprint")
    matches = [row for row in list_reviewers() if row.fingerprint.startswith(prefix)]
    if not matches:
        raise ReviewerError("no registered key has that fingerprint")
    if len(matches) > 1:
        raise ReviewerError("several keys start with that; give more digits")
    return matches[0]


def remove(row: Reviewer) -> None:
    """Delete a reviewer row. Items already sealed to it stay readable by it."""
    session = db.session()
    session.delete(row)
    session.commit()
