"""B9: reviewing one applicant of a job with 100 000 applicants, on PostgreSQL: the whole
applicant page of a candidate with 200 notes and 20 scorecards (routing, guard, queries and
template, through the ASGI app in process: server time without the network), and the
previous / next resolution of the page's walk (two keyset lookups).

``.venv/bin/python -m bench.applicant_review`` creates its own database (``BENCH_DATABASE``,
default ``wegotwork_bench_review``) on ``BENCH_POSTGRES_URL`` and prints the figures.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from sqlalchemy import select

from bench.applicant_lists import _time as time_calls
from bench.pipeline_board import fresh_database
from wegotwork.app import create_app
from wegotwork.applicants import actions
from wegotwork.applicants.schemas import ApplicantFilters
from wegotwork.db import Database, create_engine, new_id
from wegotwork.identity.sessions import create_session
from wegotwork.models import (
    Applicant,
    Job,
    JobStatus,
    Member,
    Organization,
    PipelineStage,
    Role,
    User,
)
from wegotwork.pipelines.actions import create_default_pipeline
from wegotwork.reviews.rules import note_html
from wegotwork.settings import Settings
from wegotwork.tenancy.guard import resolve

APPLICANTS = 100_000
NOTES = 200
SCORECARDS = 20
CALLS = 50
TARGETS_MS = {"page": 30.0, "page-cold": 30.0, "neighbours": 5.0}


async def _seed(database: Database, url: str) -> tuple[str, str, str, str, str]:
    """An organization with an owner and 20 members, a job with its applicants (one a minute
    back in time), and the middle one with 200 notes and a scorecard from each member on the
    first stage. Returns the owner's, the organization's, its slug, the job's and the reviewed
    applicant's id."""
    async with database.sessionmaker() as db:
        owner = User(id=new_id(), name="Bench Owner", email="review-owner@example.com")
        organization = Organization(id=new_id(), name="Review Bench", slug="review-bench")
        members = [
            User(id=new_id(), name=f"Reviewer {n}", email=f"reviewer{n}@example.com")
            for n in range(SCORECARDS)
        ]
        db.add_all([owner, organization, *members])
        await db.flush()
        db.add(Member(organization_id=organization.id, user_id=owner.id, role=Role.OWNER))
        db.add_all(
            Member(organization_id=organization.id, user_id=user.id, role=Role.MEMBER)
            for user in members
        )
        pipeline = await create_default_pipeline(db, organization.id)
        job = Job(
            organization_id=organization.id,
            title="Engineer",
            status=JobStatus.PUBLISHED,
            pipeline_id=pipeline.id,
        )
        db.add(job)
        await db.commit()
        first_stage = await db.scalar(
            select(PipelineStage.id)
            .where(PipelineStage.pipeline_id == pipeline.id)
            .order_by(PipelineStage.position)
            .limit(1)
        )
        ids = (owner.id, organization.id, organization.slug, job.id)
        member_ids = [user.id for user in members]
    owner_id, organization_id, slug, job_id = ids
    now = datetime.now(UTC)
    applicants = []
    for number in range(APPLICANTS):
        created = now - timedelta(minutes=number)
        applicants.append(
            (
                new_id(),
                organization_id,
                job_id,
                f"Candidate {number}",
                f"candidate{number}@example.com",
                "SUBMITTED",
                first_stage,
                created,
                created,
            )
        )
    reviewed = applicants[APPLICANTS // 2][0]
    notes = [
        (
            new_id(),
            organization_id,
            reviewed,
            owner_id,
            f"Note {n}: **strong** answer on systems, see @Reviewer {n % SCORECARDS}.",
            now - timedelta(minutes=n),
            now - timedelta(minutes=n),
        )
        for n in range(NOTES)
    ]
    scorecards = [
        (
            new_id(),
            organization_id,
            reviewed,
            first_stage,
            author,
            "{}",
            "yes" if n % 3 else "strong_yes",
            f"Scorecard notes {n}",
            now,
            now,
        )
        for n, author in enumerate(member_ids)
    ]
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.copy_records_to_table(
            "applicant",
            records=applicants,
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
        await connection.copy_records_to_table(
            "note",
            records=notes,
            columns=[
                "id",
                "organization_id",
                "applicant_id",
                "author_id",
                "body",
                "created_at",
                "updated_at",
            ],
        )
        await connection.executemany(
            "INSERT INTO scorecard (id, organization_id, applicant_id, stage_id, author_id,"
            " ratings, recommendation, notes, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6::json, $7, $8, $9, $10)",
            scorecards,
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return owner_id, organization_id, slug, job_id, reviewed


async def run() -> dict[str, float]:
    url = await fresh_database("wegotwork_bench_review")
    database = Database(create_engine(url, pool_size=4))
    try:
        owner_id, organization_id, slug, job_id, reviewed = await _seed(database, url)
        async with database.sessionmaker() as db:
            owner = await db.get(User, owner_id)
            applicant = await db.get(Applicant, reviewed)
            assert owner is not None
            assert applicant is not None
            ctx = await resolve(db, owner, organization_id=organization_id)
            session = await create_session(db, owner)
            await db.commit()
            filters = ApplicantFilters(job_id=job_id)

            async def neighbours() -> object:
                found = await actions.neighbours(db, ctx, filters, applicant)
                assert None not in found
                return found

            walk = statistics.median(await time_calls(neighbours, CALLS))

        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(
                secret="b9-bench-secret-b9-bench-secret-b9",
                database_url=url,
                data_dir=data_dir,
                base_url="http://127.0.0.1:8000",
                rate_limit=False,
                log_level="WARNING",
            )
            logging.disable(logging.INFO)
            app = create_app(settings, database=database, background=False)
            transport = httpx.ASGITransport(app=app)
            headers = {"authorization": f"Bearer {session.token}"}
            page_url = f"/dashboard/{slug}/applicants/{reviewed}?job={job_id}"
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:8000"
            ) as client:

                async def page() -> object:
                    response = await client.get(page_url, headers=headers)
                    assert response.status_code == 200, response.status_code
                    assert "Note 199:" in response.text
                    return response

                rendered = statistics.median(await time_calls(page, CALLS))

                async def first_view() -> object:
                    # As the first visit after a restart: no note rendered yet.
                    note_html.cache_clear()
                    return await page()

                cold = statistics.median(await time_calls(first_view, CALLS))
        return {"page": rendered, "page-cold": cold, "neighbours": walk}
    finally:
        await database.dispose()


def main() -> None:
    figures = asyncio.run(run())
    labels = {
        "page": f"applicant page with {NOTES} notes and {SCORECARDS} scorecards (in-process GET)",
        "page-cold": "the same page with no note rendered before (first visit after a start)",
        "neighbours": f"previous / next in a job of {APPLICANTS:,} applicants",
    }
    print(f"B9 applicant review, PostgreSQL, median of {CALLS} calls")
    for key, value in figures.items():
        verdict = "met" if value <= TARGETS_MS[key] else "NOT met"
        print(f"- {labels[key]}: {value:.1f} ms (target ≤ {TARGETS_MS[key]:.0f} ms, {verdict})")


if __name__ == "__main__":
    main()
