"""Categories as JSON: ``/api/v1/organizations/{orgId}/categories``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from wegotwork.categories import actions
from wegotwork.categories.schemas import (
    CategoriesEnvelope,
    CategoryCreate,
    CategoryDeleted,
    CategoryEnvelope,
    CategoryOrder,
    CategoryOut,
    CategoryUpdate,
)
from wegotwork.deps import DbSession
from wegotwork.models import JobCategory
from wegotwork.schemas import error_responses
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import require
from wegotwork.tenancy.permissions import Permission

router = APIRouter(prefix="/api/v1/organizations/{orgId}/categories", tags=["categories"])

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION))]
Manager = Annotated[OrgContext, Depends(require(Permission.MANAGE_CATEGORIES))]


def _out(category: JobCategory, job_count: int = 0) -> CategoryOut:
    return CategoryOut(
        id=category.id, name=category.name, position=category.position, job_count=job_count
    )


@router.get("", response_model=CategoriesEnvelope, responses=error_responses(401, 404))
async def list_categories(ctx: Viewer, db: DbSession) -> CategoriesEnvelope:
    """The organization's categories in order, each with its number of jobs."""
    items = await actions.list_categories(db, ctx)
    return CategoriesEnvelope(categories=[_out(item.category, item.job_count) for item in items])


@router.post(
    "",
    status_code=201,
    response_model=CategoryEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def create_category(ctx: Manager, db: DbSession, body: CategoryCreate) -> CategoryEnvelope:
    """Add a category at the end of the order; 409 when the name is taken."""
    category = await actions.create_category(db, ctx, body)
    await db.commit()
    return CategoryEnvelope(category=_out(category))


@router.put("/order", response_model=CategoriesEnvelope, responses=error_responses(401, 403, 404))
async def reorder_categories(
    ctx: Manager, db: DbSession, body: CategoryOrder
) -> CategoriesEnvelope:
    """Replace the order: ``ids`` lists every category of the organization exactly once."""
    categories = await actions.reorder_categories(db, ctx, body)
    await db.commit()
    return CategoriesEnvelope(categories=[_out(category) for category in categories])


@router.patch(
    "/{categoryId}",
    response_model=CategoryEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def rename_category(
    categoryId: str, ctx: Manager, db: DbSession, body: CategoryUpdate
) -> CategoryEnvelope:
    """Rename a category; 409 when the name is taken."""
    category = await actions.rename_category(db, ctx, categoryId, body)
    await db.commit()
    return CategoryEnvelope(category=_out(category))


@router.delete(
    "/{categoryId}", response_model=CategoryDeleted, responses=error_responses(401, 403, 404)
)
async def delete_category(categoryId: str, ctx: Manager, db: DbSession) -> CategoryDeleted:
    """Delete a category; its jobs become uncategorized (``uncategorizedJobs`` says how many)."""
    moved = await actions.delete_category(db, ctx, categoryId)
    await db.commit()
    return CategoryDeleted(message="Category deleted", uncategorized_jobs=moved)
