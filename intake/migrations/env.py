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
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Table rebuilds drop and re-create tables; with enforcement on,
            # dropping a parent would cascade-delete its children. The pragma
            # only takes effect outside a transaction, hence the commit.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    engine.dispose()


run_migrations_online()
