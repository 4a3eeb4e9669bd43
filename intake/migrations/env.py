"""Alembic environment: runs migrations against the URL set by intake.db.alembic_config."""

from alembic import context

from intake.db import make_engine
from intake.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run with a live connection (the only mode Resguardo uses)."""
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
