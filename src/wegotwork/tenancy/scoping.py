"""The one place that writes the organization filter: every scoped read goes through here."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.errors import NotFound
from wegotwork.tenancy.context import OrgContext

T = TypeVar("T")


def scoped(model: type[T], ctx: OrgContext, *columns: Any) -> Select[Any]:
    """``SELECT model WHERE model.organization_id = <the context's organization>``."""
    query = select(*columns) if columns else select(model)
    return query.where(model.organization_id == ctx.organization.id)  # type: ignore[attr-defined]


def owned_by(model: type[T], organization_id: str) -> Any:
    """``model.organization_id = <organization_id>`` for reads and writes that serve a public
    resource (a careers page, an application, a page-view counter) and so act for an
    organization known from that resource rather than for a signed-in member."""
    return model.organization_id == organization_id  # type: ignore[attr-defined]


async def get_scoped(
    db: AsyncSession,
    model: type[T],
    ctx: OrgContext,
    object_id: str,
    *,
    message: str = "Not found",
    for_update: bool = False,
) -> T:
    """One row of ``model`` in the context's organization, or NotFound (also for other orgs')."""
    query = scoped(model, ctx).where(model.id == object_id)  # type: ignore[attr-defined]
    if for_update:
        query = query.with_for_update()
    found: T | None = (await db.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFound(message)
    return found
