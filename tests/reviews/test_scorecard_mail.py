"""A teammate's first scorecard for a stage is mailed to the members who reviewed that stage too
(they may see it: they submitted theirs), unless they turned such mail off; nobody else hears of
it, and replacing a scorecard mails nothing again."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.mail import SmtpSink
from tests.fixtures.world import World
from tests.reviews.helpers import arrange
from wegotwork.deps import Services
from wegotwork.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("dialect")


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


async def _mailed(db: AsyncSession) -> list[str]:
    db.expire_all()
    rows = await db.scalars(
        select(OutboxMessage.to_address)
        .where(OutboxMessage.kind == "scorecard")
        .order_by(OutboxMessage.to_address)
    )
    return list(rows)


async def test_a_scorecard_is_mailed_to_the_teammates_who_reviewed_the_stage(
    db: AsyncSession, world: World, services: Services, smtp_sink: SmtpSink
) -> None:
    place, _ = await arrange(db, world)
    card = f"/api/v1/applicants/{place.applicant_id}/scorecards/{place.stage_id}"

    first = await world.api("member").put(card, json={"recommendation": "yes"})
    assert first.status_code == 200, first.text
    assert await _mailed(db) == []  # nobody else reviewed this stage yet

    second = await world.api("admin").put(card, json={"recommendation": "no"})
    assert second.status_code == 200, second.text
    assert await _mailed(db) == [place.emails["member"]]
    await services.sender.send_due()
    [mail] = await smtp_sink.wait_for(place.emails["member"])
    assert mail.subject == f"{place.names['admin']} submitted a scorecard for Grace Hopper"
    assert "at the Submitted stage" in mail.text
    assert f"/dashboard/{place.slug}/applicants/{place.applicant_id}#scorecards" in mail.text
    assert "/account/notifications" in mail.text
    # The verdict itself stays on the page, behind sign-in.
    assert "no" not in mail.subject.lower().split()

    # Replacing one's scorecard tells nobody again.
    again = await world.api("admin").put(card, json={"recommendation": "yes"})
    assert again.status_code == 200
    assert await _mailed(db) == [place.emails["member"]]

    # The owner turns scorecard mail off (mentions stay on); the member's is on.
    saved = await world.browser("owner").post(
        "/account/notifications",
        data={"submitted": "1", "notify": [place.org_id], "mention": [place.org_id]},
    )
    assert saved.status_code == 303
    page = await world.browser("owner").get("/account/notifications")
    assert f'name="scorecard" value="{place.org_id}" checked' not in page.text
    assert f'name="mention" value="{place.org_id}" checked' in page.text
    await world.api("owner").put(card, json={"recommendation": "strong_yes"})
    # The owner's scorecard reaches the member and the admin, who reviewed the stage.
    assert sorted(await _mailed(db)) == sorted(
        [place.emails["member"], place.emails["member"], place.emails["admin"]]
    )
    # A fourth reviewer's scorecard reaches the others, but not the owner who opted out.
    outsider = await world.api("outsider").put(card, json={"recommendation": "yes"})
    assert outsider.status_code == 404
    assert place.emails["owner"] not in await _mailed(db)
    assert place.emails["outsider"] not in await _mailed(db)


async def test_the_scorecard_page_form_mails_too(db: AsyncSession, world: World) -> None:
    place, _ = await arrange(db, world)
    await world.api("member").put(
        f"/api/v1/applicants/{place.applicant_id}/scorecards/{place.stage_id}",
        json={"recommendation": "yes"},
    )
    sent = await world.browser("admin").post(
        f"/dashboard/{place.slug}/applicants/{place.applicant_id}/scorecards/{place.stage_id}",
        data={"recommendation": "strong_yes"},
    )
    assert sent.status_code == 303
    assert await _mailed(db) == [place.emails["member"]]
