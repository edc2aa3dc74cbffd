"""B6: the job-board feed of an organization with 10 000 published jobs (time to the first byte
and to the last, on a render-cache miss and from the cache, and the worker's memory across
misses). B7: the analytics report over an organization with 1 000 000 applicants, timed
server-side (the report action itself, median of many calls) on PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
from sqlalchemy import func, select

from bench import servers
from bench.data import BIG_SLUG, DESCRIPTION, SEED, TITLES, Generated, ident
from bench.report import Figure, Report
from bench.scenarios import Config
from wegotwork.analytics.actions import analytics, period_of
from wegotwork.analytics.backfill import rollup_statements, statement_for
from wegotwork.db import Database, create_engine
from wegotwork.jobs.markdown import render_markdown
from wegotwork.models import (
    FunnelCount,
    FunnelCountRollup,
    FunnelDuration,
    FunnelDurationJobRollup,
    FunnelDurationSourceRollup,
    User,
)
from wegotwork.tenancy.guard import resolve

FEED_SLUG = "bench-feed"
FEED_JOBS = 10_000


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _feed_organization(url: str) -> None:
    """An organization with 10 000 published jobs (made once; reused while it exists)."""
    connection = await asyncpg.connect(_plain(url))
    try:
        if await connection.fetchval("select 1 from organization where slug = $1", FEED_SLUG):
            return
        rng = random.Random(SEED + 6)
        now = datetime.now(UTC).replace(microsecond=0)
        organization = ident(rng)
        await connection.execute(
            "insert into organization (id, name, slug, content_version, created_at, updated_at)"
            " values ($1, 'Feed Bench', $2, 1, $3, $3)",
            organization,
            FEED_SLUG,
            now,
        )
        rows = []
        for number in range(FEED_JOBS):
            title = f"{rng.choice(TITLES)} {number}"
            description = f"{DESCRIPTION}\n\nPosition number {number}."
            published = now - timedelta(minutes=number)
            rows.append(
                (
                    ident(rng),
                    organization,
                    title,
                    "fulltime",
                    "DE",
                    "Berlin",
                    False,
                    "hybrid",
                    "senior",
                    60_000 + number,
                    80_000 + number,
                    "EUR",
                    "year",
                    number % 2 == 0,
                    description,
                    # Rendered when saved, as the app does.
                    render_markdown(description),
                    "published",
                    published,
                    published,
                    published,
                )
            )
        await connection.copy_records_to_table(
            "job",
            records=rows,
            columns=[
                "id",
                "organization_id",
                "title",
                "type",
                "country",
                "city",
                "remote",
                "work_mode",
                "experience_level",
                "salary_min",
                "salary_max",
                "salary_currency",
                "salary_interval",
                "show_salary",
                "description",
                "description_html",
                "status",
                "published_at",
                "created_at",
                "updated_at",
            ],
        )
        await connection.execute("analyze job")
    finally:
        await connection.close()


async def _bump(url: str) -> None:
    connection = await asyncpg.connect(_plain(url))
    try:
        await connection.execute(
            "update organization set content_version = content_version + 1 where slug = $1",
            FEED_SLUG,
        )
    finally:
        await connection.close()


def _fetch(client: httpx.Client, url: str) -> tuple[float, float, int]:
    """(ms to the first byte of the body, ms to the last, bytes), on a new connection."""
    started = time.perf_counter()
    first = None
    size = 0
    with client.stream("GET", url, headers={"accept-encoding": "identity"}) as reply:
        reply.raise_for_status()
        for chunk in reply.iter_raw():
            if first is None and chunk:
                first = time.perf_counter()
            size += len(chunk)
    ended = time.perf_counter()
    return ((first or ended) - started) * 1000, (ended - started) * 1000, size


def b6(config: Config, data: Generated, report: Report) -> None:
    section = "B6 job-board feed (10 000 published jobs)"
    database = config.database
    asyncio.run(_feed_organization(database))
    # One worker: the render cache is per process, so with two a request after a miss may reach
    # the other worker and miss again; one worker shows the cache's own figures.
    app = servers.wegotwork(database, workers=1)
    # One client made before timing (making an httpx client loads a TLS context: 20-45 ms on
    # this machine, which the first byte used to include), without keep-alive: every request
    # opens its own connection, as a job board's crawler does.
    client = httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0))
    try:
        feed = f"{app.url}/careers/{FEED_SLUG}/jobs.xml"
        _fetch(client, feed)  # warm the worker up (and its salary labels)
        misses, hits = [], []
        rss = [max(app.worker_rss_mb() or [app.rss_mb()])]
        for _round in range(8):
            asyncio.run(_bump(database))
            misses.append(_fetch(client, feed))
            hits.append(_fetch(client, feed))
            rss.append(max(app.worker_rss_mb() or [app.rss_mb()]))
        size = misses[-1][2]
        report.add(
            section,
            "cache miss (streamed from PostgreSQL while kept)",
            first_byte=Figure([m[0] for m in misses], "ms"),
            complete=Figure([m[1] for m in misses], "ms"),
            note=f"{size:,} bytes",
        )
        report.add(
            section,
            "from the render cache",
            first_byte=Figure([h[0] for h in hits], "ms"),
            complete=Figure([h[1] for h in hits], "ms"),
        )
        report.add(section, "largest worker RSS after each miss", rss=Figure(rss, "MB"))
        report.ratio(
            section,
            "first byte on a miss, ms",
            statistics.median(m[0] for m in misses),
            50,
            at_most=True,
        )
        report.ratio(
            section,
            "complete on a miss, ms",
            statistics.median(m[1] for m in misses),
            1000,
            at_most=True,
        )
        report.ratio(
            section,
            "complete from the cache, ms",
            statistics.median(h[1] for h in hits),
            1000,
            at_most=True,
        )
        report.ratio(
            section, "worker RSS growth over 8 misses, MB", rss[-1] - rss[1], 10, at_most=True
        )
    finally:
        client.close()
        app.stop()


# The generated applicants have no source; the counters spread them over five by their id (as
# if they had come through these links), without rewriting a million applicant rows.
SOURCE_OF = (
    "(array['LinkedIn','Indeed','newsletter','Stack Overflow',''])[1 + abs(hashtext(a.id)) % 5]"
)


async def count_funnel(connection: asyncpg.Connection, organization: str) -> None:
    """Count an organization's generated applicants into its funnel counters: the backfill's
    statement, with the sources spread as above."""
    statement = statement_for("postgresql").replace("coalesce(a.source, '')", SOURCE_OF)
    await connection.execute(statement.replace(":organization_id", "$1"), organization)


async def prepare_funnel(url: str) -> float:
    """The big organization's funnel counters: the backfill's statement (with sources spread as
    above), plus a histogram of days per step, as moving applicants would have written it, and
    their roll-ups; seconds the counting took (0 when the counters are there
    already)."""
    connection = await asyncpg.connect(_plain(url))
    try:
        organization = await connection.fetchval(
            "select id from organization where slug = $1", BIG_SLUG
        )
        if await connection.fetchval(
            "select 1 from funnel_count where organization_id = $1 limit 1", organization
        ):
            return 0.0
        started = time.perf_counter()
        await count_funnel(connection, organization)
        seconds = time.perf_counter() - started
        await connection.execute(
            """
            insert into funnel_duration (id, organization_id, day, job_id, source, step, days,
                                         count)
            select md5(random()::text || f.id), f.organization_id, f.day, f.job_id, f.source,
                   case when f.step = 'HIRED' then 'hire' else f.step end,
                   abs(hashtext(f.id)) % (case when f.step = 'HIRED' then 60 else 14 end),
                   f.count
            from funnel_count f
            where f.organization_id = $1 and f.step <> 'REJECTED'
            """,
            organization,
        )
        # The roll-ups, as the backfill sums them (the writes above went around them).
        for rollup in rollup_statements("postgresql"):
            await connection.execute(rollup.replace(":organization_id", "$1"), organization)
        for table in (
            "funnel_count",
            "funnel_duration",
            "funnel_count_rollup",
            "funnel_duration_job_rollup",
            "funnel_duration_source_rollup",
        ):
            await connection.execute(f"vacuum analyze {table}")
    finally:
        await connection.close()
    return seconds


async def _time_reports(url: str, data: Generated, report: Report, section: str) -> None:
    database = Database(create_engine(url, pool_size=2))
    try:
        async with database.sessionmaker() as db:
            owner = (
                await db.execute(select(User).where(User.email == data.owner_email))
            ).scalar_one()
            ctx = await resolve(db, owner, slug=BIG_SLUG)
            counted = await db.scalar(select(func.count()).select_from(FunnelCount))
            rolled = await db.scalar(select(func.count()).select_from(FunnelCountRollup))
            histogram = await db.scalar(select(func.count()).select_from(FunnelDuration))
            histogram_rolled = sum(
                [
                    await db.scalar(select(func.count()).select_from(table)) or 0
                    for table in (FunnelDurationJobRollup, FunnelDurationSourceRollup)
                ]
            )
            today = date.today()
            cases = [
                (
                    "whole year, every job (1 000 000 applicants)",
                    period_of(today - timedelta(days=400), today, None),
                ),
                ("last 90 days, every job", period_of(None, None, None)),
                (
                    "whole year, the job with 100 000 applicants",
                    period_of(today - timedelta(days=400), today, data.big_job_id),
                ),
            ]
            for name, period in cases:
                for _ in range(3):
                    await analytics(db, ctx, period)
                samples = []
                for _ in range(30):
                    started = time.perf_counter()
                    result = await analytics(db, ctx, period)
                    samples.append((time.perf_counter() - started) * 1000)
                report.add(
                    section,
                    name,
                    time=Figure(samples, "ms"),
                    note=f"{result.total.applications:,} applications; median of 30",
                )
                report.ratio(section, f"{name}, ms", statistics.median(samples), 200, at_most=True)
            report.note(
                section,
                f"Counter rows of the funnel: {counted:,} daily, {rolled:,} rolled up (months "
                f"and blocks); histogram rows {histogram:,} daily, {histogram_rolled:,} rolled "
                f"up (by job and by source).",
            )
    finally:
        await database.dispose()


def b7(config: Config, data: Generated, report: Report) -> None:
    section = "B7 analytics (server-side time of the report action, PostgreSQL)"
    database = config.database
    seconds = asyncio.run(prepare_funnel(database))
    if seconds:
        report.note(
            section,
            f"Counting 1 000 000 applicants into the counters (the backfill's statement) took "
            f"{seconds:.1f} s.",
        )
    asyncio.run(_time_reports(database, data, report, section))
