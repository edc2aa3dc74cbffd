"""The categories page ``/dashboard/{slug}/categories``: create, rename, reorder, delete.

Every form works without JavaScript (POST, then 303 back with a flash). With htmx the list is
swapped in place instead; drag and drop (static/js/categories.js) submits the whole new order.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.categories import actions
from wegotwork.categories.schemas import CategoryCreate, CategoryMove, CategoryOrder, CategoryUpdate
from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.errors import DomainError
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import errors_from_domain, parse_form

router = APIRouter(prefix="/dashboard/{slug}/categories", include_in_schema=False)

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=SLUG))]
Manager = Annotated[OrgContext, Depends(require(Permission.MANAGE_CATEGORIES, via=SLUG))]


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _back(ctx: OrgContext) -> str:
    return f"/dashboard/{ctx.organization.slug}/categories"


async def _render(
    request: Request,
    services: Services,
    db: AsyncSession,
    ctx: OrgContext,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    error_for: str | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    """The full page, or only the list for an htmx request (always 200 so htmx swaps it)."""
    context: dict[str, Any] = {
        "categories": await actions.list_categories(db, ctx),
        "values": values or {},
        "errors": errors or {},
        "error_for": error_for,
        "message": message,
    }
    if _is_htmx(request):
        full = {"org": ctx.organization, "can": {"manage": ctx.can(Permission.MANAGE_CATEGORIES)}}
        return services.templates.render(request, "categories/_list.html", {**full, **context})
    context["can_manage"] = ctx.can(Permission.MANAGE_CATEGORIES)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "categories/index.html",
        context,
        section="categories",
        status_code=status_code,
    )


async def _done(
    request: Request,
    services: Services,
    db: AsyncSession,
    ctx: OrgContext,
    message: str,
) -> Response:
    """After a change: the refreshed list for htmx, else a redirect with a flash."""
    if _is_htmx(request):
        return await _render(request, services, db, ctx, message=message)
    response = RedirectResponse(_back(ctx), status_code=303)
    services.templates.flash(response, message)
    return response


async def _failed(
    request: Request,
    services: Services,
    db: AsyncSession,
    ctx: OrgContext,
    *,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    error_for: str,
) -> Response:
    # Nothing is committed: the request's session is closed (rolled back) after the response.
    return await _render(
        request,
        services,
        db,
        ctx,
        values=values,
        errors=errors,
        error_for=error_for,
        status_code=422,
    )


@router.get("")
async def index(request: Request, ctx: Viewer, services: ServicesDep, db: DbSession) -> Response:
    return await _render(request, services, db, ctx)


@router.post("")
async def create(request: Request, ctx: Manager, services: ServicesDep, db: DbSession) -> Response:
    form = await parse_form(request, CategoryCreate)
    if form.data is None:
        return await _failed(
            request, services, db, ctx, values=form.values, errors=form.errors, error_for="new"
        )
    try:
        category = await actions.create_category(db, ctx, form.data)
    except DomainError as exc:
        errors = errors_from_domain(exc)
        return await _failed(
            request, services, db, ctx, values=form.values, errors=errors, error_for="new"
        )
    await db.commit()
    return await _done(request, services, db, ctx, f"Added “{category.name}”.")


@router.post("/order")
async def reorder(request: Request, ctx: Manager, services: ServicesDep, db: DbSession) -> Response:
    form = await parse_form(request, CategoryOrder, multi=("ids",))
    if form.data is None:
        return await _failed(
            request, services, db, ctx, values={}, errors=form.errors, error_for="order"
        )
    try:
        await actions.reorder_categories(db, ctx, form.data)
    except DomainError as exc:
        return await _failed(
            request, services, db, ctx, values={}, errors=errors_from_domain(exc), error_for="order"
        )
    await db.commit()
    return await _done(request, services, db, ctx, "Saved the new order.")


@router.post("/{category_id}")
async def rename(
    category_id: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    form = await parse_form(request, CategoryUpdate)
    if form.data is None:
        return await _failed(
            request,
            services,
            db,
            ctx,
            values=form.values,
            errors=form.errors,
            error_for=category_id,
        )
    try:
        category = await actions.rename_category(db, ctx, category_id, form.data)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return await _failed(
            request,
            services,
            db,
            ctx,
            values=form.values,
            errors=errors_from_domain(exc),
            error_for=category_id,
        )
    await db.commit()
    return await _done(request, services, db, ctx, f"Renamed to “{category.name}”.")


@router.post("/{category_id}/move")
async def move(
    category_id: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    form = await parse_form(request, CategoryMove)
    if form.data is None:
        return RedirectResponse(_back(ctx), status_code=303)
    categories = await actions.move_category(db, ctx, category_id, form.data.direction)
    await db.commit()
    name = next((category.name for category in categories if category.id == category_id), "")
    return await _done(request, services, db, ctx, f"Moved “{name}” {form.data.direction}.")


@router.get("/{category_id}/delete")
async def confirm_delete(
    category_id: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    item = await actions.get_category(db, ctx, category_id)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "categories/delete.html",
        {"item": item},
        section="categories",
    )


@router.post("/{category_id}/delete")
async def delete(
    category_id: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    item = await actions.get_category(db, ctx, category_id)
    moved = await actions.delete_category(db, ctx, category_id)
    await db.commit()
    jobs = "1 job is" if moved == 1 else f"{moved} jobs are"
    message = f"Deleted “{item.name}”." + (f" {jobs} now uncategorized." if moved else "")
    return await _done(request, services, db, ctx, message)
