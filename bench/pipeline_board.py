"""B8: the board of a job with 10 000 applicants over a 7-stage pipeline, timed server-side on
PostgreSQL (the actions themselves, median of many calls): the board's first paint (every
stage's count and first 25 cards), moving a card, and the job's stage counts.

``.venv/bin/python -m bench.pipeline_board`` creates its own database (``BENCH_DATABASE``,
default ``wegotwork_bench_board``) on ``BENCH_POSTGRES_URL`` and prints the figures.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.applicant_lists import _time as time_calls
from wegotwork import migrate
from wegotwork.db import Database, create_engine, new_id
from wegotwork.models import ApplicantStatus, Job, JobStatus, Member, Organization, Role, User
from wegotwork.pipelines import actions, queries, rules
from wegotwork.tenancy.guard import resolve

APPLICANTS = 10_000
CALLS = 50
TARGETS_MS = {"board": 50.0, "move": 10.0, "counts": 10.0}
SEVEN_STAGES = [
    rules.StageSpec("Applied", ApplicantStatus.SUBMITTED),
    rules.StageSpec("Screen", ApplicantStatus.UNDERREVIEW),
    rules.StageSpec("Take-home", ApplicantStatus.UNDERREVIEW),
    rules.StageSpec("Interview", ApplicantStatus.INTERVIEW),
    rules.StageSpec("Offer", ApplicantStatus.OFFER),
    rules.StageSpec("Hired", ApplicantStatus.HIRED),
    rules.StageSpec("Rejected", ApplicantStatus.REJECTED),
]


async def fresh_database(default_name: str = "wegotwork_bench_board") -> str:
    """A new, migrated database ``BENCH_DATABASE`` (else ``default_name``) on
    ``BENCH_POSTGRES_URL``; returns its SQLAlchemy URL."""
    server = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
    name = os.environ.get("BENCH_DATABASE", default_name)
    admin = await asyncpg.connect(f"{server}/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    await asyncio.to_thread(migrate.upgrade, url)
    return url


async def _seed(database: Database, url: str) -> tuple[str, str, str, str]:
    """An organization with an owner, the 7-stage pipeline, a job on it and its applicants
    spread over the stages (most early, as in a real funnel). Returns the owner's, the
    organization's, the job's and one applicant's id."""
    rng = random.Random(8)
    async with database.sessionmaker() as db:
        owner = User(id=new_id(), name="Bench Owner", email="board-owner@example.com")
        organization = Organization(id=new_id(), name="Board Bench", slug="board-bench")
        db.add_all([owner, organization])
        await db.flush()
        db.add(Member(organization_id=organization.id, user_id=owner.id, role=Role.OWNER))
        await actions.create_default_pipeline(db, organization.id)
        await db.commit()
        ctx = await resolve(db, owner, organization_id=organization.id)
        view = await actions.create_pipeline(
            db, ctx, actions.PipelineInput(name="Seven", stages=SEVEN_STAGES)
        )
        await db.commit()
        stages = [(stage.id, stage.status.value) for stage in view.stages]
        job = Job(
            organization_id=organization.id,
            title="Engineer",
            status=JobStatus.PUBLISHED,
            pipeline_id=view.pipeline.id,
        )
        db.add(job)
        await db.commit()
        job_id, owner_id, organization_id = job.id, owner.id, organization.id
    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(plain)
    now = datetime.now(UTC)
    try:
        weights = [40, 20, 10, 8, 4, 3, 15]
        rows = []
        for number in range(APPLICANTS):
            stage_id, status = rng.choices(stages, weights)[0]
            created = now - timedelta(minutes=number)
            rows.append(
                (
                    new_id(),
                    organization_id,
                    job_id,
                    f"Candidate {number}",
                    f"candidate{number}@example.com",
                    status,
                    stage_id,
                    created,
                    created,
                )
            )
        await connection.copy_records_to_table(
            "applicant",
            records=rows,
            columns=[
                "id",
                "organization_id",
                "job_id",
                "name",
                "email",
                "status",
                "stage_id",
                "created_at",
                "updated_at",
            ],
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return owner_id, organization_id, job_id, rows[0][0]


async def _median(call: Callable[[], Awaitable[object]], calls: int = CALLS) -> float:
    return statistics.median(await time_calls(call, calls))


async def run() -> dict[str, float]:
    url = await fresh_database()
    database = Database(create_engine(url, pool_size=2))
    try:
        owner_id, organization_id, job_id, applicant_id = await _seed(database, url)
        async with database.sessionmaker() as db:
            owner = await db.get(User, owner_id)
            assert owner is not None
            ctx = await resolve(db, owner, organization_id=organization_id)
            overview = await queries.job_pipeline(db, ctx, job_id)
            stage_ids = [entry.stage.id for entry in overview.stages]
            assert sum(entry.count for entry in overview.stages) == APPLICANTS

            async def board() -> object:
                return await queries.board(db, ctx, job_id, per_column=25)

            async def counts() -> object:
                return await queries.job_pipeline(db, ctx, job_id)

            turn = iter(range(10**9))

            async def move() -> object:
                target = stage_ids[1 + next(turn) % 4]
                moved = await actions.move_applicant(db, ctx, applicant_id, stage_id=target)
                await db.commit()
                return moved

            return {
                "board": await _median(board),
                "move": await _median(move),
                "counts": await _median(counts),
            }
    finally:
        await database.dispose()


def main() -> None:
    figures = asyncio.run(run())
    labels = {
        "board": "board first paint (7 counts + 25 cards per stage)",
        "move": "move a card (with its log entry, committed)",
        "counts": "GET /api/v1/jobs/{id}/pipeline counts",
    }
    print(f"B8 pipeline board, {APPLICANTS} applicants, PostgreSQL, median of {CALLS} calls")
    for key, value in figures.items():
        verdict = "met" if value <= TARGETS_MS[key] else "NOT met"
        print(f"- {labels[key]}: {value:.1f} ms (target ≤ {TARGETS_MS[key]:.0f} ms, {verdict})")


if __name__ == "__main__":
    main()
