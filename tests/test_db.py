"""Ids and time: opaque ids of Better Auth's shape, timezone-aware UTC everywhere; hot reads
on SQLite that never wait for a writer."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import make_settings
from tests.fixtures.database import FreshDatabase
from wegotwork import migrate
from wegotwork.cli import check_database
from wegotwork.db import ID_ALPHABET, Database, create_engine, new_id
from wegotwork.models import Organization


def test_ids_are_32_alphanumeric_characters() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9]{32}", value) for value in ids)


def test_every_id_character_is_about_equally_likely() -> None:
    counts = Counter("".join(new_id() for _ in range(2000)))
    assert set(counts) == set(ID_ALPHABET)
    # 64 000 characters, about 1 032 of each; a biased draw (bytes modulo 62) would give
    # the first eight characters about 1 250.
    assert max(counts.values()) < 1200
    assert min(counts.values()) > 870


async def test_datetimes_round_trip_as_aware_utc(db: AsyncSession) -> None:
    user = await factories.make_user(db)
    session = await factories.make_session(db, user)
    plus_two = timezone(timedelta(hours=2))
    session.expires_at = datetime(2030, 1, 1, 14, 0, tzinfo=plus_two)
    await db.flush()
    await db.refresh(session)
    assert session.expires_at.tzinfo is not None
    assert session.expires_at == datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def test_sqlite_hot_reads_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """A read on the hot path begins a plain read transaction: while another connection holds
    the write lock it answers at once, from the last commit."""
    path = tmp_path / "reads.sqlite3"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE organization (id TEXT PRIMARY KEY, slug TEXT)")
    writer.execute("INSERT INTO organization VALUES ('org1', 'acme')")
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    database = Database(engine)
    statement = select(Organization.id).where(Organization.slug == bindparam("slug"))
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE organization SET id = 'org2'")
        rows = await asyncio.wait_for(database.read(statement, slug="acme"), 2)
        assert [row[0] for row in rows] == ["org1"]
        writer.execute("COMMIT")
        rows = await database.read(statement, slug="acme")
        assert [row[0] for row in rows] == ["org2"]
    finally:
        writer.close()
        await engine.dispose()


async def test_a_starting_server_checks_and_migrates_without_the_write_lock(
    fresh_databases: FreshDatabase, tmp_path: Path
) -> None:
    """While a running server holds SQLite's write lock (a long bulk change), a second one
    starting on the same file checks the database and finds its schema at the head by reading
    only: it does not queue for the lock and give up after the busy timeout."""
    url = await fresh_databases.create_migrated("sqlite")
    writer = sqlite3.connect(url.removeprefix("sqlite+aiosqlite:///"), isolation_level=None)
    settings = make_settings(tmp_path, database_url=url)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE alembic_version SET version_num = version_num")
        assert await asyncio.to_thread(migrate.current_revision, url) == migrate.head_revision()
        await asyncio.to_thread(migrate.upgrade, url)
        await asyncio.to_thread(check_database, settings)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
