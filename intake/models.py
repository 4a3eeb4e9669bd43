"""Database tables (SQLAlchemy 2.x declarative).

What is stored about a submission is deliberately little: a random id, the
day it arrived (never a time), and for each item the ciphertext's size and
SHA-256. Nothing about the reporter: no address, user agent, referrer,
language or time of day. Schema changes go through Alembic
(intake/migrations/), never ``create_all``.
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
    """A reviewer public key that new submissions are sealed to."""

    __tablename__ = "reviewers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    added_on: Mapped[dt.date] = mapped_column(Date)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Submission(Base):
    """One report and its attachments, as ciphertext items."""

    __tablename__ = "submissions"

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
