"""Initial schema: reviewers, submissions, items.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviewers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("added_on", sa.Date, nullable=False),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("received_on", sa.Date, nullable=False, index=True),
        sa.Column("exported_on", sa.Date, nullable=True, index=True),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "submission_id",
            sa.String(32),
            sa.ForeignKey("submissions.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("items")
    op.drop_table("submissions")
    op.drop_table("reviewers")
