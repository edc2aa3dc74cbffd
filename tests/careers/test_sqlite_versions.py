"""Content versions on a SQLite file: kept in the process until anything is committed to the
file by any connection, read again at once after that, and read the ordinary way when the
file cannot be watched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from wegotwork.careers.versions import ContentVersions, SqliteWatch, Unknown
from wegotwork.db import Database, create_engine


def make_file(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE organization (id TEXT PRIMARY KEY, slug TEXT, content_version INTEGER)"
    )
    connection.execute("CREATE TABLE job (id TEXT PRIMARY KEY, organization_id TEXT)")
    connection.execute("INSERT INTO organization VALUES ('org1', 'Acme', 1)")
    connection.execute("INSERT INTO job VALUES ('job1', 'org1')")
    return connection


async def test_a_commit_by_another_connection_is_seen_at_the_next_read(tmp_path: Path) -> None:
    path = tmp_path / "versions.sqlite3"
    writer = make_file(path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    versions = ContentVersions(Database(engine))
    try:
        assert await versions.by_slug("acme") == ("org1", 1)
        assert await versions.by_job("job1") == ("org1", 1)
        assert await versions.by_slug("globex") is None

        writer.execute("UPDATE organization SET content_version = 2 WHERE id = 'org1'")
        assert await versions.by_slug("ACME") == ("org1", 2)
        assert await versions.by_job("job1") == ("org1", 2)

        writer.execute("INSERT INTO organization VALUES ('org2', 'globex', 7)")
        assert await versions.by_slug("globex") == ("org2", 7)

        # A transaction not yet committed is not seen; its commit is.
        writer.execute("BEGIN")
        writer.execute("UPDATE organization SET content_version = 3 WHERE id = 'org1'")
        assert await versions.by_slug("acme") == ("org1", 2)
        writer.execute("COMMIT")
        assert await versions.by_slug("acme") == ("org1", 3)
    finally:
        writer.close()
        await engine.dispose()


def test_a_file_that_cannot_be_read_is_unknown_not_an_error(tmp_path: Path) -> None:
    watch = SqliteWatch(str(tmp_path / "missing" / "versions.sqlite3"))
    found = watch.lookup(object(), ("slug", "acme"), slug="acme")
    assert isinstance(found, Unknown)


async def test_only_an_engine_on_a_file_is_watched(tmp_path: Path) -> None:
    on_file = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'app.sqlite3'}")
    in_memory = create_engine("sqlite+aiosqlite://")
    try:
        assert Database(on_file).sqlite_file == str(tmp_path / "app.sqlite3")
        assert Database(in_memory).sqlite_file is None
        async with on_file.connect() as connection:
            assert Database.bound_to(connection).sqlite_file is None
    finally:
        await on_file.dispose()
        await in_memory.dispose()
