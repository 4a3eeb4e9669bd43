"""Database tables (SQLAlchemy 2.x declarative).

What is stored about a submission is deliberately little: a random id, the
day it arrived (never a time), and for each item the ciphertext's size and
SHA-256. Nothing about the reporter: no address, user agent, referrer,
language or time of day. Schema changes go through Alembic
(intake/migrations/), never ``create_all``.

The ciphertext itself lives here too, in :class:`BlobChunk` rows
(:mod:`intake.storage`). Every table that holds anything of a submission is
``WITHOUT ROWID`` on SQLite (:data:`NO_ROWID`): a hidden rowid would number
rows in arrival order. Its key is a random id, so the B-tree, and after the
periodic ``VACUUM`` the file's pages, are in random-id order. Pending rows
(an upload not yet submitted) carry an hour "tick" number
(:func:`intake.storage.current_tick`) for expiry, and are deleted or cleared
on submit or expiry; stored rows carry no time finer than a day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of every Resguardo table."""


class Reviewer(Base):
    """A reviewer public key that new submissions are sealed to.

    ``kind`` is ``"x25519"`` (32-byte key) or ``"xwing"`` (1216-byte X-Wing key).
    """

    __tablename__ = "reviewers"
    __table_args__ = (CheckConstraint("kind IN ('x25519', 'xwing')", name="ck_reviewers_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16), default="x25519", server_default="x25519")
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    added_on: Mapped[dt.date] = mapped_column(Date)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


#: ``__table_args__`` entry: no hidden rowid on SQLite (ignored by PostgreSQL).
NO_ROWID = {"sqlite_with_rowid": False}


class Submission(Base):
    """One report and its attachments, as ciphertext items."""

    __tablename__ = "submissions"
    __table_args__ = (NO_ROWID,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    exported_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    items: Mapped[list["Item"]] = relationship(
        back_populates="submission",
        order_by="Item.position",
        cascade="all, delete-orphan",
    )


class Item(Base):
    """One envelope (the report, or one attachment) stored as blob ``id``."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("submission_id", "position", name="uq_items_submission_position"),
        CheckConstraint("kind IN ('report', 'attachment')", name="ck_items_kind"),
        CheckConstraint("size >= 0", name="ck_items_size"),
        CheckConstraint("position >= 0", name="ck_items_position"),
        NO_ROWID,
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # "report" | "attachment"
    position: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)  # ciphertext bytes
    sha256: Mapped[str] = mapped_column(String(64))  # of the ciphertext
    submission: Mapped[Submission] = relationship(back_populates="items")


class Blob(Base):
    """One ciphertext envelope held as :class:`BlobChunk` rows (:mod:`intake.storage`).

    ``complete`` is false while it is being written (a pending blob) and
    turns true in the same transaction that commits the submission naming
    it. ``size`` and ``chunks`` count what is stored so far. The other
    columns exist only while pending and are cleared on completion:
    ``tick`` is the hour number of the last write (for expiry), ``owner``
    the keyed hash of the browser upload session that declared it (NULL for
    the no-JavaScript path), ``declared`` the envelope size it promised.
    """

    __tablename__ = "blobs"
    __table_args__ = (
        CheckConstraint("size >= 0", name="ck_blobs_size"),
        CheckConstraint("chunks >= 0", name="ck_blobs_chunks"),
        NO_ROWID,
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    complete: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    tick: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner: Mapped[str | None] = mapped_column(
        ForeignKey("upload_sessions.key", ondelete="CASCADE"), nullable=True, index=True
    )
    declared: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class BlobChunk(Base):
    """Bytes ``seq`` (0, 1, 2, ...) of blob ``blob_id``: at most :data:`intake.storage.CHUNK_BYTES`."""

    __tablename__ = "blob_chunks"
    __table_args__ = (NO_ROWID,)

    blob_id: Mapped[str] = mapped_column(
        ForeignKey("blobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class UploadSession(Base):
    """A browser's unfinished upload session (JavaScript path), deleted on submit or expiry.

    ``key`` is a keyed hash (:func:`intake.upload.sessions.session_key`) of
    the random token in the reporter's cookie, so a copy of the database
    cannot be turned back into a cookie. ``submission_id`` is the id the
    browser seals into its report; ``tick`` the hour of the last request.
    """

    __tablename__ = "upload_sessions"
    __table_args__ = (NO_ROWID,)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(32))
    tick: Mapped[int] = mapped_column(Integer, index=True)


class TickState(Base):
    """PostgreSQL only: the transaction id of the last ``resguardo tick`` (one row, id 1);
    rows younger than it are rewritten by the next tick (:mod:`intake.tick`)."""

    __tablename__ = "tick_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_xid: Mapped[str] = mapped_column(String(32))


class Case(Base):
    """A reporter's case on the server, named by the keyed hash of the receipt's lookup key.

    ``lookup`` is ``HMAC-SHA256(receipt subkey, lookup_key)`` in hex
    (:func:`intake.checkback.cases.lookup_hash`): a copy of the database
    cannot be turned back into a receipt or a lookup key. Days only;
    ``acknowledged_on`` is the last day reviewers marked one of its
    submissions as read, ``last_visit_on`` the last day the reporter checked
    back (retention counts idle days from it).
    """

    __tablename__ = "cases"
    __table_args__ = (NO_ROWID,)

    lookup: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    exported_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    acknowledged_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    last_visit_on: Mapped[dt.date] = mapped_column(Date, index=True)


class CaseSubmission(Base):
    """One submission (the first report or a follow-up) of a case.

    Outlives the submission's ciphertext: when reviewers acknowledge it (or
    retention purges it) the :class:`Submission` row and its chunks go, this
    row stays so the status page and replies still find their case.
    """

    __tablename__ = "case_submissions"
    __table_args__ = (NO_ROWID,)

    submission_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lookup: Mapped[str] = mapped_column(ForeignKey("cases.lookup", ondelete="CASCADE"), index=True)
    follow_up_to: Mapped[str | None] = mapped_column(String(32), nullable=True)  # None: the first report
    received_on: Mapped[dt.date] = mapped_column(Date)
    exported_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    acknowledged_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    purged_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class Reply(Base):
    """A sealed reply (envelope v2 to the reporter's X-Wing key) waiting for its case."""

    __tablename__ = "replies"
    __table_args__ = (NO_ROWID,)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lookup: Mapped[str] = mapped_column(ForeignKey("cases.lookup", ondelete="CASCADE"), index=True)
    submission_id: Mapped[str] = mapped_column(String(32))
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    stored_on: Mapped[dt.date] = mapped_column(Date)


class ReturnImport(Base):
    """A return bundle already imported (its ``return_id``), so a replay is refused."""

    __tablename__ = "return_imports"
    __table_args__ = (NO_ROWID,)

    return_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    imported_on: Mapped[dt.date] = mapped_column(Date)


class FormUse(Base):
    """A no-JavaScript form already stored: keyed hash of its one-time ``form_id``.

    A refresh that re-POSTs the same form finds it and stores nothing; rows
    expire after :data:`intake.checkback.forms.FORM_ID_HOURS` hours (``tick``
    is the hour number, :func:`intake.storage.current_tick`).
    """

    __tablename__ = "form_uses"
    __table_args__ = (NO_ROWID,)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tick: Mapped[int] = mapped_column(Integer, index=True)
