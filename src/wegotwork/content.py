"""The per-organization content version: every change to what an organization's careers site
shows bumps it in the same transaction. Public pages derive their ETag and render-cache key
from it, so a change is visible on the next request from every server process."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.models import Organization


async def bump_content_version(db: AsyncSession, organization_id: str) -> None:
    """Mark the organization's public content as changed (call inside the changing transaction)."""
    await db.execute(
        update(Organization)
        .where(Organization.id == organization_id)
        .values(content_version=Organization.content_version + 1)
        .execution_options(synchronize_session=False)
    )
