"""B4: applicant lists timed server-side — the list action itself, on PostgreSQL, median of 100
calls — for a job with 100 000 applicants and an organization with 1 000 000."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from bench.data import BIG_SLUG, Generated
from bench.report import Figure, Report
from wegotwork.applicants.actions import list_applicants
from wegotwork.applicants.schemas import ApplicantFilters
from wegotwork.db import Database, create_engine
from wegotwork.models import Applicant, ApplicantStatus, User
from wegotwork.schemas import encode_cursor
from wegotwork.tenancy.guard import resolve

CALLS = 100


async def _time(call: Callable[[], Awaitable[object]], calls: int) -> list[float]:
    for _ in range(min(5, calls)):
        await call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def measure_lists(
    url: str, data: Generated, report: Report, *, label: str, calls: int = CALLS
) -> None:
    """Time the list action on the database at ``url``; ratios against the targets only on
    PostgreSQL (SQLite is measured for comparison, with fewer calls)."""
    section = f"B4 applicant lists (server-side time of the list action, {label})"
    database = Database(create_engine(url, pool_size=2))
    try:
        async with database.sessionmaker() as db:
            owner = (
                await db.execute(select(User).where(User.email == data.owner_email))
            ).scalar_one()
            ctx = await resolve(db, owner, slug=BIG_SLUG)
            deep = (
                await db.execute(
                    select(Applicant.created_at, Applicant.id)
                    .where(Applicant.job_id == data.big_job_id)
                    .order_by(Applicant.created_at.desc(), Applicant.id.desc())
                    .offset(50_000)
                    .limit(1)
                )
            ).one()
            deep_cursor = encode_cursor(deep[0], deep[1])
            cases: list[tuple[str, ApplicantFilters, float]] = [
                ("job (100 000): first page", ApplicantFilters(job_id=data.big_job_id), 10),
                (
                    "job: a page 50 000 rows deep (cursor)",
                    ApplicantFilters(job_id=data.big_job_id, cursor=deep_cursor),
                    10,
                ),
                (
                    "job: status filter (INTERVIEW)",
                    ApplicantFilters(job_id=data.big_job_id, status=ApplicantStatus.INTERVIEW),
                    10,
                ),
                (
                    "job: text search 'priya'",
                    ApplicantFilters(job_id=data.big_job_id, q="priya"),
                    10,
                ),
                (
                    "job: text search with few matches 'ximena.walsh'",
                    ApplicantFilters(job_id=data.big_job_id, q="ximena.walsh"),
                    10,
                ),
                (
                    "organization (1 000 000): text search 'nakamura'",
                    ApplicantFilters(q="nakamura"),
                    100,
                ),
                (
                    "organization: text search with few matches 'zeno.young.0.99'",
                    ApplicantFilters(q="zeno.young.0.99"),
                    100,
                ),
                (
                    "organization: status filter (HIRED), first page",
                    ApplicantFilters(status=ApplicantStatus.HIRED),
                    100,
                ),
            ]
            for name, filters, target in cases:

                async def call(filters: ApplicantFilters = filters) -> object:
                    return await list_applicants(db, ctx, filters)

                samples = await _time(call, calls)
                report.add(
                    section,
                    name,
                    time=Figure(samples, "ms"),
                    note=f"median {statistics.median(samples):.1f} ms of {calls}",
                )
                if label == "PostgreSQL":
                    report.ratio(
                        section, f"{name}, ms", statistics.median(samples), target, at_most=True
                    )
    finally:
        await database.dispose()
