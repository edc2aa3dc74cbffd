"""Reading an organization's content version: the one query a cached public page costs.

Every change to what the careers site shows bumps ``organization.content_version`` in the same
transaction, so reading it on each request makes a change visible on the very next request, from
every server process, while unchanged pages come from memory (or as 304s).

This read is the whole cost of serving an unchanged page, so on PostgreSQL it skips the ORM
session (pool pre-ping, BEGIN, SELECT, ROLLBACK: four round trips) and runs as one prepared
statement on the database's direct pool (``Database.read``): one round trip.

On a SQLite file every process keeps the versions it has read, and a connection of its own asks
SQLite whether anything was committed since (``PRAGMA data_version``, which changes when any
other connection, in any process, commits to the file): a few microseconds, on the event loop,
no thread hop, no transaction. When anything was committed the kept versions are dropped and
read again. Elsewhere (a Database bound to one connection, as in tests) the versions are read
through the app's session.

Under load many requests ask for the same organization at once; they share reads without ever
seeing a version older than their own arrival: a request joins only a read that starts after it
arrived (the next one, if one is already running), so a change committed before a request
arrives is always visible to it, however many requests share the query.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import sqlite

from wegotwork.db import Database
from wegotwork.models import Job, Organization
from wegotwork.schemas import plausible_id
from wegotwork.tenancy.scoping import joins_organization

Version = tuple[str, int]
log = logging.getLogger(__name__)

_BY_SLUG = select(Organization.id, Organization.content_version).where(
    func.lower(Organization.slug) == bindparam("slug")
)
_BY_JOB = (
    select(Organization.id, Organization.content_version)
    .join(Job, joins_organization(Job))
    .where(Job.id == bindparam("job_id"))
)


class ContentVersions:
    """(organization id, content version) by careers slug or by job id; None when unknown."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._flights: dict[tuple[str, str], _Flight] = {}
        self._direct = database.direct
        self._watch = SqliteWatch(database.sqlite_file) if database.sqlite_file else None

    async def by_slug(self, slug: str) -> Version | None:
        if not plausible_id(slug):
            return None
        slug = slug.lower()
        if self._watch is not None:
            found = self._watch.lookup(_BY_SLUG, ("slug", slug), slug=slug)
            if not isinstance(found, Unknown):
                return found
        if self._direct:
            return await self._shared(("slug", slug), lambda: self._fetch(_BY_SLUG, slug=slug))
        return await self._fetch(_BY_SLUG, slug=slug)

    async def by_job(self, job_id: str) -> Version | None:
        if not plausible_id(job_id):
            return None
        if self._watch is not None:
            found = self._watch.lookup(_BY_JOB, ("job", job_id), job_id=job_id)
            if not isinstance(found, Unknown):
                return found
        if self._direct:
            return await self._shared(("job", job_id), lambda: self._fetch(_BY_JOB, job_id=job_id))
        return await self._fetch(_BY_JOB, job_id=job_id)

    async def _shared(
        self, key: tuple[str, str], fetch: Callable[[], Awaitable[Version | None]]
    ) -> Version | None:
        """Run ``fetch`` for this request, sharing it with requests that arrive while it has
        not started yet (see the module's docstring)."""
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = _Flight()
        if flight.running is None:
            result = flight.start(fetch, lambda: self._landed(key, flight, fetch))
        else:
            if flight.following is None:
                flight.following = asyncio.get_running_loop().create_future()
            result = flight.following
        # shield: a visitor who goes away must not cancel the read others are waiting for.
        return await asyncio.shield(result)

    def _landed(
        self,
        key: tuple[str, str],
        flight: _Flight,
        fetch: Callable[[], Awaitable[Version | None]],
    ) -> None:
        following, flight.following = flight.following, None
        if following is not None:
            flight.start(fetch, lambda: self._landed(key, flight, fetch), into=following)
        elif self._flights.get(key) is flight:
            del self._flights[key]

    async def _fetch(self, statement: Any, **params: str) -> Version | None:
        rows = await self.database.read(statement, **params)
        if not rows:
            return None
        return str(rows[0][0]), int(rows[0][1])


class Unknown:
    """The SQLite watch could not answer: read the version the ordinary way."""


KEPT_VERSIONS = 10_000


class SqliteWatch:
    """Content versions read from a SQLite file and kept until anything is committed to it.

    One connection of this process's own, used only here and only for reading, on the event
    loop: ``PRAGMA data_version`` first (it differs from the last answer exactly when another
    connection has committed since), then, if the kept answer is gone, the version query itself.
    Both are reads of a WAL database, which never wait for a writer; the busy timeout is zero so
    a rare wait (a checkpoint being set up, recovery after a crash) becomes ``Unknown`` and the
    request reads its version the ordinary way instead of blocking the loop.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._cursor: sqlite3.Cursor | None = None
        self._seen: int | None = None
        self._kept: dict[tuple[str, str], Version | None] = {}
        self._sql: dict[object, tuple[str, tuple[str, ...]]] = {}

    def lookup(
        self, statement: Any, key: tuple[str, str], **params: str
    ) -> Version | Unknown | None:
        try:
            cursor = self._cursor or self._connect()
            # fetchall: each statement runs to its end, so no read snapshot stays open.
            [(changes,)] = cursor.execute("PRAGMA data_version").fetchall()
            if changes != self._seen:
                self._kept.clear()
                self._seen = changes
            if key in self._kept:
                return self._kept[key]
            sql, names = self._compiled(statement)
            rows = cursor.execute(sql, [params[name] for name in names]).fetchall()
        except sqlite3.Error as exc:
            log.info("content versions read the ordinary way: %s", exc)
            self.close()
            return Unknown()
        # Read after ``data_version`` answered ``changes``: at least as new as that state, so
        # safe to keep until the next commit.
        found = (str(rows[0][0]), int(rows[0][1])) if rows else None
        if len(self._kept) >= KEPT_VERSIONS:
            self._kept.clear()
        self._kept[key] = found
        return found

    def _connect(self) -> sqlite3.Cursor:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA busy_timeout=0")
        connection.execute("PRAGMA query_only=ON")
        self._connection, self._cursor = connection, connection.cursor()
        self._seen = None
        return self._cursor

    def _compiled(self, statement: Any) -> tuple[str, tuple[str, ...]]:
        compiled = self._sql.get(statement)
        if compiled is None:
            done = statement.compile(dialect=sqlite.dialect())
            compiled = self._sql[statement] = (str(done), tuple(done.positiontup or ()))
        return compiled

    def close(self) -> None:
        connection, self._connection, self._cursor = self._connection, None, None
        self._kept.clear()
        self._seen = None
        if connection is not None:
            connection.close()


class _Flight:
    """The read running for one key, and the future of the one that will follow it."""

    __slots__ = ("following", "running", "task")

    def __init__(self) -> None:
        self.running: asyncio.Future[Version | None] | None = None
        self.following: asyncio.Future[Version | None] | None = None
        self.task: asyncio.Task[None] | None = None  # held so it is not garbage-collected

    def start(
        self,
        fetch: Callable[[], Awaitable[Version | None]],
        landed: Callable[[], None],
        *,
        into: asyncio.Future[Version | None] | None = None,
    ) -> asyncio.Future[Version | None]:
        future = into or asyncio.get_running_loop().create_future()
        self.running = future

        async def run() -> None:
            try:
                future.set_result(await fetch())
            except Exception as exc:  # handed to every waiter
                future.set_exception(exc)
            except asyncio.CancelledError:
                future.cancel()
                raise
            finally:
                self.running = None
                landed()

        self.task = asyncio.get_running_loop().create_task(run())
        return future
