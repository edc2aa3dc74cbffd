"""Alembic environment: async engines, batch mode on SQLite, one metadata for every model."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from wegotwork.db import create_engine
from wegotwork.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        # SQLite changes a table by copying it and dropping the old one; with foreign keys on,
        # that drop would cascade into every referencing table (a job's copy would take its
        # applicants along). The pragma only takes effect outside a transaction, so it is set
        # on the driver connection before the migrations' transaction begins.
        cursor = connection.connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(_run_async(str(config.get_main_option("sqlalchemy.url"))))
