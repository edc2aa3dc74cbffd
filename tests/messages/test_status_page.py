"""The candidate's status page: found only with the right token, in candidate-facing words,
noindex; withdrawing (logged for the team) and deleting one's data after a mailed link. And the
outbox under a bulk rejection while SMTP is down: nothing lost, nothing sent twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.mail import SmtpSink, free_port
from tests.fixtures.world import World
from tests.messages.helpers import arrange, drain, sender_for
from wegotwork.clock import FrozenClock
from wegotwork.db import Database
from wegotwork.deps import Services
from wegotwork.mail.outbox import backoff
from wegotwork.models import (
    ActivityKind,
    Applicant,
    ApplicantActivity,
    ApplicantStatus,
    Message,
    OutboxMessage,
    Session,
)

pytestmark = pytest.mark.usefixtures("dialect")

PHASE = '<strong class="status-phase">{}</strong>'


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


async def _count(db: AsyncSession, model: type, *where: object) -> int:
    db.expire_all()
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)  # type: ignore[arg-type]
    return int(await db.scalar(query) or 0)


async def test_the_page_shows_received_and_is_not_indexed(
    db: AsyncSession, world: World, services: Services
) -> None:
    place = await arrange(db, world, services.secret)
    page = await world.anonymous.get(f"/status/{place.tokens[0]}")
    assert page.status_code == 200, page.text
    assert PHASE.format("Received") in page.text
    assert "Analytical Engineer" in page.text
    assert place.org_name in page.text
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert page.headers["x-robots-tag"] == "noindex"
    assert page.headers["cache-control"] == "no-store"
    assert "You will hear from us by" in page.text
    for stage_name in ("Applied", "Screening"):
        assert f">{stage_name}<" not in page.text


@pytest.mark.parametrize(
    "token",
    ["x" * 32, "short", "A" * 200, "..%2F..%2Fetc"],
)
async def test_a_wrong_token_is_not_found(
    db: AsyncSession, world: World, services: Services, token: str
) -> None:
    await arrange(db, world, services.secret)
    page = await world.anonymous.get(f"/status/{token}")
    assert page.status_code == 404
    withdraw = await world.anonymous.post(f"/status/{token}/withdraw")
    assert withdraw.status_code in (403, 404)


async def test_withdrawing_rejects_with_the_reason_and_the_team_sees_it(
    db: AsyncSession, world: World, services: Services
) -> None:
    place = await arrange(db, world, services.secret)
    browser = world.browser("anonymous")
    response = await browser.post(
        f"/status/{place.tokens[0]}/withdraw",
        headers={"Origin": "http://testserver"},
    )
    assert response.status_code == 303, response.text
    applicant = await db.get(Applicant, place.applicant_ids[0])
    await db.refresh(applicant)
    assert applicant is not None
    assert applicant.status == ApplicantStatus.REJECTED
    timeline = await world.api("member").get(
        f"/api/v1/applicants/{place.applicant_ids[0]}/activity"
    )
    kinds = [(entry["kind"], entry["data"].get("reason")) for entry in timeline.json()["activity"]]
    assert ("withdrawn", "Withdrawn") in kinds
    assert ("rejected", "Withdrawn") in kinds
    page = await world.anonymous.get(f"/status/{place.tokens[0]}")
    assert PHASE.format("Decision made") in page.text
    assert "Withdraw my application" not in page.text
    again = await browser.post(
        f"/status/{place.tokens[0]}/withdraw", headers={"Origin": "http://testserver"}
    )
    assert again.status_code == 303
    assert (
        await _count(
            db,
            ApplicantActivity,
            ApplicantActivity.applicant_id == place.applicant_ids[0],
            ApplicantActivity.kind == ActivityKind.WITHDRAWN,
        )
        == 1
    )


async def test_delete_my_data_needs_the_mailed_link(
    db: AsyncSession,
    world: World,
    services: Services,
    database: Database,
    smtp_sink: SmtpSink,
) -> None:
    place = await arrange(db, world, services.secret)
    origin = {"Origin": "http://testserver"}
    asked = await world.anonymous.post(f"/status/{place.tokens[0]}/delete", headers=origin)
    assert asked.status_code == 303
    assert await _count(db, Applicant, Applicant.id == place.applicant_ids[0]) == 1
    await drain(database, smtp_sink)
    [mail] = smtp_sink.to(place.emails[0])
    link = next(word for word in mail.text.split() if "/status/erase/" in word)
    path = link.split("testserver", 1)[1]
    confirm_page = await world.anonymous.get(path)
    assert confirm_page.status_code == 200
    assert "Delete my data now" in confirm_page.text
    assert await _count(db, Applicant, Applicant.id == place.applicant_ids[0]) == 1
    done = await world.anonymous.post(path, headers=origin)
    assert done.status_code == 200, done.text
    assert "Your data was deleted" in done.text
    assert await _count(db, Applicant, Applicant.id == place.applicant_ids[0]) == 0
    assert await _count(db, OutboxMessage, OutboxMessage.to_address == place.emails[0]) == 0
    assert await _count(db, Message, Message.applicant_id == place.applicant_ids[0]) == 0
    assert (await world.anonymous.get(f"/status/{place.tokens[0]}")).status_code == 404
    assert (await world.anonymous.get(path)).status_code == 404


async def test_smtp_down_during_a_bulk_rejection_loses_nothing_and_sends_each_once(
    db: AsyncSession,
    world: World,
    services: Services,
    database: Database,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    count = 60
    place = await arrange(db, world, services.secret, count=count)
    rejected = await world.api("member").post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}",
        json={
            "applicantIds": place.applicant_ids,
            "action": "reject",
            "reasonId": place.reasons["Position filled"],
            "templateId": place.templates["rejection"],
            "sendAt": frozen_clock.current.isoformat(),
        },
    )
    assert rejected.status_code == 200, rejected.text
    down = sender_for(database, f"smtp://127.0.0.1:{free_port()}")
    assert await down.send_due() == 0
    # The worker restarts: the messages it had claimed are handed back, none is lost.
    await down.stop()
    pending = await _count(
        db,
        OutboxMessage,
        OutboxMessage.kind == "candidate_rejection",
        OutboxMessage.sent_at.is_(None),
    )
    assert pending == count
    frozen_clock.advance(backoff(1) * 2)
    first = sender_for(database, smtp_sink.url)
    half = await first.send_due()
    assert half > 0
    # Another process takes over mid-drain, while the first one is also still going.
    second = sender_for(database, smtp_sink.url)
    total = half
    while True:
        sent = await second.send_due() + await first.send_due()
        if not sent:
            break
        total += sent
    assert total == count
    delivered = Counter(
        address for item in smtp_sink.messages for address in item.to if address in place.emails
    )
    assert set(delivered) == set(place.emails)
    assert set(delivered.values()) == {1}
    ids = [item.message["Message-ID"] for item in smtp_sink.messages]
    assert len(set(ids)) == len(ids)


async def test_the_team_rejects_from_its_page_and_cancels_the_mail(
    db: AsyncSession, world: World, services: Services
) -> None:
    place = await arrange(db, world, services.secret)
    slug = (await world.api("member").get(f"/api/v1/organizations/{place.org_id}")).json()
    base = f"/dashboard/{slug['organization']['slug']}/applicants/{place.applicant_ids[0]}"
    browser = world.browser("member")
    page = await browser.get(f"{base}/messages")
    assert page.status_code == 200, page.text
    assert "Position filled" in page.text
    rejected = await browser.post(
        f"{base}/reject",
        data={
            "reasonId": place.reasons["Position filled"],
            "templateId": place.templates["rejection"],
            "when": "morning",
        },
    )
    assert rejected.status_code == 303
    page = await browser.get(f"{base}/messages")
    assert '<span class="message-status">scheduled</span>' in page.text
    [message_id] = list(
        await db.scalars(select(Message.id).where(Message.applicant_id == place.applicant_ids[0]))
    )
    cancelled = await browser.post(
        f"/dashboard/{slug['organization']['slug']}/messages/{message_id}/cancel"
    )
    assert cancelled.status_code == 303
    page = await browser.get(f"{base}/messages")
    assert '<span class="message-status">cancelled</span>' in page.text
    overdue = await browser.get(f"/dashboard/{slug['organization']['slug']}/overdue")
    assert overdue.status_code == 200


async def test_the_overdue_page_answers_the_waiting_in_one_click(
    db: AsyncSession, world: World, services: Services, frozen_clock: FrozenClock
) -> None:
    place = await arrange(db, world, services.secret, count=2)
    slug = world.org.slug
    await db.execute(
        update(Applicant)
        .where(Applicant.id.in_(place.applicant_ids))
        .values(updated_at=frozen_clock.current - timedelta(days=20))
    )
    await db.commit()
    browser = world.browser("member")
    page = await browser.get(f"/dashboard/{slug}/overdue")
    assert "2 candidates waiting" in page.text
    answered = await browser.post(
        f"/dashboard/{slug}/overdue/answer",
        data={
            "applicantIds": place.applicant_ids,
            "reasonId": place.reasons["Position filled"],
            "templateId": place.templates["rejection"],
        },
    )
    assert answered.status_code == 303
    assert await _count(db, Applicant, Applicant.status == ApplicantStatus.REJECTED) == 2
    assert await _count(db, Message) == 2
    page = await browser.get(f"/dashboard/{slug}/overdue")
    assert "0 candidates waiting" in page.text


async def test_the_link_expires_180_days_after_the_decision_and_a_new_message_renews_it(
    db: AsyncSession,
    world: World,
    services: Services,
    database: Database,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    """Open applications keep their link; a decided one works for 180 days after the decision
    (or the last mail with the link), then shows a friendly 410 page and refuses its actions;
    a message the team sends then carries a link that works again."""
    place = await arrange(db, world, services.secret, count=2)
    decided, waiting = place.tokens
    rejected = await world.api("member").post(
        f"/api/v1/applicants/{place.applicant_ids[0]}/reject",
        json={"reasonId": place.reasons["Skills do not match"]},
    )
    assert rejected.status_code == 200, rejected.text

    frozen_clock.advance(timedelta(days=179))
    still = await world.anonymous.get(f"/status/{decided}")
    assert still.status_code == 200
    assert "This page stays open until" in still.text
    open_page = await world.anonymous.get(f"/status/{waiting}")
    assert "This page stays open until" not in open_page.text
    frozen_clock.advance(timedelta(days=1, seconds=1))
    page = await world.anonymous.get(f"/status/{decided}")
    assert page.status_code == 410
    assert "This status page has closed" in page.text
    assert f"please write to {place.org_name}" in page.text
    assert "Analytical Engineer" in page.text
    assert "Traceback" not in page.text
    browser = world.browser("anonymous")
    for action in ("withdraw", "delete"):
        refused = await browser.post(
            f"/status/{decided}/{action}", headers={"Origin": "http://testserver"}
        )
        assert refused.status_code == 410, action
    assert smtp_sink.messages == []

    # The open application's link never expires.
    assert (await world.anonymous.get(f"/status/{waiting}")).status_code == 200

    # The team writes to the rejected candidate: the mail's link works again, for 180 days.
    # (The member's session would have expired meanwhile: it is kept alive here.)
    await db.execute(update(Session).values(expires_at=frozen_clock.current + timedelta(days=1)))
    await db.commit()
    sent = await world.api("member").post(
        f"/api/v1/applicants/{place.applicant_ids[0]}/messages",
        json={"subject": "A new opening", "body": "See {{statusUrl}}"},
    )
    assert sent.status_code == 201, sent.text
    assert await drain(database, smtp_sink) == 1
    [received] = smtp_sink.to(place.emails[0])
    assert f"/status/{decided}" in received.text
    assert (await world.anonymous.get(f"/status/{decided}")).status_code == 200
    frozen_clock.advance(timedelta(days=180, seconds=1))
    assert (await world.anonymous.get(f"/status/{decided}")).status_code == 410
