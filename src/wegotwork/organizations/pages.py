"""HTML pages: /dashboard (where to go), switching the active organization, and
/dashboard/{slug}/settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.errors import DomainError
from wegotwork.identity.deps import CurrentAuth, reissue_after_change
from wegotwork.organizations import actions, rules
from wegotwork.organizations.schemas import (
    DeleteConfirmation,
    OrganizationUpdate,
)
from wegotwork.storage.cleanup import commit_or_discard, discard_files
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, PageCanDeleteOrganization, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import errors_from_domain, parse_form, redirect

router = APIRouter(include_in_schema=False)

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=SLUG))]
Editor = Annotated[OrgContext, Depends(require(Permission.UPDATE_ORGANIZATION, via=SLUG))]


def discard_later(services: Services, keys: list[str | None]) -> BackgroundTask | None:
    """Delete stored files after the response, once the commit has succeeded."""
    if not any(keys):
        return None
    return BackgroundTask(discard_files, services.storage, keys)


# Where the dashboard opens --------------------------------------------------------------


@router.get("/dashboard")
async def dashboard(auth: CurrentAuth, db: DbSession) -> Response:
    organization = await actions.default_organization(db, auth)
    target = f"/dashboard/{organization.slug}" if organization else "/onboarding"
    return RedirectResponse(target, status_code=303)


@router.post("/dashboard/{slug}/activate")
async def activate(request: Request, ctx: Viewer, db: DbSession) -> Response:
    organization = await actions.set_active_organization(db, ctx)
    if ctx.session is not None:
        await reissue_after_change(request, db, ctx.session.id)
    await db.commit()
    return RedirectResponse(f"/dashboard/{organization.slug}", status_code=303)


# Settings -------------------------------------------------------------------------------

EDITABLE = ("name", "slug", "description", "website")


async def _render_settings(
    request: Request,
    services: Services,
    db: DbSession,
    ctx: OrgContext,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    logo_errors: list[str] | None = None,
    delete_errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    organization = ctx.organization
    current = {field: getattr(organization, field) or "" for field in EDITABLE}
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "organizations/settings.html",
        {
            "values": values if values is not None else current,
            "errors": errors or {},
            "logo_errors": logo_errors or [],
            "delete_errors": delete_errors or {},
            "logo_url": rules.logo_url(organization.logo),
            "careers_url": f"{services.settings.base_url}/careers/",
            "logo_max_mb": rules.LOGO_MAX_BYTES // (1024 * 1024),
        },
        section="settings",
        status_code=status_code,
    )


@router.get("/dashboard/{slug}/settings", response_class=HTMLResponse)
async def settings_page(
    request: Request, ctx: Editor, db: DbSession, services: ServicesDep
) -> HTMLResponse:
    return await _render_settings(request, services, db, ctx)


@router.post("/dashboard/{slug}/settings")
async def save_settings(
    request: Request, ctx: Editor, db: DbSession, services: ServicesDep
) -> Response:
    form = await parse_form(request, OrganizationUpdate)
    errors = dict(form.errors)
    for field in ("name", "slug"):
        if field in form.values and not str(form.values[field]).strip():
            errors.setdefault(field, ["This field is required"])
    if errors or form.data is None:
        return await _render_settings(
            request, services, db, ctx, values=form.values, errors=errors, status_code=422
        )
    # An emptied description or website field clears it.
    cleared = {field: None for field in ("description", "website") if form.values.get(field) == ""}
    data = OrganizationUpdate.model_validate(
        {**form.data.model_dump(exclude_unset=True), **cleared}
    )
    try:
        organization = await actions.update_organization(db, ctx, data)
    except DomainError as exc:
        await db.refresh(ctx.organization)
        return await _render_settings(
            request,
            services,
            db,
            ctx,
            values=form.values,
            errors=errors_from_domain(exc),
            status_code=exc.status,
        )
    await db.commit()
    return redirect(services, f"/dashboard/{organization.slug}/settings", "Settings saved")


@router.post("/dashboard/{slug}/settings/logo")
async def upload_logo(
    request: Request, ctx: Editor, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    upload = form.get("logo")
    content = b""
    if upload is not None and not isinstance(upload, str):
        content = await upload.read(rules.LOGO_MAX_BYTES + 1)
    try:
        change = await actions.replace_logo(db, ctx, services.storage, content)
    except DomainError as exc:
        return await _render_settings(
            request, services, db, ctx, logo_errors=[exc.message], status_code=exc.status
        )
    await commit_or_discard(db, services.storage, [change.new_key])
    return redirect(
        services,
        f"/dashboard/{ctx.organization.slug}/settings",
        "Logo updated",
        background=discard_later(services, [change.old_key]),
    )


@router.post("/dashboard/{slug}/settings/logo/remove")
async def remove_logo(ctx: Editor, db: DbSession, services: ServicesDep) -> Response:
    change = await actions.remove_logo(db, ctx)
    await db.commit()
    return redirect(
        services,
        f"/dashboard/{ctx.organization.slug}/settings",
        "Logo removed",
        background=discard_later(services, [change.old_key]),
    )


@router.post("/dashboard/{slug}/settings/delete")
async def delete_organization(
    request: Request, ctx: PageCanDeleteOrganization, db: DbSession, services: ServicesDep
) -> Response:
    form = await parse_form(request, DeleteConfirmation)
    typed = form.data.confirm.strip() if form.data else ""
    if typed.lower() != ctx.organization.slug.lower():
        message = f"Type {ctx.organization.slug} to confirm"
        return await _render_settings(
            request, services, db, ctx, delete_errors={"confirm": [message]}, status_code=422
        )
    deleted = await actions.delete_organization(db, ctx)
    await db.commit()
    return redirect(
        services,
        "/dashboard",
        f"{deleted.organization.name} and everything in it was deleted",
        background=discard_later(services, list(deleted.file_keys)),
    )
