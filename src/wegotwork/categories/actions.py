"""Category actions: list, create, rename, delete and reorder an organization's job categories.

Every change here alters what the careers site shows, so each one bumps the organization's
content version in the same transaction. The bump comes first: on PostgreSQL it locks the
organization's row, so two people reordering or adding categories at once take turns instead of
interleaving their position updates (SQLite already serializes writers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.categories.schemas import CategoryCreate, CategoryOrder, CategoryUpdate
from wegotwork.content import bump_content_version
from wegotwork.errors import Conflict, Invalid, NotFound
from wegotwork.models import Job, JobCategory
from wegotwork.schemas import plausible_id
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, in_context, scoped

CATEGORY_NOT_FOUND = "Category does not exist"
DUPLICATE_NAME = "A category with this name already exists"


@dataclass(frozen=True, slots=True)
class CategoryWithCount:
    """A category and how many jobs (of any status) it holds."""

    category: JobCategory
    job_count: int

    @property
    def id(self) -> str:
        return self.category.id

    @property
    def name(self) -> str:
        return self.category.name

    @property
    def position(self) -> int:
        return self.category.position


# Ties (equal positions) cannot arise through these actions, but order deterministically anyway.
ORDER = (JobCategory.position, JobCategory.created_at, JobCategory.id)


async def _ordered_categories(db: AsyncSession, ctx: OrgContext) -> list[JobCategory]:
    result = await db.execute(scoped(JobCategory, ctx).order_by(*ORDER))
    return list(result.scalars())


async def list_categories(db: AsyncSession, ctx: OrgContext) -> list[CategoryWithCount]:
    """The organization's categories in order, each with its number of jobs.

    Any member may call it. Raises Forbidden without VIEW_ORGANIZATION.
    """
    ctx.require(Permission.VIEW_ORGANIZATION)
    counts = (
        select(Job.category_id, func.count(Job.id).label("jobs"))
        .where(in_context(Job, ctx), Job.category_id.is_not(None))
        .group_by(Job.category_id)
        .subquery()
    )
    query = (
        scoped(JobCategory, ctx, JobCategory, func.coalesce(counts.c.jobs, 0))
        .outerjoin(counts, counts.c.category_id == JobCategory.id)
        .order_by(*ORDER)
    )
    rows = await db.execute(query)
    return [CategoryWithCount(category, int(count)) for category, count in rows]


async def get_category(db: AsyncSession, ctx: OrgContext, category_id: str) -> CategoryWithCount:
    """One category of the organization with its number of jobs (what deleting it affects).

    Any member may call it. Raises NotFound for an unknown id or another organization's.
    """
    ctx.require(Permission.VIEW_ORGANIZATION)
    category = await _own_category(db, ctx, category_id)
    count = await db.scalar(
        select(func.count(Job.id)).where(in_context(Job, ctx), Job.category_id == category.id)
    )
    return CategoryWithCount(category, int(count or 0))


async def _own_category(db: AsyncSession, ctx: OrgContext, category_id: str) -> JobCategory:
    """The organization's category, or NotFound (also for another organization's)."""
    if not plausible_id(category_id):
        raise NotFound(CATEGORY_NOT_FOUND)
    return await get_scoped(db, JobCategory, ctx, category_id, message=CATEGORY_NOT_FOUND)


async def _save_unique(db: AsyncSession, change: Callable[[], None]) -> None:
    """Apply ``change`` and flush inside a savepoint, so that a duplicate name becomes Conflict
    and both the request's transaction and its session stay usable (the savepoint's rollback
    discards the change)."""
    try:
        async with db.begin_nested():
            change()
            await db.flush()
    except IntegrityError as exc:
        raise Conflict(DUPLICATE_NAME, field_errors={"name": [DUPLICATE_NAME]}) from exc


async def create_category(db: AsyncSession, ctx: OrgContext, data: CategoryCreate) -> JobCategory:
    """Add a category at the end of the organization's order.

    Members may call it (MANAGE_CATEGORIES). Raises Conflict when the organization already has a
    category of that name (case-insensitively), Forbidden without the permission.
    """
    ctx.require(Permission.MANAGE_CATEGORIES)
    await bump_content_version(db, ctx.organization.id)
    last = await db.scalar(
        scoped(JobCategory, ctx, func.max(JobCategory.position)),
    )
    category = JobCategory(
        organization_id=ctx.organization.id,
        name=data.name,
        position=(last + 1) if last is not None else 0,
    )
    await _save_unique(db, lambda: db.add(category))
    return category


async def rename_category(
    db: AsyncSession, ctx: OrgContext, category_id: str, data: CategoryUpdate
) -> JobCategory:
    """Give a category a new name.

    Members may call it (MANAGE_CATEGORIES). Raises NotFound for an unknown id or another
    organization's, Conflict when the name is taken in the organization.
    """
    ctx.require(Permission.MANAGE_CATEGORIES)
    category = await _own_category(db, ctx, category_id)
    if category.name == data.name:
        return category
    await bump_content_version(db, ctx.organization.id)

    def rename() -> None:
        category.name = data.name

    await _save_unique(db, rename)
    return category


async def delete_category(db: AsyncSession, ctx: OrgContext, category_id: str) -> int:
    """Delete a category; its jobs stay, uncategorized. Returns how many jobs that affected.

    Members may call it (MANAGE_CATEGORIES). Raises NotFound for an unknown id or another
    organization's.
    """
    ctx.require(Permission.MANAGE_CATEGORIES)
    category = await _own_category(db, ctx, category_id)
    await bump_content_version(db, ctx.organization.id)
    moved = await db.execute(
        update(Job)
        .where(in_context(Job, ctx), Job.category_id == category.id)
        .values(category_id=None)
        .execution_options(synchronize_session=False)
    )
    await db.delete(category)
    await db.flush()
    return int(getattr(moved, "rowcount", 0) or 0)


async def _write_order(db: AsyncSession, ctx: OrgContext, ids: list[str]) -> None:
    """Positions 0..n-1 in the order given, in one statement."""
    if not ids:
        return
    await db.execute(
        update(JobCategory)
        .where(in_context(JobCategory, ctx), JobCategory.id.in_(ids))
        .values(position=case(dict(zip(ids, range(len(ids)), strict=True)), value=JobCategory.id))
        .execution_options(synchronize_session=False)
    )


async def reorder_categories(
    db: AsyncSession, ctx: OrgContext, data: CategoryOrder
) -> list[JobCategory]:
    """Replace the organization's category order with ``data.ids``, all at once.

    Members may call it (MANAGE_CATEGORIES). Raises NotFound when an id is not one of the
    organization's categories, Invalid when the list repeats an id or leaves one out.
    """
    ctx.require(Permission.MANAGE_CATEGORIES)
    await bump_content_version(db, ctx.organization.id)
    current = await _ordered_categories(db, ctx)
    known = {category.id for category in current}
    if any(category_id not in known for category_id in data.ids):
        raise NotFound(CATEGORY_NOT_FOUND)
    if len(set(data.ids)) != len(data.ids) or set(data.ids) != known:
        raise Invalid.field("ids", "List every category of the organization exactly once")
    await _write_order(db, ctx, data.ids)
    return await _refreshed(db, ctx)


async def move_category(
    db: AsyncSession, ctx: OrgContext, category_id: str, direction: Literal["up", "down"]
) -> list[JobCategory]:
    """Move one category a place up or down (the keyboard's way to reorder); a no-op at the
    ends. Returns the new order.

    Members may call it (MANAGE_CATEGORIES). Raises NotFound for an unknown id or another
    organization's.
    """
    ctx.require(Permission.MANAGE_CATEGORIES)
    await bump_content_version(db, ctx.organization.id)
    current = await _ordered_categories(db, ctx)
    ids = [category.id for category in current]
    if category_id not in ids:
        raise NotFound(CATEGORY_NOT_FOUND)
    index = ids.index(category_id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    await _write_order(db, ctx, ids)
    return await _refreshed(db, ctx)


async def _refreshed(db: AsyncSession, ctx: OrgContext) -> list[JobCategory]:
    result = await db.execute(
        scoped(JobCategory, ctx).order_by(*ORDER).execution_options(populate_existing=True)
    )
    return list(result.scalars())
