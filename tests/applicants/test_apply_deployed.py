"""Applying against a database of its own, as a server process runs it: on PostgreSQL the
open-job check takes the direct read path (Database.read), on SQLite a session."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories
from tests.applicants.helpers import PDF, pdf_bytes
from tests.fixtures.app import Deployment
from wegotwork.models import Applicant, JobStatus, OutboxMessage


async def test_an_application_is_stored_with_its_mail_and_a_draft_refuses_it(
    deployment: Deployment,
) -> None:
    async with deployment.sessions() as db:
        owner = await factories.make_user(db, name="Olga Owner")
        organization = await factories.make_org(db, owner, name="Delta", slug="delta-co")
        job = await factories.make_job(db, organization, title="Welder")
        draft = await factories.make_job(db, organization, status=JobStatus.DRAFT)
        await db.commit()
    app = deployment.app()
    files = {"resume": ("cv.pdf", pdf_bytes(), PDF)}
    form = {"name": "Carla Candidate", "email": "carla@example.com"}
    async with deployment.serve(app) as client:
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
        async with deployment.sessions() as db:
            stored = (await db.scalars(select(Applicant))).all()
            assert [(row.job_id, row.email) for row in stored] == [(job.id, "carla@example.com")]
            assert stored[0].resume_key
            assert await app.state.services.storage.exists(stored[0].resume_key)
            recipients = set(await db.scalars(select(OutboxMessage.to_address)))
            assert recipients == {"carla@example.com", owner.email}
