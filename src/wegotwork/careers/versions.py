"""Reading an organization's content version: the one query a cached public page costs.

Every change to what the careers site shows bumps ``organization.content_version`` in the same
transaction, so reading it on each request makes a change visible on the very next request, from
every server process, while unchanged pages come from memory (or as 304s).
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import Database
from wegotwork.models import Job, Organization

Version = tuple[str, int]

_BY_SLUG = select(Organization.id, Organization.content_version).where(
    func.lower(Organization.slug) == bindparam("slug")
)
_BY_JOB = (
    select(Organization.id, Organization.content_version)
    .join(Job, Job.organization_id == Organization.id)
    .where(Job.id == bindparam("job_id"))
)


class ContentVersions:
    """(organization id, content version) by careers slug or by job id; None when unknown."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def by_slug(self, slug: str) -> Version | None:
        return await self._read(_BY_SLUG, {"slug": slug.lower()})

    async def by_job(self, job_id: str) -> Version | None:
        return await self._read(_BY_JOB, {"job_id": job_id})

    async def _read(self, statement: object, params: dict[str, str]) -> Version | None:
        session: AsyncSession
        async with self.database.sessionmaker() as session:
            row = (await session.execute(statement, params)).first()  # type: ignore[call-overload]
        if row is None:
            return None
        return str(row[0]), int(row[1])
