"""The analytics page ``/dashboard/{slug}/analytics``: the funnel as charts with their tables,
by source and by job, and the organization's tracked links."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from wegotwork.analytics import actions, sources
from wegotwork.analytics.charts import daily_chart, funnel_chart
from wegotwork.analytics.schemas import SourceCreate, SourceOut
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import DomainError
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import errors_from_domain, parse_form

router = APIRouter(prefix="/dashboard/{slug}/analytics", include_in_schema=False)

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=SLUG))]
JobManager = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS, via=SLUG))]


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


async def _page(
    request: Request,
    ctx: OrgContext,
    db: DbSession,
    services: ServicesDep,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    params = request.query_params
    job_id = params.get("jobId") or None
    try:
        period = actions.period_of(_date(params.get("from")), _date(params.get("to")), job_id)
        report = await actions.analytics(db, ctx, period)
    except DomainError:  # a hand-edited link: show the default period for everything
        period = actions.period_of(None, None, None)
        report = await actions.analytics(db, ctx, period)
    total = report.total
    context = {
        "report": report,
        "period": period,
        "jobs": await actions.job_choices(db, ctx),
        "funnel_svg": funnel_chart(
            "funnel", "Applicants reaching each step", [(s.name, s.reached) for s in total.steps]
        ),
        "daily_svg": daily_chart("daily", "Page views and applications per day", report.days),
        "sources": [
            SourceOut.of(services.settings, ctx.organization.slug, source)
            for source in await sources.list_sources(db, ctx)
        ]
        if ctx.can(Permission.MANAGE_JOBS)
        else [],
        "values": values or {},
        "errors": errors or {},
    }
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "analytics/index.html",
        context,
        section="analytics",
        status_code=status_code,
    )


@router.get("")
async def analytics_page(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    return await _page(request, ctx, db, services)


@router.post("/sources")
async def create_source(
    request: Request, ctx: JobManager, db: DbSession, services: ServicesDep
) -> Response:
    form = await parse_form(request, SourceCreate)
    if form.data is None:
        return await _page(
            request, ctx, db, services, values=form.values, errors=form.errors, status_code=422
        )
    try:
        source = await sources.create_source(db, ctx, form.data)
    except DomainError as exc:
        if not exc.field_errors:
            raise
        return await _page(
            request,
            ctx,
            db,
            services,
            values=form.values,
            errors=errors_from_domain(exc),
            status_code=422,
        )
    await db.commit()
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/analytics#sources", 303)
    services.templates.flash(response, f"Tracked link “{source.name}” created.")
    return response
