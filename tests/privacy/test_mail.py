"""Erasing a candidate while no mail has gone out (SMTP down) removes their queued mail too:
the confirmation to them and the new-applicant notice that names them; sent mail goes as well.
Another candidate's mail stays."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import apply, candidate
from tests.fixtures.world import World
from wegotwork.db import utcnow
from wegotwork.models import Applicant, JobStatus, OutboxMessage

pytestmark = pytest.mark.usefixtures("dialect")


async def _mail_to_or_about(db: AsyncSession, email: str, applicant_id: str) -> int:
    db.expire_all()
    count = await db.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            (func.lower(OutboxMessage.to_address) == email.lower())
            | OutboxMessage.text_body.contains(applicant_id)
        )
    )
    return int(count or 0)


async def test_erasure_removes_queued_and_sent_mail(db: AsyncSession, world: World) -> None:
    job = await factories.make_job(db, world.org, status=JobStatus.PUBLISHED)
    job_id = job.id
    await db.commit()
    ada, grace = candidate(), candidate(name="Grace Hopper")
    ids = []
    for fields in (ada, grace):
        applied = await apply(world.anonymous, job_id, fields)
        assert applied.status_code == 201, applied.text
        found = await db.scalar(
            select(Applicant.id).where(Applicant.email == fields["email"].lower())
        )
        assert found is not None
        ids.append(found)
    assert await _mail_to_or_about(db, ada["email"], ids[0]) >= 2
    # One of them has gone out already.
    sent = await db.scalar(
        select(OutboxMessage).where(func.lower(OutboxMessage.to_address) == ada["email"])
    )
    assert sent is not None
    sent.sent_at = utcnow()
    await db.commit()

    erased = await world.api("member").delete(f"/api/v1/applicants/{ids[0]}")
    assert erased.status_code == 200
    assert await _mail_to_or_about(db, ada["email"], ids[0]) == 0
    assert await _mail_to_or_about(db, grace["email"], ids[1]) >= 2
