"""The report of every job reads whole months and whole blocks of days from the roll-ups and only
the days left at a period's ends from the daily counters: on real counts over several months it
must agree with a plain sum of the daily counters and with counting the applicants themselves,
for any period."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.analytics.actions import AnalyticsReport, FunnelView, analytics, period_of
from wegotwork.analytics.backfill import rollup_statements
from wegotwork.analytics.funnel import (
    STEPS,
    TO_HIRE,
    Move,
    Split,
    median_of,
    record_application,
    record_moves,
    split_period,
)
from wegotwork.models import (
    Applicant,
    ApplicantEvent,
    ApplicantStatus,
    FunnelCount,
    FunnelCountRollup,
    FunnelDuration,
    FunnelDurationJobRollup,
    FunnelDurationSourceRollup,
)
from wegotwork.tenancy.guard import resolve

pytestmark = pytest.mark.usefixtures("dialect")

START = datetime(2025, 11, 20, 9, tzinfo=UTC)
PATH = [
    ApplicantStatus.UNDERREVIEW,
    ApplicantStatus.INTERVIEW,
    ApplicantStatus.OFFER,
    ApplicantStatus.HIRED,
]
PERIODS = [
    (date(2025, 11, 1), date(2026, 3, 31)),  # everything, whole months only
    (date(2025, 11, 25), date(2026, 2, 10)),  # ragged ends around whole months
    (date(2025, 12, 1), date(2025, 12, 31)),  # one whole month
    (date(2026, 1, 3), date(2026, 1, 28)),  # inside one month: days only
    (date(2025, 12, 31), date(2026, 1, 1)),  # across the turn of the year
    (date(2026, 1, 15), date(2026, 3, 1)),  # a whole month and the first day of the next
    (date(2026, 1, 10), date(2026, 1, 30)),  # one whole block, days either side
    (date(2025, 12, 9), date(2026, 2, 24)),  # whole blocks at both ends, no days
]


def test_a_period_splits_into_whole_months_whole_blocks_and_the_days_left() -> None:
    assert split_period(date(2026, 1, 15), date(2026, 3, 10)) == Split(
        days=[(date(2026, 1, 15), date(2026, 1, 16)), (date(2026, 3, 9), date(2026, 3, 10))],
        blocks=[date(2026, 1, 17), date(2026, 1, 25), date(2026, 3, 1)],
        months=(date(2026, 2, 1), date(2026, 2, 1)),
    )
    assert split_period(date(2026, 1, 1), date(2026, 2, 28)) == Split(
        [], [], (date(2026, 1, 1), date(2026, 2, 1))
    )
    assert split_period(date(2026, 1, 5), date(2026, 1, 31)) == Split(
        [(date(2026, 1, 5), date(2026, 1, 8))],
        [date(2026, 1, 9), date(2026, 1, 17), date(2026, 1, 25)],
        None,
    )
    assert split_period(date(2024, 2, 1), date(2024, 2, 29)) == Split(
        [], [], (date(2024, 2, 1), date(2024, 2, 1))
    )
    assert split_period(date(2026, 1, 10), date(2026, 1, 20)) == Split(
        [(date(2026, 1, 10), date(2026, 1, 20))], [], None
    )


async def _applicants_over_four_months(db: AsyncSession, world: World) -> list[Applicant]:
    """Applicants on many days from November to March, from three sources to three jobs, each
    moved along part of the path (some rejected), with their status history."""
    rng = random.Random(20261206)
    jobs = [await factories.make_job(db, world.org, title=f"Job {n}") for n in range(3)]
    applicants = []
    for _ in range(90):
        applicant = await factories.make_applicant(db, rng.choice(jobs))
        applicant.created_at = START + timedelta(days=rng.randrange(130), hours=rng.randrange(8))
        applicant.source = rng.choice(["", "linkedin", "indeed"])
        await db.flush()
        await record_application(db, applicant)
        status, at = ApplicantStatus.SUBMITTED, applicant.created_at
        for after in PATH[: rng.randrange(len(PATH) + 1)]:
            if rng.random() < 0.3:
                after = rng.choice(PATH[PATH.index(after) :])  # skips steps
            if after in (status, ApplicantStatus.SUBMITTED) or PATH.index(after) < (
                PATH.index(status) if status in PATH else -1
            ):
                continue
            at += timedelta(days=rng.randrange(20), hours=1)
            await _move(db, applicant, status, after, at)
            status = after
        if status is not ApplicantStatus.HIRED and rng.random() < 0.3:
            at += timedelta(days=rng.randrange(10), hours=1)
            await _move(db, applicant, status, ApplicantStatus.REJECTED, at)
        applicants.append(applicant)
    await db.commit()
    return applicants


async def _move(
    db: AsyncSession,
    applicant: Applicant,
    before: ApplicantStatus,
    after: ApplicantStatus,
    at: datetime,
) -> None:
    await record_moves(db, [Move(applicant, before, after, at)])
    db.add(
        ApplicantEvent(
            applicant_id=applicant.id, from_status=before, to_status=after, created_at=at
        )
    )
    applicant.status = after
    await db.flush()


def _key(view: FunnelView) -> tuple[object, ...]:
    return (
        view.applications,
        view.hired,
        view.rejected,
        view.median_days_to_hire,
        [(step.key, step.reached, step.median_days) for step in view.steps],
    )


async def _plain_sums(
    db: AsyncSession, organization_id: str, start: date, end: date
) -> dict[str, dict[str, tuple[object, ...]]]:
    """The same figures summed straight from the daily counters, slice by slice."""
    reached: dict[str, Counter[str]] = defaultdict(Counter)
    histograms: dict[str, dict[str, Counter[int]]] = defaultdict(lambda: defaultdict(Counter))
    counts = await db.execute(
        select(FunnelCount.job_id, FunnelCount.source, FunnelCount.step, FunnelCount.count).where(
            FunnelCount.organization_id == organization_id,
            FunnelCount.day >= start,
            FunnelCount.day <= end,
        )
    )
    for job_id, source, step, number in counts:
        for key in ("", f"s:{source}", f"j:{job_id}"):
            reached[key][step] += number
    durations = await db.execute(
        select(
            FunnelDuration.job_id,
            FunnelDuration.source,
            FunnelDuration.step,
            FunnelDuration.days,
            FunnelDuration.count,
        ).where(
            FunnelDuration.organization_id == organization_id,
            FunnelDuration.day >= start,
            FunnelDuration.day <= end,
        )
    )
    for job_id, source, step, days, number in durations:
        for key in ("", f"s:{source}", f"j:{job_id}"):
            histograms[key][step][days] += number
    plain = {}
    for key in reached:
        steps = [
            (
                step,
                reached[key][step],
                median_of(histograms[key][step].items())
                if step != ApplicantStatus.HIRED.value
                else None,
            )
            for step, _name in STEPS
        ]
        plain[key] = (
            reached[key][ApplicantStatus.SUBMITTED.value],
            reached[key][ApplicantStatus.HIRED.value],
            reached[key][ApplicantStatus.REJECTED.value],
            median_of(histograms[key][TO_HIRE].items()),
            steps,
        )
    return {"all": plain}


def _report_figures(report: AnalyticsReport) -> dict[str, tuple[object, ...]]:
    figures = {"": _key(report.total)}
    figures.update({f"s:{view.key}": _key(view) for view in report.by_source})
    figures.update({f"j:{view.key}": _key(view) for view in report.by_job})
    return figures


async def test_every_period_agrees_with_the_daily_counters_and_the_applicants(
    db: AsyncSession, world: World
) -> None:
    applicants = await _applicants_over_four_months(db, world)
    ctx = await resolve(db, world.users["member"], organization_id=world.org.id)
    assert await db.scalar(select(func.count()).select_from(FunnelCountRollup)) > 0

    for start, end in PERIODS:
        report = await analytics(db, ctx, period_of(start, end, None))
        plain = (await _plain_sums(db, world.org.id, start, end))["all"]
        figures = _report_figures(report)
        assert figures == {key: value for key, value in plain.items() if key in figures}
        assert set(figures) == set(plain) | {""}
        # Applications counted from the applicants themselves, in total, by job and by day.
        inside = [a for a in applicants if start <= a.created_at.date() <= end]
        assert report.total.applications == len(inside)
        by_job = Counter(a.job_id for a in inside)
        assert {view.key: view.applications for view in report.by_job} == dict(by_job)
        by_day = Counter(a.created_at.date() for a in inside)
        assert {day: n for day, _views, n in report.days if n} == dict(by_day)
        # One job: read from the daily counters alone, and the same as its slice above.
        for view in report.by_job:
            alone = await analytics(db, ctx, period_of(start, end, view.key))
            assert _key(alone.total) == _key(view)


async def test_the_roll_ups_are_the_sums_of_the_daily_counters(
    db: AsyncSession, world: World
) -> None:
    await _applicants_over_four_months(db, world)

    async def snapshot() -> list[list[tuple[object, ...]]]:
        tables = (FunnelCountRollup, FunnelDurationJobRollup, FunnelDurationSourceRollup)
        rows = []
        for table in tables:
            columns = [c for c in table.__table__.columns if c.name != "id"]
            found = await db.execute(select(*columns).order_by(*columns))
            rows.append([tuple(row) for row in found])
        return rows

    kept = await snapshot()
    # Summing the daily counters again (as the backfill does) finds what the writes kept.
    dialect = db.get_bind().dialect.name
    for statement in rollup_statements(dialect):
        await db.execute(text(statement), {"organization_id": world.org.id})
    assert await snapshot() == kept
    spans = await db.scalars(select(FunnelCountRollup.span).distinct())
    assert set(spans) == {"month", "block"}
