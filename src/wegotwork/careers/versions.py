"""Reading an organization's content version: the one query a cached public page costs.

Every change to what the careers site shows bumps ``organization.content_version`` in the same
transaction, so reading it on each request makes a change visible on the very next request, from
every server process, while unchanged pages come from memory (or as 304s).

This read is the whole cost of serving an unchanged page, so on PostgreSQL it skips the ORM
session (pool pre-ping, BEGIN, SELECT, ROLLBACK: four round trips) and runs as one prepared
statement on the database's direct pool (``Database.read``): one round trip. Elsewhere
(SQLite, or a Database bound to one connection, as in tests) it goes through the app's session.

Under load many requests ask for the same organization at once; they share reads without ever
seeing a version older than their own arrival: a request joins only a read that starts after it
arrived (the next one, if one is already running), so a change committed before a request
arrives is always visible to it, however many requests share the query.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import bindparam, func, select

from wegotwork.db import Database
from wegotwork.jobs.rules import plausible_id
from wegotwork.models import Job, Organization
from wegotwork.tenancy.scoping import joins_organization

Version = tuple[str, int]

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

    async def by_slug(self, slug: str) -> Version | None:
        if not plausible_id(slug):
            return None
        slug = slug.lower()
        if self._direct:
            return await self._shared(("slug", slug), lambda: self._fetch(_BY_SLUG, slug=slug))
        return await self._fetch(_BY_SLUG, slug=slug)

    async def by_job(self, job_id: str) -> Version | None:
        if not plausible_id(job_id):
            return None
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
