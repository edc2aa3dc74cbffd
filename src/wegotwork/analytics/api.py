"""Sources and analytics as JSON: ``/api/v1/organizations/{orgId}/sources`` and
``/api/v1/organizations/{orgId}/analytics``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from wegotwork.analytics import actions, sources
from wegotwork.analytics.actions import FunnelView
from wegotwork.analytics.schemas import (
    AnalyticsEnvelope,
    AnalyticsOut,
    DayOut,
    FunnelOut,
    FunnelRowOut,
    SourceCreate,
    SourceEnvelope,
    SourceOut,
    SourcesEnvelope,
    StepOut,
)
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.schemas import error_responses
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import require
from wegotwork.tenancy.permissions import Permission

router = APIRouter(prefix="/api/v1/organizations/{orgId}", tags=["analytics"])

JobManager = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS))]
Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_APPLICANTS))]


@router.get("/sources", response_model=SourcesEnvelope, responses=error_responses(401, 403, 404))
async def list_sources(ctx: JobManager, db: DbSession, services: ServicesDep) -> SourcesEnvelope:
    """The organization's tracked links, each with the careers URL to share."""
    found = await sources.list_sources(db, ctx)
    slug = ctx.organization.slug
    return SourcesEnvelope(sources=[SourceOut.of(services.settings, slug, s) for s in found])


@router.post(
    "/sources",
    status_code=201,
    response_model=SourceEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def create_source(
    body: SourceCreate, ctx: JobManager, db: DbSession, services: ServicesDep
) -> SourceEnvelope:
    """A tracked link: ``?src=<code>`` on a careers or job URL counts visits and applicants
    under ``name``. 409 when a source already has this name."""
    source = await sources.create_source(db, ctx, body)
    await db.commit()
    return SourceEnvelope(source=SourceOut.of(services.settings, ctx.organization.slug, source))


def funnel_fields(view: FunnelView) -> dict[str, object]:
    return {
        "views": view.views,
        "applications": view.applications,
        "hired": view.hired,
        "rejected": view.rejected,
        "median_days_to_hire": view.median_days_to_hire,
        "steps": [
            StepOut(
                key=step.key,
                name=step.name,
                reached=step.reached,
                conversion=step.conversion,
                step_conversion=step.step_conversion,
                median_days=step.median_days,
            )
            for step in view.steps
        ],
    }


@router.get(
    "/analytics", response_model=AnalyticsEnvelope, responses=error_responses(401, 403, 404)
)
async def analytics(
    ctx: Viewer,
    db: DbSession,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    jobId: Annotated[str | None, Query(max_length=64)] = None,
) -> AnalyticsEnvelope:
    """The hiring funnel of applicants who applied between ``from`` and ``to`` (the last 90
    days by default): page views counted without cookies, applications, how many reached each
    step with conversion, median days in each step and to hire; in total, by source and by
    job. ``jobId`` narrows it to one job."""
    period = actions.period_of(from_, to, jobId)
    report = await actions.analytics(db, ctx, period)
    return AnalyticsEnvelope(
        analytics=AnalyticsOut(
            from_=period.start,
            to=period.end,
            job_id=period.job_id,
            total=FunnelOut(**funnel_fields(report.total)),
            by_source=[
                FunnelRowOut(key=row.key, name=row.name, **funnel_fields(row))
                for row in report.by_source
            ],
            by_job=[
                FunnelRowOut(key=row.key, name=row.name, **funnel_fields(row))
                for row in report.by_job
            ],
            days=[
                DayOut(day=day, views=views, applications=apps) for day, views, apps in report.days
            ],
        )
    )
