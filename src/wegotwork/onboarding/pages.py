"""The checklist's own forms: taking a step that leaves no trace (then going where it leads),
and dismissing the checklist. The checklist itself shows on the overview page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from wegotwork.deps import DbSession, ServicesDep
from wegotwork.onboarding.actions import record
from wegotwork.onboarding.rules import Step
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission

router = APIRouter(prefix="/dashboard/{slug}/checklist", include_in_schema=False)

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=SLUG))]


@router.post("/categories")
async def review_categories(ctx: Viewer, db: DbSession) -> Response:
    await record(db, ctx, Step.CATEGORIES)
    await db.commit()
    return RedirectResponse(f"/dashboard/{ctx.organization.slug}/categories", status_code=303)


@router.post("/careers")
async def view_careers_page(ctx: Viewer, db: DbSession) -> Response:
    await record(db, ctx, Step.CAREERS)
    await db.commit()
    return RedirectResponse(f"/careers/{ctx.organization.slug}", status_code=303)


@router.post("/dismiss")
async def dismiss(ctx: Viewer, db: DbSession, services: ServicesDep) -> Response:
    await record(db, ctx, None)
    await db.commit()
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}", status_code=303)
    services.templates.flash(response, "Checklist hidden. Everything on it stays in the menus.")
    return response
