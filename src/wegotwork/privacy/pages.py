"""The privacy page ``/dashboard/{slug}/privacy`` (retention settings, what the next run does,
quarantined and held candidates, the audit trail) and the applicant's privacy forms (legal hold,
quarantine, restore, export). Admins and owners; every form works without JavaScript."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import DomainError
from wegotwork.privacy import actions, exports, rules
from wegotwork.privacy.schemas import PrivacySettingsUpdate
from wegotwork.storage.names import content_disposition
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import PageCanManagePrivacy
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import errors_from_domain, parse_form, redirect

router = APIRouter(prefix="/dashboard/{slug}/privacy", include_in_schema=False)


def _home(ctx: OrgContext) -> str:
    return f"/dashboard/{ctx.organization.slug}/privacy"


async def _render(
    request: Request,
    services: Any,
    db: DbSession,
    ctx: OrgContext,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    settings = actions.get_settings(ctx)
    due = await actions.due(db, ctx)
    audit = await actions.audit_log(db, ctx, limit=50)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "privacy/index.html",
        {
            "settings": settings,
            "due": due,
            "audit": audit,
            "values": values
            or {
                "retentionMonths": settings.retention_months,
                "quarantineDays": settings.quarantine_days,
            },
            "errors": errors or {},
            "rules": rules,
        },
        section="privacy",
        status_code=status_code,
    )


@router.get("")
async def index(
    request: Request, ctx: PageCanManagePrivacy, services: ServicesDep, db: DbSession
) -> Response:
    return await _render(request, services, db, ctx)


@router.post("")
async def save_settings(
    request: Request, ctx: PageCanManagePrivacy, services: ServicesDep, db: DbSession
) -> Response:
    form = await parse_form(request, PrivacySettingsUpdate)
    if not form.ok or form.data is None:
        return await _render(
            request, services, db, ctx, values=form.values, errors=form.errors, status_code=422
        )
    try:
        await actions.update_settings(
            db,
            ctx,
            retention_months=form.data.retention_months,
            quarantine_days=form.data.quarantine_days,
        )
    except DomainError as exc:
        return await _render(
            request,
            services,
            db,
            ctx,
            values=form.values,
            errors=errors_from_domain(exc),
            status_code=exc.status,
        )
    await db.commit()
    return redirect(services, _home(ctx), "Saved the retention settings.")


def _back(request: Request, ctx: OrgContext) -> str:
    """Where a form returns to: the applicant's page when it came from there."""
    referer = request.headers.get("referer", "")
    marker = f"/dashboard/{ctx.organization.slug}/applicants/"
    index = referer.find(marker)
    if index >= 0:
        path = referer[index:].split("?", 1)[0].split("#", 1)[0]
        if path.count("/") == 4:
            return path
    return _home(ctx)


async def _applicant_action(
    request: Request,
    ctx: OrgContext,
    services: Any,
    db: DbSession,
    applicant_id: str,
    action: str,
) -> Response:
    back = _back(request, ctx)
    try:
        if action == "hold":
            await actions.set_hold(db, ctx, applicant_id, True)
            message = "The applicant is under legal hold: never quarantined or erased."
        elif action == "release":
            await actions.set_hold(db, ctx, applicant_id, False)
            message = "Released the legal hold."
        elif action == "restore":
            await actions.restore(db, ctx, applicant_id)
            message = "The applicant is back from quarantine."
        else:
            await actions.quarantine_now(db, ctx, applicant_id)
            message = "The applicant is in quarantine (hidden) until erased."
            back = _home(ctx)
    except DomainError as exc:
        return redirect(services, _home(ctx), exc.message, "error")
    await db.commit()
    return redirect(services, back, message)


@router.post("/applicants/{applicantId}/hold")
async def hold(
    request: Request,
    applicantId: str,
    ctx: PageCanManagePrivacy,
    services: ServicesDep,
    db: DbSession,
) -> Response:
    return await _applicant_action(request, ctx, services, db, applicantId, "hold")


@router.post("/applicants/{applicantId}/release")
async def release(
    request: Request,
    applicantId: str,
    ctx: PageCanManagePrivacy,
    services: ServicesDep,
    db: DbSession,
) -> Response:
    return await _applicant_action(request, ctx, services, db, applicantId, "release")


@router.post("/applicants/{applicantId}/restore")
async def restore(
    request: Request,
    applicantId: str,
    ctx: PageCanManagePrivacy,
    services: ServicesDep,
    db: DbSession,
) -> Response:
    return await _applicant_action(request, ctx, services, db, applicantId, "restore")


@router.post("/applicants/{applicantId}/quarantine")
async def quarantine(
    request: Request,
    applicantId: str,
    ctx: PageCanManagePrivacy,
    services: ServicesDep,
    db: DbSession,
) -> Response:
    return await _applicant_action(request, ctx, services, db, applicantId, "quarantine")


@router.get("/applicants/{applicantId}/export")
async def export(
    applicantId: str, ctx: PageCanManagePrivacy, services: ServicesDep, db: DbSession
) -> Response:
    try:
        result = await actions.export(db, ctx, applicantId)
    except DomainError as exc:
        return redirect(services, _home(ctx), exc.message, "error")
    await db.commit()
    body = await exports.zip_bytes(result, services.storage)
    return Response(
        body,
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(exports.filename(result)),
            "Cache-Control": "private, no-store",
        },
    )
