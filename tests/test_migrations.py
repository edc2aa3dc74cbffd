"""The migrations build the whole schema and take it down again, on both databases, and the
models agree with what the migrations create."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tests.fixtures.database import FreshDatabase
from wegotwork import migrate
from wegotwork.db import create_engine
from wegotwork.models import Base

TABLES = {
    "user",
    "session",
    "account",
    "verification",
    "rate_limit",
    "organization",
    "member",
    "invitation",
    "job_category",
    "job",
    "applicant",
    "applicant_event",
    "import_mapping",
    "outbox",
    "mail_send",
    "tracked_source",
    "page_view_daily",
    "funnel_count",
    "funnel_duration",
    "task_lease",
}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


async def _drift(url: str) -> list[object]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()


async def test_migrations_go_up_and_down(dialect: str, fresh_databases: FreshDatabase) -> None:
    url = await fresh_databases.create(dialect)
    await asyncio.to_thread(migrate.upgrade, url)
    assert await _tables(url) == TABLES
    assert await asyncio.to_thread(migrate.current_revision, url) == migrate.head_revision()
    await asyncio.to_thread(migrate.downgrade, url, "base")
    assert await _tables(url) == set()
    await asyncio.to_thread(migrate.upgrade, url)
    assert await _tables(url) == TABLES


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection", "ignore:autogenerate skipping")
async def test_models_match_the_migrations(dialect: str, fresh_databases: FreshDatabase) -> None:
    url = await fresh_databases.create_migrated(dialect)
    drift = [
        change
        for change in await _drift(url)
        # Expression indexes cannot be reflected on SQLite; PostgreSQL compares them.
        if not (
            isinstance(change, tuple)
            and change[0] in {"add_index", "remove_index"}
            and dialect == "sqlite"
        )
    ]
    assert drift == []
