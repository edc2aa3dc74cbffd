"""The hiring funnel: counting applications and the steps applicants reach as they happen, and
reading the counts back for a period.

Counts are kept per organization, job, source and the day the applicant applied (a cohort), in
``funnel_count`` (how many reached each step) and ``funnel_duration`` (whole days spent in a
step before leaving it, and days from applying to being hired, as histograms), and rolled up
per month and per block of days in the same transaction (``analytics/counters.py``). A report
over a period reads whole months and blocks from the roll-ups and the few days left at its ends
from the daily counters, never the
applicants themselves, and erasing a candidate keeps the numbers.

A step is an applicant status today, keyed by its value; the order of ``STEPS`` is the path a
candidate walks. Reaching a step counts every step before it too (a candidate moved straight to
an offer passed the interview stage). When jobs get pipelines, the steps become the stages of the
job's pipeline and the keys their ids; the counters and the report keep their shape.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.analytics.counters import add_to
from wegotwork.models import (
    BLOCK,
    DIRECT,
    MONTH,
    Applicant,
    ApplicantEvent,
    ApplicantStatus,
    FunnelCount,
    FunnelCountRollup,
    FunnelDuration,
    FunnelDurationJobRollup,
    FunnelDurationSourceRollup,
    PageViewDaily,
)
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.scoping import scoped

# The path, in order, with the names reports show.
STEPS: tuple[tuple[str, str], ...] = (
    (ApplicantStatus.SUBMITTED.value, "Applied"),
    (ApplicantStatus.UNDERREVIEW.value, "Under review"),
    (ApplicantStatus.INTERVIEW.value, "Interview"),
    (ApplicantStatus.OFFER.value, "Offer"),
    (ApplicantStatus.HIRED.value, "Hired"),
)
APPLIED = ApplicantStatus.SUBMITTED.value
HIRED = ApplicantStatus.HIRED.value
REJECTED = ApplicantStatus.REJECTED.value
# The duration histogram's key for "days from applying to being hired".
TO_HIRE = "hire"
_POSITION = {key: index for index, (key, _name) in enumerate(STEPS)}
_COUNT_COLUMNS = ("organization_id", "day", "job_id", "source", "step")
_DURATION_COLUMNS = ("organization_id", "day", "job_id", "source", "step", "days")
_DAY_SECONDS = 86_400


def _cohort(applicant: Applicant) -> tuple[str, date, str, str]:
    return (
        applicant.organization_id,
        applicant.created_at.date(),
        applicant.job_id,
        applicant.source or DIRECT,
    )


def whole_days(start: datetime, end: datetime) -> int:
    return max(0, math.floor((end - start).total_seconds() / _DAY_SECONDS))


async def record_application(db: AsyncSession, applicant: Applicant) -> None:
    """Count a new application (call in the transaction that stores it)."""
    await add_to(db, FunnelCount, {(*_cohort(applicant), APPLIED): 1}, _COUNT_COLUMNS)


@dataclass(frozen=True, slots=True)
class Move:
    """An applicant about to move from one status to another at ``at``."""

    applicant: Applicant
    before: ApplicantStatus
    after: ApplicantStatus
    at: datetime


async def record_moves(db: AsyncSession, moves: Sequence[Move]) -> None:
    """Count the steps these moves reach and how long each applicant stayed where they were.
    Call before the moves' own events are written (it reads each applicant's history)."""
    if not moves:
        return
    ids = [move.applicant.id for move in moves]
    history: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    rows = await db.execute(
        select(ApplicantEvent.applicant_id, ApplicantEvent.to_status, ApplicantEvent.created_at)
        .where(ApplicantEvent.applicant_id.in_(ids))
        .order_by(ApplicantEvent.created_at, ApplicantEvent.id)
    )
    for applicant_id, to_status, created_at in rows:
        history[applicant_id].append((str(to_status), created_at))
    counts: Counter[tuple[object, ...]] = Counter()
    durations: Counter[tuple[object, ...]] = Counter()
    for move in moves:
        applicant = move.applicant
        cohort = _cohort(applicant)
        past = history[applicant.id]
        reached = {APPLIED, *(status for status, _at in past)}
        furthest = max(_POSITION[status] for status in reached if status in _POSITION)
        after, before = move.after.value, move.before.value
        if after in _POSITION and _POSITION[after] > furthest:
            for key, _name in STEPS[furthest + 1 : _POSITION[after] + 1]:
                counts[(*cohort, key)] += 1
        if after == REJECTED and REJECTED not in reached:
            counts[(*cohort, REJECTED)] += 1
        entered = next(
            (at for status, at in reversed(past) if status == before), applicant.created_at
        )
        durations[(*cohort, before, whole_days(entered, move.at))] += 1
        if after == HIRED and HIRED not in reached:
            durations[(*cohort, TO_HIRE, whole_days(applicant.created_at, move.at))] += 1
        past.append((after, move.at))
    await add_to(db, FunnelCount, counts, _COUNT_COLUMNS)
    await add_to(db, FunnelDuration, durations, _DURATION_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Reading


def median_of(histogram: Iterable[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many) pairs; None when there are none."""
    ordered = sorted((value, count) for value, count in histogram if count > 0)
    total = sum(count for _value, count in ordered)
    if total == 0:
        return None
    wanted = [(total + 1) // 2, total // 2 + 1] if total % 2 == 0 else [(total + 1) // 2]
    found: list[int] = []
    seen = 0
    for value, count in ordered:
        seen += count
        while wanted and seen >= wanted[0]:
            found.append(value)
            wanted.pop(0)
    return sum(found) / len(found)


@dataclass
class Funnel:
    """Counts of one slice (everything, one source, one job)."""

    views: int = 0
    reached: Counter[str] = field(default_factory=Counter)
    durations: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def applications(self) -> int:
        return self.reached[APPLIED]

    def median_days(self, step: str) -> float | None:
        return median_of(self.durations[step].items())


@dataclass
class Report:
    total: Funnel
    by_source: dict[str, Funnel]
    by_job: dict[str, Funnel]
    days: dict[date, tuple[int, int]]  # day → (views, applications)


@dataclass(frozen=True, slots=True)
class Split:
    """A period as what is read for it: day ranges from the daily counters, blocks (their first
    days) and whole months (the first days of the first and of the last) from the roll-ups."""

    days: list[tuple[date, date]]
    blocks: list[date]
    months: tuple[date, date] | None


def split_period(start: date, end: date) -> Split:
    """``start``..``end`` as whole months, then whole blocks of the partial months at its ends,
    then the days left over (at most seven at either side of each partial month)."""
    first = start if start.day == 1 else _next_month(start)
    after = end + timedelta(days=1)
    stop = after if after.day == 1 else end.replace(day=1)
    months = None
    segments = [(start, end)]
    if first < stop:
        months = (first, _previous_month(stop))
        segments = []
        if start < first:
            segments.append((start, first - timedelta(days=1)))
        if stop <= end:
            segments.append((stop, end))
    days: list[tuple[date, date]] = []
    blocks: list[date] = []
    for low, high in segments:
        inside = [(block, last) for block, last in _blocks_of(low) if low <= block and last <= high]
        if not inside:
            days.append((low, high))
            continue
        blocks.extend(block for block, _last in inside)
        if low < inside[0][0]:
            days.append((low, inside[0][0] - timedelta(days=1)))
        if inside[-1][1] < high:
            days.append((inside[-1][1] + timedelta(days=1), high))
    return Split(days, blocks, months)


def _blocks_of(day: date) -> list[tuple[date, date]]:
    """(first day, last day) of each block of ``day``'s month."""
    last_of_month = _next_month(day) - timedelta(days=1)
    starts = [day.replace(day=number) for number in (1, 9, 17, 25)]
    ends = [start + timedelta(days=7) for start in starts[:3]] + [last_of_month]
    return list(zip(starts, ends, strict=True))


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _in_days(column: Any, ranges: list[tuple[date, date]]) -> Any:
    return or_(*(and_(column >= first, column <= last) for first, last in ranges))


def _sum(column: Any) -> Any:
    """``sum(column)`` as a whole number (PostgreSQL sums a bigint into a numeric, which would
    arrive as a Decimal per row)."""
    return cast(func.sum(column), BigInteger)


def _summed(parts: list[Select[Any]], keys: int) -> Select[Any]:
    """The rows of ``parts`` (key columns, then a number) summed by their keys."""
    union = union_all(*parts).subquery()
    columns = list(union.c)
    return select(*columns[:keys], _sum(columns[keys])).group_by(*columns[:keys])


async def read_counts(
    db: AsyncSession, ctx: OrgContext, start: date, end: date, job_id: str | None
) -> Report:
    """The organization's counters of a period (application days ``start``..``end``; views on
    those days), optionally of one job, rolled up in total, by source and by job.

    For every job, whole months and blocks come from the roll-ups and the days left from
    the daily counters; for one job, everything from the daily counters (a job's share of them
    is small, and the histograms by job and source together are only kept daily)."""
    report = Report(Funnel(), defaultdict(Funnel), defaultdict(Funnel), defaultdict(lambda: (0, 0)))
    daily = (
        scoped(FunnelCount, ctx, FunnelCount.day, _sum(FunnelCount.count))
        .where(FunnelCount.step == APPLIED, FunnelCount.day >= start, FunnelCount.day <= end)
        .group_by(FunnelCount.day)
    )
    views = (
        scoped(
            PageViewDaily,
            ctx,
            PageViewDaily.job_id,
            PageViewDaily.source,
            PageViewDaily.day,
            _sum(PageViewDaily.views),
        )
        .where(PageViewDaily.day >= start, PageViewDaily.day <= end)
        .group_by(PageViewDaily.job_id, PageViewDaily.source, PageViewDaily.day)
    )
    if job_id is not None:
        daily = daily.where(FunnelCount.job_id == job_id)
        views = views.where(PageViewDaily.job_id == job_id)
        counts = (
            scoped(
                FunnelCount,
                ctx,
                FunnelCount.job_id,
                FunnelCount.source,
                FunnelCount.step,
                _sum(FunnelCount.count),
            )
            .where(FunnelCount.job_id == job_id, FunnelCount.day >= start, FunnelCount.day <= end)
            .group_by(FunnelCount.job_id, FunnelCount.source, FunnelCount.step)
        )
        durations = (
            scoped(
                FunnelDuration,
                ctx,
                FunnelDuration.source,
                FunnelDuration.step,
                FunnelDuration.days,
                _sum(FunnelDuration.count),
            )
            .where(
                FunnelDuration.job_id == job_id,
                FunnelDuration.day >= start,
                FunnelDuration.day <= end,
            )
            .group_by(FunnelDuration.source, FunnelDuration.step, FunnelDuration.days)
        )
        for job, source, step, number in await db.execute(counts):
            for funnel in (report.total, report.by_source[source], report.by_job[job]):
                funnel.reached[step] += int(number)
        job_funnel = report.by_job[job_id]
        for source, step, days, number in await db.execute(durations):
            for funnel in (report.total, report.by_source[source], job_funnel):
                funnel.durations[step][int(days)] += int(number)
    else:
        await _read_every_job(db, ctx, start, end, report)

    for day, number in await db.execute(daily):
        seen, applications = report.days[day]
        report.days[day] = (seen, applications + int(number))
    for job, source, day, number in await db.execute(views):
        slices = [report.total, report.by_source[source]]
        if job is not None:
            slices.append(report.by_job[job])
        for funnel in slices:
            funnel.views += int(number)
        seen, applications = report.days[day]
        report.days[day] = (seen + int(number), applications)
    return report


# Which slice a histogram row of the report of every job belongs to.
_JOB, _SOURCE = "j", "s"


async def _read_every_job(
    db: AsyncSession, ctx: OrgContext, start: date, end: date, report: Report
) -> None:
    split = split_period(start, end)
    count_parts: list[Select[Any]] = []
    # The histograms by job and by source in one statement: (slice, job or source, step, days,
    # count), so the daily rows of the days left over are read once for both.
    histogram_parts: list[Select[Any]] = []
    if split.days:
        count_parts.append(
            scoped(
                FunnelCount,
                ctx,
                FunnelCount.job_id,
                FunnelCount.source,
                FunnelCount.step,
                FunnelCount.count,
            ).where(_in_days(FunnelCount.day, split.days))
        )
        kinds = union_all(
            select(literal(_JOB).label("kind")), select(literal(_SOURCE).label("kind"))
        ).subquery()
        histogram_parts.append(
            scoped(
                FunnelDuration,
                ctx,
                kinds.c.kind,
                case((kinds.c.kind == _JOB, FunnelDuration.job_id), else_=FunnelDuration.source),
                FunnelDuration.step,
                FunnelDuration.days,
                FunnelDuration.count,
            )
            .join(kinds, true())
            .where(_in_days(FunnelDuration.day, split.days))
        )
    for span, condition in _rolled_up(split):
        count_parts.append(
            scoped(
                FunnelCountRollup,
                ctx,
                FunnelCountRollup.job_id,
                FunnelCountRollup.source,
                FunnelCountRollup.step,
                FunnelCountRollup.count,
            ).where(FunnelCountRollup.span == span, condition(FunnelCountRollup.day))
        )
        histogram_parts.append(
            scoped(
                FunnelDurationJobRollup,
                ctx,
                literal(_JOB),
                FunnelDurationJobRollup.job_id,
                FunnelDurationJobRollup.step,
                FunnelDurationJobRollup.days,
                FunnelDurationJobRollup.count,
            ).where(FunnelDurationJobRollup.span == span, condition(FunnelDurationJobRollup.day))
        )
        histogram_parts.append(
            scoped(
                FunnelDurationSourceRollup,
                ctx,
                literal(_SOURCE),
                FunnelDurationSourceRollup.source,
                FunnelDurationSourceRollup.step,
                FunnelDurationSourceRollup.days,
                FunnelDurationSourceRollup.count,
            ).where(
                FunnelDurationSourceRollup.span == span,
                condition(FunnelDurationSourceRollup.day),
            )
        )
    total, by_source, by_job = report.total.reached, report.by_source, report.by_job
    for job, source, step, number in await db.execute(_summed(count_parts, 3)):
        total[step] += number
        by_source[source].reached[step] += number
        by_job[job].reached[step] += number
    # The total's histograms are the sums of the jobs'.
    durations = report.total.durations
    for kind, key, step, days_in, number in await db.execute(_summed(histogram_parts, 4)):
        if kind == _JOB:
            by_job[key].durations[step][days_in] += number
            durations[step][days_in] += number
        else:
            by_source[key].durations[step][days_in] += number


def _rolled_up(split: Split) -> list[tuple[str, Callable[[Any], Any]]]:
    """(span, condition on a roll-up's day) of what a split reads from the roll-ups."""
    parts: list[tuple[str, Callable[[Any], Any]]] = []
    if split.blocks:
        blocks = split.blocks
        parts.append((BLOCK, lambda column: column.in_(blocks)))
    if split.months is not None:
        first, last = split.months
        parts.append((MONTH, lambda column: and_(column >= first, column <= last)))
    return parts
