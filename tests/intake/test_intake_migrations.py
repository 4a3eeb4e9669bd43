"""Alembic migrations: an installation made at the first schema upgrades to head
with nothing lost, and the migrated schema is exactly what the models say.
Runs on SQLite and on PostgreSQL (the ``database_url`` fixture)."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from intake import db
from intake.models import Base, Item, Reviewer, Submission

FIRST = "0001"

REVIEWERS = [
    (1, "a1" * 32, "Revisora Uno", bytes(range(32)), dt.date(2024, 1, 2), False),
    (2, "b2" * 32, "DEMO key - not for real reports", bytes(range(32, 64)), dt.date(2024, 3, 4), True),
]
SUBMISSIONS = [
    ("0" * 31 + "1", dt.date(2024, 5, 6), dt.date(2024, 5, 7)),
    ("0" * 31 + "2", dt.date(2024, 5, 6), None),
    ("f" * 32, dt.date(2025, 12, 31), None),
]
ITEMS = [
    ("1" * 32, SUBMISSIONS[0][0], "report", 0, 1234, "c3" * 32),
    ("2" * 32, SUBMISSIONS[0][0], "attachment", 1, 5_000_000_000, "d4" * 32),  # > 2**32: BigInteger
    ("3" * 32, SUBMISSIONS[1][0], "report", 0, 4096, "e5" * 32),
    ("4" * 32, SUBMISSIONS[2][0], "report", 0, 65536, "f6" * 32),
    ("5" * 32, SUBMISSIONS[2][0], "attachment", 1, 1, "a7" * 32),
    ("6" * 32, SUBMISSIONS[2][0], "attachment", 2, 0, "b8" * 32),
]


def _head() -> str:
    return ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_current_head()


def _revision(engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _fill_first_schema(engine) -> None:
    """Rows written with plain SQL against the 0001 tables (not the current models)."""
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO reviewers (id, fingerprint, name, public_key, added_on, demo) "
                 "VALUES (:id, :fp, :name, :key, :added, :demo)"),
            [dict(zip(("id", "fp", "name", "key", "added", "demo"), row)) for row in REVIEWERS],
        )
        connection.execute(
            text("INSERT INTO submissions (id, received_on, exported_on) VALUES (:id, :received, :exported)"),
            [dict(zip(("id", "received", "exported"), row)) for row in SUBMISSIONS],
        )
        connection.execute(
            text("INSERT INTO items (id, submission_id, kind, position, size, sha256) "
                 "VALUES (:id, :sub, :kind, :pos, :size, :sha)"),
            [dict(zip(("id", "sub", "kind", "pos", "size", "sha"), row)) for row in ITEMS],
        )


def test_upgrade_from_the_first_schema_keeps_every_row(database_url):
    db.upgrade(database_url, FIRST)
    engine = create_engine(database_url)
    try:
        assert _revision(engine) == FIRST
        _fill_first_schema(engine)
        engine.dispose()

        db.upgrade(database_url)
        assert _revision(engine) == _head()

        with Session(engine) as session:
            reviewers = session.scalars(select(Reviewer).order_by(Reviewer.id)).all()
            assert [(r.id, r.fingerprint, r.name, bytes(r.public_key), r.added_on, r.demo) for r in reviewers] == REVIEWERS
            submissions = session.scalars(select(Submission).order_by(Submission.id)).all()
            assert [(s.id, s.received_on, s.exported_on) for s in submissions] == SUBMISSIONS
            items = [
                (item.id, item.submission_id, item.kind, item.position, item.size, item.sha256)
                for submission in submissions
                for item in submission.items
            ]
            assert items == ITEMS
            assert session.scalars(select(Item.id).order_by(Item.id)).all() == [row[0] for row in ITEMS]
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(database_url):
    db.upgrade(database_url, FIRST)
    engine = create_engine(database_url)
    try:
        _fill_first_schema(engine)
        engine.dispose()
        db.upgrade(database_url)
        db.upgrade(database_url)
        assert _revision(engine) == _head()
        with engine.connect() as connection:
            counts = [connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                      for table in ("reviewers", "submissions", "items")]
        assert counts == [len(REVIEWERS), len(SUBMISSIONS), len(ITEMS)]
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(database_url):
    db.upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_0002_refuses_malformed_items(database_url):
    """0002 adds the item constraints: a bad kind, a negative size or a second
    item at one position are refused by the database itself (and 0003's
    table rebuild on SQLite keeps them)."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    db.upgrade(database_url, FIRST)
    engine = create_engine(database_url)
    try:
        _fill_first_schema(engine)
        engine.dispose()
        db.upgrade(database_url)
        assert _revision(engine) == _head()
        submission = SUBMISSIONS[1][0]
        bad_rows = [
            ("7" * 32, submission, "script", 1, 10, "00" * 32),
            ("8" * 32, submission, "attachment", 1, -1, "00" * 32),
            ("9" * 32, submission, "attachment", 0, 10, "00" * 32),  # position 0 is the report's
        ]
        for row in bad_rows:
            with pytest.raises(IntegrityError):
                with engine.begin() as connection:
                    connection.execute(
                        text("INSERT INTO items (id, submission_id, kind, position, size, sha256) "
                             "VALUES (:id, :sub, :kind, :pos, :size, :sha)"),
                        dict(zip(("id", "sub", "kind", "pos", "size", "sha"), row)),
                    )
        with engine.connect() as connection:
            assert connection.execute(text("SELECT COUNT(*) FROM items")).scalar_one() == len(ITEMS)
    finally:
        engine.dispose()


