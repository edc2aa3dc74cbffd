"""Applying against a database of its own, as a server process runs it: on PostgreSQL the
open-job check takes the direct read path (Database.read), on SQLite a session."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from tests import factories
from tests.applicants.helpers import PDF, pdf_bytes
from tests.fixtures.app import BASE_URL, make_settings
from tests.fixtures.database import FreshDatabase
from wegotwork.app import create_app
from wegotwork.db import create_engine
from wegotwork.models import Applicant, JobStatus, OutboxMessage


async def test_an_application_is_stored_with_its_mail_and_a_draft_refuses_it(
    dialect: str, fresh_databases: FreshDatabase, tmp_path: Path
) -> None:
    url = await fresh_databases.create_migrated(dialect)
    engine = create_engine(url)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as db:
        owner = await factories.make_user(db, name="Olga Owner")
        organization = await factories.make_org(db, owner, name="Delta", slug="delta-co")
        job = await factories.make_job(db, organization, title="Welder")
        draft = await factories.make_job(db, organization, status=JobStatus.DRAFT)
        await db.commit()
    app = create_app(make_settings(tmp_path, database_url=url), background=False)
    files = {"resume": ("cv.pdf", pdf_bytes(), PDF)}
    form = {"name": "Carla Candidate", "email": "carla@example.com"}
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client,
        ):
            applied = await client.post(
                f"/api/v1/public/jobs/{job.id}/applications", data=form, files=files
            )
            assert applied.status_code == 201, applied.text
            again = await client.post(
                f"/api/v1/public/jobs/{job.id}/applications", data=form, files=files
            )
            assert again.status_code == 409
            refused = await client.post(
                f"/api/v1/public/jobs/{draft.id}/applications", data=form, files=files
            )
            assert refused.status_code == 404
            async with maker() as db:
                stored = (await db.scalars(select(Applicant))).all()
                assert [(row.job_id, row.email) for row in stored] == [
                    (job.id, "carla@example.com")
                ]
                assert stored[0].resume_key
                assert await app.state.services.storage.exists(stored[0].resume_key)
                recipients = set(await db.scalars(select(OutboxMessage.to_address)))
                assert recipients == {"carla@example.com", owner.email}
    finally:
        await engine.dispose()
