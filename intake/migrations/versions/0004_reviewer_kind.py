"""Reviewers: a key kind (X25519 or X-Wing) and room for 1216-byte X-Wing keys.

Revision ID: 0004
Revises: 0003

Every existing row is an X25519 key (the only kind before this), so the new
``kind`` column starts as ``'x25519'`` for them; a check constraint keeps it
to the two kinds ``keys`` knows. ``public_key`` loses its 32-byte length
hint (X-Wing public keys are 1216 bytes; PostgreSQL's ``bytea`` and SQLite's
BLOB never enforced it). ``batch_alter_table`` rebuilds the table on SQLite.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reviewers") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="x25519"))
        batch.alter_column("public_key", type_=sa.LargeBinary(), existing_type=sa.LargeBinary(32))
        batch.create_check_constraint("ck_reviewers_kind", "kind IN ('x25519', 'xwing')")


def downgrade() -> None:
    # An X-Wing key cannot be kept by code that only knows X25519: refuse to
    # lose it silently.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM reviewers WHERE kind != 'x25519'")).scalar():
        raise RuntimeError("remove the X-Wing reviewer keys before downgrading below 0004")
    with op.batch_alter_table("reviewers") as batch:
        batch.drop_constraint("ck_reviewers_kind", type_="check")
        batch.alter_column("public_key", type_=sa.LargeBinary(32), existing_type=sa.LargeBinary())
        batch.drop_column("kind")