SUBMISSION_TABLES = ("submissions", "items", "blobs", "blob_chunks", "upload_sessions",
                     "cases", "case_submissions", "replies", "return_imports", "form_uses")


def test_0003_leaves_no_rowid_on_any_table_of_a_submission(database_url, backend):
    """A rowid numbers rows in arrival order; 0003 rebuilds the old tables without one."""
    import pytest
    from sqlalchemy.exc import OperationalError

    assert "0003" in [rev.revision for rev in ScriptDirectory.from_config(db.alembic_config("sqlite://")).walk_revisions()]
    db.upgrade(database_url, "0002")
    engine = create_engine(database_url)
    try:
        _fill_first_schema(engine)
        engine.dispose()
        db.upgrade(database_url)
        if backend != "sqlite":
            return  # PostgreSQL has no rowid (its xmin order is the tick's concern)
        with engine.connect() as connection:
            for table in SUBMISSION_TABLES:
                sql = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": table}
                ).scalar_one()
                assert sql.rstrip().endswith("WITHOUT ROWID"), table
                with pytest.raises(OperationalError):
                    connection.execute(text(f"SELECT rowid FROM {table}"))
            # key order, whatever the insertion order was
            ids = [row[0] for row in connection.execute(text("SELECT id FROM items"))]
            assert ids == sorted(row[0] for row in ITEMS)
    finally:
        engine.dispose()


def test_0004_reviewer_kind_keeps_old_keys_and_takes_xwing_keys(database_url):
    """0004: old rows become X25519 keys, a 1216-byte X-Wing key fits, an unknown
    kind is refused, and a downgrade that would lose an X-Wing key is refused."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    import keys

    assert _head() >= "0004"
    db.upgrade(database_url, FIRST)
    engine = create_engine(database_url)
    try:
        _fill_first_schema(engine)
        engine.dispose()
        db.upgrade(database_url)
        with engine.connect() as connection:
            kinds = connection.execute(text("SELECT kind FROM reviewers ORDER BY id")).scalars().all()
        assert kinds == ["x25519", "x25519"]
        xwing = keys.XWingSecretKey.generate("PQ").public_key
        with Session(engine) as session:
            session.add(Reviewer(id=3, fingerprint=xwing.fingerprint.hex, name="PQ", kind="xwing",
                                 public_key=xwing.raw, added_on=dt.date(2026, 1, 1)))
            session.commit()
            row = session.scalars(select(Reviewer).where(Reviewer.kind == "xwing")).one()
            assert row.public_key == xwing.raw
        with pytest.raises(IntegrityError):
            with engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO reviewers (id, fingerprint, name, kind, public_key, added_on, demo) "
                    "VALUES (4, 'cc', 'x', 'rsa', :key, '2026-01-01', false)"), {"key": b"k"})
        engine.dispose()
        with pytest.raises(RuntimeError):
            _downgrade(database_url, "0003")
    finally:
        engine.dispose()


def _downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(db.alembic_config(database_url), revision)
