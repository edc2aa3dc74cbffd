"""Erasing an applicant removes what the team wrote about them: notes, scorecards and the
notifications that point at them; other applicants keep theirs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from tests.reviews.helpers import arrange
from wegotwork.models import Base, Note, Notification, Scorecard

pytestmark = pytest.mark.usefixtures("dialect")


async def _rows(db: AsyncSession, model: type[Base], applicant_id: str) -> int:
    db.expire_all()
    column = model.__table__.c.applicant_id  # type: ignore[attr-defined]
    count = await db.scalar(select(func.count()).select_from(model).where(column == applicant_id))
    return int(count or 0)


async def test_erasing_an_applicant_removes_notes_scorecards_and_notifications(
    db: AsyncSession, world: World
) -> None:
    place, _ = await arrange(db, world)
    kept = await factories.make_applicant(db, await factories.make_job(db, world.org))
    kept_id, kept_stage = kept.id, kept.stage_id
    await db.commit()
    member = world.api("member")
    for applicant_id, stage_id in ((place.applicant_id, place.stage_id), (kept_id, kept_stage)):
        note = await member.post(
            f"/api/v1/applicants/{applicant_id}/notes",
            json={"body": f"Ask @{place.names['admin']}"},
        )
        assert note.status_code == 201
        card = await member.put(
            f"/api/v1/applicants/{applicant_id}/scorecards/{stage_id}",
            json={"recommendation": "yes"},
        )
        assert card.status_code == 200
    for model in (Note, Scorecard, Notification):
        assert await _rows(db, model, place.applicant_id) == 1

    erased = await member.delete(f"/api/v1/applicants/{place.applicant_id}")
    assert erased.status_code == 200

    for model in (Note, Scorecard, Notification):
        assert await _rows(db, model, place.applicant_id) == 0
        assert await _rows(db, model, kept_id) == 1
    inbox = (await world.api("admin").get("/api/v1/notifications")).json()
    assert [item["applicantId"] for item in inbox["notifications"]] == [kept_id]
