"""Ciphertext in the database; no table of a submission keeps a rowid.

Revision ID: 0003
Revises: 0002

Creates ``upload_sessions``, ``blobs``, ``blob_chunks`` and ``tick_state`` (intake/models.py)
and, on SQLite, rebuilds ``submissions`` and ``items`` ``WITHOUT ROWID``: a
rowid numbers rows in insertion order, i.e. arrival order. (PostgreSQL has
no rowid; its tables are left as they are.) The rebuild copies every row;
intake/migrations/env.py turns SQLite's foreign-key enforcement off around
the migration so dropping the old ``submissions`` cannot cascade into
``items``, and checks the keys afterwards.

Existing blob FILES of an older installation are not read here: ``resguardo
init`` imports them into chunk rows after migrating (:mod:`intake.legacy`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def upgrade() -> None:
    op.create_table(
        "upload_sessions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.Column("tick", sa.Integer, nullable=False, index=True),
        **NO_ROWID,
    )
    op.create_table(
        "blobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("complete", sa.Boolean, nullable=False, index=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("tick", sa.Integer, nullable=True),
        sa.Column(
            "owner", sa.String(64), sa.ForeignKey("upload_sessions.key", ondelete="CASCADE"),
            nullable=True, index=True,
        ),
        sa.Column("declared", sa.BigInteger, nullable=True),
        sa.CheckConstraint("size >= 0", name="ck_blobs_size"),
        sa.CheckConstraint("chunks >= 0", name="ck_blobs_chunks"),
        **NO_ROWID,
    )
    op.create_table(
        "blob_chunks",
        sa.Column("blob_id", sa.String(32), sa.ForeignKey("blobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        **NO_ROWID,
    )
    op.create_table(
        "tick_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_xid", sa.String(32), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        for table in ("submissions", "items"):
            with op.batch_alter_table(table, recreate="always", table_kwargs=NO_ROWID):
                pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in ("items", "submissions"):
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_with_rowid": True}):
                pass
    op.drop_table("tick_state")
    op.drop_table("blob_chunks")
    op.drop_table("blobs")
    op.drop_table("upload_sessions")
