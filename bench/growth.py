"""Growth curves: cost against data size at 1×, 10×, 100× and 1 000×, server-side on PostgreSQL,
drawn as SVG charts (bench/growth-*.svg) linked from the report.

- the careers page on a render-cache miss (in-process GET) of organizations with 5, 50, 500
  and 5 000 published jobs;
- the applicant list of a job with 100, 1 000, 10 000 and 100 000 applicants: the first page
  and a search for a common first name (the list action);
- the analytics report (the report action, whole year) of organizations with 100, 1 000,
  10 000 and 100 000 applicants, and of ``bench-big`` with 1 000 000.

The organizations are added to the benchmark database once (``bench-growth-*``, about a
minute) and reused; the owner of ``bench-big`` owns them too.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select

from bench import postings
from bench.data import (
    BIG_SLUG,
    COLUMNS,
    SEED,
    TITLES,
    Generated,
    applicant_row,
    ident,
    job_row,
)
from bench.inprocess import app_on, is_quick, median, timed
from bench.report import Figure, Report
from bench.scenarios import Config
from bench.svg import describe, growth_exponent, line_chart
from wegotwork.organizations.rules import DEFAULT_CATEGORIES

HERE = Path(__file__).resolve().parent
JOB_SIZES = (5, 50, 500, 5_000)
APPLICANT_SIZES = (100, 1_000, 10_000, 100_000)
SEARCH = "priya"
SECTION = "Growth: cost against data size (server-side, PostgreSQL)"


def jobs_slug(size: int) -> str:
    return f"bench-growth-jobs-{size}"


def applicants_slug(size: int) -> str:
    return f"bench-growth-applicants-{size}"


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _organization(
    connection: asyncpg.Connection, rng: random.Random, slug: str, owner: str, now: datetime
) -> tuple[str, list[str]]:
    """A new organization owned by ``owner`` with the default categories; (id, category ids)."""
    organization = ident(rng)
    created = now - timedelta(days=400)
    await connection.execute(
        "insert into organization (id, name, slug, description, content_version, created_at,"
        " updated_at) values ($1, $2, $3, 'Growing.', 1, $4, $4)",
        organization,
        f"Growth {slug}",
        slug,
        created,
    )
    await connection.execute(
        "insert into member (id, organization_id, user_id, role, notify_new_applicants,"
        " created_at) values ($1, $2, $3, 'owner', false, $4)",
        ident(rng),
        organization,
        owner,
        created,
    )
    categories = [
        (ident(rng), organization, name, n, created, created)
        for n, name in enumerate(DEFAULT_CATEGORIES)
    ]
    await connection.copy_records_to_table(
        "job_category", records=categories, columns=COLUMNS["job_category"]
    )
    return organization, [row[0] for row in categories]


def _job(
    rng: random.Random, organization: str, category: str, number: int, now: datetime
) -> tuple[object, ...]:
    published = now - timedelta(days=rng.randint(1, 120), minutes=number)
    return job_row(
        ident(rng),
        organization,
        category,
        rng.choice(TITLES),
        "fulltime",
        "DE",
        "Berlin",
        rng.random() < 0.35,
        published,
    )


async def prepare(url: str) -> None:
    """Add the growth organizations (once)."""
    connection = await asyncpg.connect(_plain(url))
    try:
        if await connection.fetchval(
            "select 1 from organization where slug = $1", applicants_slug(APPLICANT_SIZES[-1])
        ):
            return
        print("Adding the growth organizations to the benchmark data…", flush=True)
        rng = random.Random(SEED + 30)
        now = datetime.now(UTC).replace(microsecond=0)
        owner = await connection.fetchval(
            "select m.user_id from member m join organization o on o.id = m.organization_id"
            " where o.slug = $1 and m.role = 'owner'",
            BIG_SLUG,
        )
        async with connection.transaction():
            for size in JOB_SIZES:
                organization, categories = await _organization(
                    connection, rng, jobs_slug(size), owner, now
                )
                jobs = [
                    _job(rng, organization, categories[n % len(categories)], n, now)
                    for n in range(size)
                ]
                await connection.copy_records_to_table("job", records=jobs, columns=COLUMNS["job"])
            for size in APPLICANT_SIZES:
                organization, categories = await _organization(
                    connection, rng, applicants_slug(size), owner, now
                )
                job = _job(rng, organization, categories[0], 0, now)
                await connection.copy_records_to_table("job", records=[job], columns=COLUMNS["job"])
                rows = [
                    applicant_row(rng, organization, str(job[0]), f"g{size}.{number}", now)
                    for number in range(size)
                ]
                await connection.copy_records_to_table(
                    "applicant", records=rows, columns=COLUMNS["applicant"]
                )
                # The funnel counters the report reads, as B7 fills them for bench-big.
                await postings.count_funnel(connection, organization)
        await connection.execute("analyze")
    finally:
        await connection.close()


def bench(config: Config, data: Generated, report: Report) -> None:
    asyncio.run(prepare(config.database))
    asyncio.run(postings.prepare_funnel(config.database))  # bench-big's counters, as B7
    asyncio.run(_measure(config, data, report))


async def _measure(config: Config, data: Generated, report: Report) -> None:
    from wegotwork.analytics.actions import analytics, period_of
    from wegotwork.applicants.actions import list_applicants
    from wegotwork.applicants.schemas import ApplicantFilters
    from wegotwork.models import Job, User
    from wegotwork.tenancy.guard import resolve

    quick = is_quick(config)
    calls = 5 if quick else 30
    careers: list[tuple[float, float]] = []
    first_page: list[tuple[float, float]] = []
    search: list[tuple[float, float]] = []
    reports: list[tuple[float, float]] = []
    async with app_on(config.database) as app:
        counter = iter(range(10**9))
        for size in JOB_SIZES:
            slug = jobs_slug(size)

            async def miss(slug: str = slug) -> object:
                response = await app.client.get(f"/careers/{slug}?v={next(counter)}")
                response.raise_for_status()
                return response

            samples = await timed(miss, calls)
            careers.append((size, median(samples)))
            report.add(
                SECTION,
                f"careers page of {size:,} jobs, render-cache miss",
                time=Figure(samples, "ms"),
            )
        async with app.database.sessionmaker() as db:
            owner = (
                await db.execute(select(User).where(User.email == data.owner_email))
            ).scalar_one()
            today = date.today()
            for size in (*APPLICANT_SIZES, 1_000_000):
                slug = BIG_SLUG if size == 1_000_000 else applicants_slug(size)
                ctx = await resolve(db, owner, slug=slug)
                if size != 1_000_000:
                    job_id = await db.scalar(
                        select(Job.id).where(Job.organization_id == ctx.organization.id)
                    )
                    assert job_id is not None
                    for name, points, filters in (
                        ("first page", first_page, ApplicantFilters(job_id=job_id)),
                        (f"search '{SEARCH}'", search, ApplicantFilters(job_id=job_id, q=SEARCH)),
                    ):

                        async def listing(
                            filters: ApplicantFilters = filters, ctx: Any = ctx
                        ) -> object:
                            return await list_applicants(db, ctx, filters)

                        samples = await timed(listing, calls * 2)
                        points.append((size, median(samples)))
                        report.add(
                            SECTION,
                            f"applicant list of a job of {size:,}: {name}",
                            time=Figure(samples, "ms"),
                        )
                period = period_of(today - timedelta(days=400), today, None)

                async def report_action(period: Any = period, ctx: Any = ctx) -> object:
                    return await analytics(db, ctx, period)

                samples = await timed(report_action, calls)
                reports.append((size, median(samples)))
                report.add(
                    SECTION,
                    f"analytics report, whole year, organization of {size:,} applicants",
                    time=Figure(samples, "ms"),
                )
    charts = {
        "growth-careers.svg": (
            "Careers page, render-cache miss",
            "published jobs",
            {"careers page": careers},
        ),
        "growth-applicant-list.svg": (
            "Applicant list of one job (list action)",
            "applicants in the job",
            {"first page": first_page, f"search '{SEARCH}'": search},
        ),
        "growth-analytics.svg": (
            "Analytics report, whole year (report action)",
            "applicants in the organization",
            {"report": reports},
        ),
    }
    summary = []
    for file_name, (title, x_label, series) in charts.items():
        path = line_chart(HERE / file_name, title, x_label, "median ms", series)
        report.chart(SECTION, title, path)
        for name, points in series.items():
            exponent = growth_exponent(points)
            (x0, y0), (x1, y1) = points[0], points[-1]
            summary.append(
                f"- {title}, {name}: {y0:.2f} ms at {x0:,.0f} → {y1:.2f} ms at {x1:,.0f} "
                f"(×{y1 / y0:.1f} for ×{x1 / x0:,.0f} the data; exponent {exponent:.2f}: "
                f"{describe(exponent)})"
            )
    report.note(
        SECTION,
        "Medians; the exponent is the slope on log–log axes from the smallest size to the "
        "largest (0 flat, 1 in proportion to the data). The dotted lines in the charts show "
        "growth in proportion to the data.\n\n" + "\n".join(summary),
    )
