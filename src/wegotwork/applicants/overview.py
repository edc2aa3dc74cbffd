"""The organization's overview: counts, applicants per status, applications per day over 30
days (drawn as a small server-side SVG chart), and the most recent applicants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from wegotwork.applicants.schemas import ApplicantRow
from wegotwork.db import utcnow
from wegotwork.models import Applicant, ApplicantStatus, Job, JobStatus
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import scoped

DAYS = 30
RECENT = 6


@dataclass(frozen=True, slots=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def label(self) -> str:
        noun = "application" if self.count == 1 else "applications"
        return f"{self.day.strftime('%b %-d')}: {self.count} {noun}"


@dataclass(frozen=True, slots=True)
class Chart:
    """Geometry for an SVG of ``width`` × ``height`` user units; the template only draws."""

    bars: list[Bar]
    width: int
    height: int
    top: int
    baseline: float
    peak: int

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)


@dataclass(frozen=True, slots=True)
class Overview:
    published_jobs: int
    applicants_total: int
    applicants_week: int
    per_status: dict[ApplicantStatus, int]
    chart: Chart
    recent: list[ApplicantRow]


def build_chart(
    counts: dict[date, int],
    last_day: date,
    *,
    days: int = DAYS,
    width: int = 600,
    height: int = 160,
) -> Chart:
    """One bar per day from ``last_day - days + 1`` to ``last_day``, scaled to the busiest."""
    top = 12
    bottom = 22  # room for the date labels
    plot = height - top - bottom
    peak = max([*counts.values(), 1])
    slot = width / days
    gap = min(4.0, slot * 0.25)
    bars = []
    for index in range(days):
        day = last_day - timedelta(days=days - 1 - index)
        count = counts.get(day, 0)
        bar_height = round(plot * count / peak, 2) if count else 0.0
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(index * slot + gap / 2, 2),
                y=round(top + plot - bar_height, 2),
                width=round(slot - gap, 2),
                height=bar_height,
            )
        )
    return Chart(bars=bars, width=width, height=height, top=top, baseline=top + plot, peak=peak)


def _day(
    column: ColumnElement[datetime] | InstrumentedAttribute[datetime], dialect: str
) -> ColumnElement[date]:
    """The UTC calendar day of a timestamp, computed by the database."""
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


async def overview(db: AsyncSession, ctx: OrgContext) -> Overview:
    """The overview figures of the context's organization. Any member may call it."""
    ctx.require(Permission.VIEW_ORGANIZATION)
    now = utcnow()
    today = now.date()
    start = datetime.combine(today - timedelta(days=DAYS - 1), time.min, tzinfo=now.tzinfo)
    published = await db.scalar(
        scoped(Job, ctx, func.count()).where(Job.status == JobStatus.PUBLISHED)
    )
    per_status = dict.fromkeys(ApplicantStatus, 0)
    for status, count in await db.execute(
        scoped(Applicant, ctx, Applicant.status, func.count()).group_by(Applicant.status)
    ):
        per_status[ApplicantStatus(status)] = count
    week = await db.scalar(
        scoped(Applicant, ctx, func.count()).where(Applicant.created_at >= now - timedelta(days=7))
    )
    bind = db.get_bind()
    day = _day(Applicant.created_at, bind.dialect.name).label("day")
    rows = await db.execute(
        scoped(Applicant, ctx, day, func.count()).where(Applicant.created_at >= start).group_by(day)
    )
    counts: dict[date, int] = {}
    for value, count in rows:
        parsed = value if isinstance(value, date) else date.fromisoformat(str(value))
        counts[parsed] = count
    recent = await db.execute(
        scoped(Applicant, ctx, Applicant, Job.title)
        .join(Job, Job.id == Applicant.job_id)
        .order_by(Applicant.created_at.desc(), Applicant.id.desc())
        .limit(RECENT)
    )
    return Overview(
        published_jobs=int(published or 0),
        applicants_total=sum(per_status.values()),
        applicants_week=int(week or 0),
        per_status=per_status,
        chart=build_chart(counts, today),
        recent=[ApplicantRow(applicant, title) for applicant, title in recent],
    )
