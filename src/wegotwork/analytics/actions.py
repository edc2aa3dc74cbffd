"""The analytics report: the hiring funnel of a period, in total, by source and by job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.analytics.funnel import (
    HIRED,
    REJECTED,
    STEPS,
    TO_HIRE,
    Funnel,
    read_counts,
)
from wegotwork.db import utcnow
from wegotwork.errors import Invalid, NotFound
from wegotwork.models import Job
from wegotwork.schemas import plausible_id
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import scoped

DEFAULT_DAYS = 90
MAX_DAYS = 366 * 3
JOB_NOT_FOUND = "Job does not exist"
DIRECT_NAME = "Direct"


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date
    job_id: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    name: str
    reached: int
    conversion: float | None
    step_conversion: float | None
    median_days: float | None


@dataclass(frozen=True, slots=True)
class FunnelView:
    key: str
    name: str
    views: int
    applications: int
    hired: int
    rejected: int
    median_days_to_hire: float | None
    steps: list[Step]

    @property
    def view_to_application(self) -> float | None:
        return _share(self.applications, self.views)


@dataclass(frozen=True, slots=True)
class AnalyticsReport:
    period: Period
    total: FunnelView
    by_source: list[FunnelView]
    by_job: list[FunnelView]
    days: list[tuple[date, int, int]]  # (day, views, applications), every day of the period


def period_of(start: date | None, end: date | None, job_id: str | None) -> Period:
    """The period asked for: the last 90 days by default; ``from`` after ``to`` or a period
    longer than three years is Invalid."""
    today = utcnow().date()
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Invalid.field("from", "The start must be on or before the end")
    if (end - start).days >= MAX_DAYS:
        raise Invalid.field("from", "Ask for at most three years at a time")
    return Period(start, end, job_id or None)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _view(key: str, name: str, funnel: Funnel) -> FunnelView:
    applications = funnel.applications
    steps: list[Step] = []
    previous: int | None = None
    for step_key, step_name in STEPS:
        reached = funnel.reached[step_key]
        steps.append(
            Step(
                key=step_key,
                name=step_name,
                reached=reached,
                conversion=_share(reached, applications),
                step_conversion=None if previous is None else _share(reached, previous),
                median_days=funnel.median_days(step_key) if step_key != HIRED else None,
            )
        )
        previous = reached
    return FunnelView(
        key=key,
        name=name,
        views=funnel.views,
        applications=applications,
        hired=funnel.reached[HIRED],
        rejected=funnel.reached[REJECTED],
        median_days_to_hire=funnel.median_days(TO_HIRE),
        steps=steps,
    )


async def analytics(db: AsyncSession, ctx: OrgContext, period: Period) -> AnalyticsReport:
    """Page views, applications, the steps reached with conversion, and median days in each
    step and to hire, for applicants who applied in the period (views: on its days), in total,
    by source and by job. Reads only the pre-aggregated counters.

    Members (VIEW_APPLICANTS) may call it. Raises NotFound for a ``jobId`` that is not one of
    the organization's jobs, Forbidden without the permission.
    """
    ctx.require(Permission.VIEW_APPLICANTS)
    rows = await db.execute(scoped(Job, ctx, Job.id, Job.title))
    titles: dict[str, str] = {str(job_id): str(title) for job_id, title in rows.all()}
    if period.job_id is not None and (
        not plausible_id(period.job_id) or period.job_id not in titles
    ):
        raise NotFound(JOB_NOT_FOUND, field_errors={"jobId": [JOB_NOT_FOUND]})
    report = await read_counts(db, ctx, period.start, period.end, period.job_id)
    by_source = sorted(
        (
            _view(source, source or DIRECT_NAME, funnel)
            for source, funnel in report.by_source.items()
        ),
        key=lambda row: (-row.applications, -row.views, row.name.casefold()),
    )
    by_job = sorted(
        (
            _view(job_id, titles.get(job_id, job_id), funnel)
            for job_id, funnel in report.by_job.items()
            if job_id in titles
        ),
        key=lambda row: (-row.applications, -row.views, row.name.casefold()),
    )
    days: list[tuple[date, int, int]] = []
    day = period.start
    while day <= period.end:
        views, applications = report.days.get(day, (0, 0))
        days.append((day, views, applications))
        day += timedelta(days=1)
    return AnalyticsReport(
        period=period,
        total=_view("", "All", report.total),
        by_source=by_source,
        by_job=by_job,
        days=days,
    )


async def job_choices(db: AsyncSession, ctx: OrgContext) -> list[tuple[str, str]]:
    """(id, title) of the organization's jobs, for the report's filter."""
    ctx.require(Permission.VIEW_APPLICANTS)
    rows = await db.execute(scoped(Job, ctx, Job.id, Job.title).order_by(Job.title, Job.id))
    return [(str(job_id), str(title)) for job_id, title in rows]
