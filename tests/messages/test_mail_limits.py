"""Mail to candidates draws on the sender's and the organization's hourly budget, and needs a
verified sender: a message, a rejection with its template and bulk mail are refused whole
(nothing moved, nothing queued) once the budget would be exceeded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.world import World
from tests.messages.helpers import arrange
from wegotwork.deps import Services
from wegotwork.models import Applicant, ApplicantStatus, MailSend, OutboxMessage
from wegotwork.tenancy.allowance import BUDGETS, MailKind, claim_mail
from wegotwork.tenancy.guard import resolve

pytestmark = pytest.mark.usefixtures("dialect")


async def _count(db: AsyncSession, model: type, *where: object) -> int:
    db.expire_all()
    query = select(func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)  # type: ignore[arg-type]
    return int(await db.scalar(query) or 0)


async def test_an_unverified_member_sends_no_message_to_a_candidate(
    db: AsyncSession, world: World, services: Services
) -> None:
    place = await arrange(db, world, services.secret, count=2)
    world.users["member"].email_verified = False
    await db.commit()
    before = await _count(db, OutboxMessage)
    member = world.api("member")

    message = await member.post(
        f"/api/v1/applicants/{place.applicant_ids[0]}/messages",
        json={"subject": "Hello", "body": "Hi there"},
    )
    assert message.status_code == 403, message.text
    assert message.json()["message"].startswith("Verify your email address")
    bulk = await member.post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}",
        json={
            "applicantIds": place.applicant_ids,
            "action": "message",
            "subject": "Hello",
            "body": "Hi there",
        },
    )
    assert bulk.status_code == 403, bulk.text
    rejected = await member.post(
        f"/api/v1/applicants/{place.applicant_ids[0]}/reject",
        json={
            "reasonId": place.reasons["Skills do not match"],
            "templateId": place.templates["rejection"],
        },
    )
    assert rejected.status_code == 403, rejected.text
    assert await _count(db, OutboxMessage) == before
    assert await _count(db, Applicant, Applicant.status == ApplicantStatus.REJECTED) == 0

    # A rejection without mail needs no budget and no verified address.
    silent = await member.post(
        f"/api/v1/applicants/{place.applicant_ids[1]}/reject",
        json={"reasonId": place.reasons["Skills do not match"]},
    )
    assert silent.status_code == 200, silent.text


async def test_candidate_mail_past_the_hourly_budget_is_refused_whole(
    db: AsyncSession, world: World, services: Services
) -> None:
    place = await arrange(db, world, services.secret, count=3)
    member = world.users["member"]
    member_id = member.id
    ctx = await resolve(db, member, organization_id=world.org.id)
    budget = BUDGETS[MailKind.CANDIDATE].per_user
    await claim_mail(db, ctx, MailKind.CANDIDATE, count=budget - 2)
    await db.commit()
    before = await _count(db, OutboxMessage)

    bulk = await world.api("member").post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}",
        json={
            "applicantIds": place.applicant_ids,
            "action": "reject",
            "reasonId": place.reasons["Skills do not match"],
            "templateId": place.templates["rejection"],
        },
    )
    assert bulk.status_code == 429, bulk.text
    assert f"{budget} messages an hour" in bulk.json()["message"]
    assert int(bulk.headers["retry-after"]) > 0
    assert await _count(db, OutboxMessage) == before
    assert await _count(db, Applicant, Applicant.status == ApplicantStatus.REJECTED) == 0

    # Two messages still fit, one by one; the third does not.
    for applicant_id in place.applicant_ids[:2]:
        sent = await world.api("member").post(
            f"/api/v1/applicants/{applicant_id}/messages",
            json={"subject": "Hello", "body": "Hi there"},
        )
        assert sent.status_code == 201, sent.text
    third = await world.api("member").post(
        f"/api/v1/applicants/{place.applicant_ids[2]}/messages",
        json={"subject": "Hello", "body": "Hi there"},
    )
    assert third.status_code == 429
    assert await _count(db, OutboxMessage) == before + 2
    assert (
        await _count(db, MailSend, MailSend.user_id == member_id, MailSend.kind == "candidate")
        == budget
    )
