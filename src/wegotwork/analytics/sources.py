"""Tracked sources: links like ``/careers/acme?src=linkedin`` whose visitors and applicants are
counted under the source's name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.analytics.rules import SOURCE_MAX, clean_source, source_code
from wegotwork.analytics.schemas import SourceCreate
from wegotwork.db import utcnow
from wegotwork.errors import Conflict
from wegotwork.models import TrackedSource
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import owned_by, scoped

SOURCE_EXISTS = "A source with this name already exists"


async def list_sources(db: AsyncSession, ctx: OrgContext) -> list[TrackedSource]:
    """The organization's tracked sources, by name.

    Members may call it (MANAGE_JOBS). Raises Forbidden without the permission.
    """
    ctx.require(Permission.MANAGE_JOBS)
    result = await db.scalars(scoped(TrackedSource, ctx).order_by(TrackedSource.name))
    return list(result)


async def create_source(db: AsyncSession, ctx: OrgContext, data: SourceCreate) -> TrackedSource:
    """A new tracked source; its code is made from the name (``LinkedIn`` → ``linkedin``), with a
    number added when another source has it.

    Members may call it (MANAGE_JOBS). Raises Conflict when a source already has this name.
    """
    ctx.require(Permission.MANAGE_JOBS)
    existing = list(await db.scalars(scoped(TrackedSource, ctx).with_for_update()))
    if any(source.name.casefold() == data.name.casefold() for source in existing):
        raise Conflict(SOURCE_EXISTS, field_errors={"name": [SOURCE_EXISTS]})
    taken = {source.code for source in existing}
    base = source_code(data.name)
    code, number = base, 2
    while code in taken:
        suffix = f"-{number}"
        code = base[: 40 - len(suffix)] + suffix
        number += 1
    source = TrackedSource(
        organization_id=ctx.organization.id, name=data.name, code=code, created_at=utcnow()
    )
    db.add(source)
    await db.flush()
    return source


async def source_names(db: AsyncSession, organization_id: str) -> dict[str, str]:
    """Code → name of an organization's tracked sources (for a public resource of it: an
    application, the page-view counters)."""
    rows = await db.execute(
        select(TrackedSource.code, TrackedSource.name).where(
            owned_by(TrackedSource, organization_id)
        )
    )
    return {str(code): str(name) for code, name in rows.all()}


async def resolve_source(db: AsyncSession, organization_id: str, given: str | None) -> str | None:
    """What an applicant's ``source`` says: the name of the organization's tracked link whose
    code was given, else the given text itself (a ``utm_source``); None for none."""
    text = clean_source(given or "")
    if not text:
        return None
    name = await db.scalar(
        select(TrackedSource.name).where(
            owned_by(TrackedSource, organization_id), TrackedSource.code == text.lower()
        )
    )
    return (name or text)[:SOURCE_MAX]
