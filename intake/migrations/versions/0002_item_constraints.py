"""Items: each position once per submission; kind and sizes checked by the database.

Revision ID: 0002
Revises: 0001

Before this, a bug could store two items at one position of a submission, an
unknown kind, or a negative size, and export would carry it to reviewers.
Now the database refuses such a row. ``batch_alter_table`` rebuilds the
table on SQLite, which cannot add constraints in place; on PostgreSQL it
alters it.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.create_unique_constraint("uq_items_submission_position", ["submission_id", "position"])
        batch.create_check_constraint("ck_items_kind", "kind IN ('report', 'attachment')")
        batch.create_check_constraint("ck_items_size", "size >= 0")
        batch.create_check_constraint("ck_items_position", "position >= 0")


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_constraint("ck_items_position", type_="check")
        batch.drop_constraint("ck_items_size", type_="check")
        batch.drop_constraint("ck_items_kind", type_="check")
        batch.drop_constraint("uq_items_submission_position", type_="unique")
