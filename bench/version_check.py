"""``python -m bench.version_check``: what one exact content-version check costs on SQLite.

Three ways for a worker process to learn that nothing changed since its last look, each timed
in-process over many calls on a SQLite file in WAL mode (with a second connection committing
now and then, as another worker would):

- the ordinary read: the version query through SQLAlchemy and aiosqlite (a session, BEGIN,
  SELECT, ROLLBACK, each a hop to the driver's thread);
- ``PRAGMA data_version`` on a dedicated connection, on the event loop, then the kept answer
  (``careers/versions.py``'s ``SqliteWatch``);
- an 8-byte counter in a memory-mapped file beside the database, then the kept answer (the
  writer would have to bump it after every commit that changes content).

Prints microseconds per check (median of 5 batches)."""

from __future__ import annotations

import asyncio
import mmap
import sqlite3
import statistics
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from wegotwork.careers.versions import _BY_SLUG, ContentVersions, SqliteWatch
from wegotwork.db import Database, create_engine

SLUG = "acme"
BATCH = 20_000


def _make_database(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE organization (id TEXT PRIMARY KEY, slug TEXT, content_version INTEGER)"
        )
        connection.execute("CREATE UNIQUE INDEX organization_slug ON organization (lower(slug))")
        connection.executemany(
            "INSERT INTO organization VALUES (?, ?, 1)",
            [(f"org{number}", f"org-{number}") for number in range(1000)] + [("acme", SLUG)],
        )


def _timed(check: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        check()
    return (time.perf_counter() - started) / calls * 1e6


def _median_of_batches(check: Callable[[], object], calls: int = BATCH) -> float:
    return statistics.median(_timed(check, calls) for _ in range(5))


class MappedCounter:
    """An 8-byte counter in a shared file: the alternative to ``PRAGMA data_version``."""

    def __init__(self, path: Path) -> None:
        path.write_bytes(bytes(8))
        self._file = path.open("r+b")
        self._map = mmap.mmap(self._file.fileno(), 8)
        self._seen = -1
        self._kept: dict[str, tuple[str, int]] = {}

    def bump(self) -> None:
        (value,) = struct.unpack_from("<Q", self._map, 0)
        struct.pack_into("<Q", self._map, 0, value + 1)

    def lookup(self, slug: str, read: Callable[[], tuple[str, int]]) -> tuple[str, int]:
        (value,) = struct.unpack_from("<Q", self._map, 0)
        if value != self._seen:
            self._kept.clear()
            self._seen = value
        found = self._kept.get(slug)
        if found is None:
            found = self._kept[slug] = read()
        return found

    def close(self) -> None:
        self._map.close()
        self._file.close()


async def _ordinary(url: str, calls: int) -> float:
    engine = create_engine(url)
    database = Database(engine)
    try:

        async def batch() -> float:
            started = time.perf_counter()
            for _ in range(calls):
                await database.read(_BY_SLUG, slug=SLUG)
            return (time.perf_counter() - started) / calls * 1e6

        await batch()
        return statistics.median([await batch() for _ in range(5)])
    finally:
        await engine.dispose()


async def _watched(url: str, calls: int) -> float:
    """The whole ``ContentVersions.by_slug`` as the careers pages call it, watch included."""
    engine = create_engine(url)
    versions = ContentVersions(Database(engine))
    try:

        async def batch() -> float:
            started = time.perf_counter()
            for _ in range(calls):
                await versions.by_slug(SLUG)
            return (time.perf_counter() - started) / calls * 1e6

        await batch()
        return statistics.median([await batch() for _ in range(5)])
    finally:
        await engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "versions.sqlite3"
        _make_database(path)
        writer = sqlite3.connect(path, isolation_level=None)
        watch = SqliteWatch(str(path))
        counter = MappedCounter(Path(folder) / "content-version")

        def commit() -> None:
            writer.execute(
                "UPDATE organization SET content_version = content_version + 1 WHERE id = ?",
                ("acme",),
            )
            counter.bump()

        def read_row() -> tuple[str, int]:
            [row] = writer.execute(
                "SELECT id, content_version FROM organization WHERE lower(slug) = ?", (SLUG,)
            ).fetchall()
            return str(row[0]), int(row[1])

        results = {
            "PRAGMA data_version + kept answer (unchanged)": _median_of_batches(
                lambda: watch.lookup(_BY_SLUG, ("slug", SLUG), slug=SLUG)
            ),
            "mmapped counter + kept answer (unchanged)": _median_of_batches(
                lambda: counter.lookup(SLUG, read_row)
            ),
        }

        calls = 0

        def changing_every_100(check: Callable[[], object]) -> Callable[[], object]:
            def run() -> object:
                nonlocal calls
                calls += 1
                if calls % 100 == 0:
                    commit()
                return check()

            return run

        results["PRAGMA data_version, a commit every 100 checks"] = _median_of_batches(
            changing_every_100(lambda: watch.lookup(_BY_SLUG, ("slug", SLUG), slug=SLUG)), 5000
        )
        results["mmapped counter, a commit every 100 checks"] = _median_of_batches(
            changing_every_100(lambda: counter.lookup(SLUG, read_row)), 5000
        )
        url = f"sqlite+aiosqlite:///{path}"
        results["ContentVersions.by_slug on SQLite (watch, as served)"] = asyncio.run(
            _watched(url, 5000)
        )
        results["ordinary read: SQLAlchemy session + aiosqlite"] = asyncio.run(_ordinary(url, 500))
        watch.close()
        counter.close()
        writer.close()
    for name, micros in results.items():
        print(f"{name:55} {micros:9.2f} µs")


if __name__ == "__main__":
    main()
