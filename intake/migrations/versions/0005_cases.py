"""The return path: cases, their submissions, replies, imported return bundles, used form ids.

Revision ID: 0005
Revises: 0004

Every table is ``WITHOUT ROWID`` on SQLite (a rowid would number rows in
arrival order) and keyed by a random or keyed-hash value; dates are days.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NO_ROWID = {"sqlite_with_rowid": False}


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("lookup", sa.String(64), primary_key=True),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("exported_on", sa.Date, nullable=True),
        sa.Column("acknowledged_on", sa.Date, nullable=True),
        sa.Column("last_visit_on", sa.Date, nullable=False, index=True),
        **NO_ROWID,
    )
    op.create_table(
        "case_submissions",
        sa.Column("submission_id", sa.String(32), primary_key=True),
        sa.Column("lookup", sa.String(64), sa.ForeignKey("cases.lookup", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("follow_up_to", sa.String(32), nullable=True),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("exported_on", sa.Date, nullable=True),
        sa.Column("acknowledged_on", sa.Date, nullable=True),
        sa.Column("purged_on", sa.Date, nullable=True),
        **NO_ROWID,
    )
    op.create_table(
        "replies",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("lookup", sa.String(64), sa.ForeignKey("cases.lookup", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.Column("envelope", sa.LargeBinary, nullable=False),
        sa.Column("stored_on", sa.Date, nullable=False),
        **NO_ROWID,
    )
    op.create_table(
        "return_imports",
        sa.Column("return_id", sa.String(32), primary_key=True),
        sa.Column("imported_on", sa.Date, nullable=False),
        **NO_ROWID,
    )
    op.create_table(
        "form_uses",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("tick", sa.Integer, nullable=False, index=True),
        **NO_ROWID,
    )


def downgrade() -> None:
    for table in ("form_uses", "return_imports", "replies", "case_submissions", "cases"):
        op.drop_table(table)
