"""Mail to third parties cannot be abused: only a verified address may send it, invitations
and resends are limited per user and per organization, a resend waits ten minutes, and the
subject line carries no name the sender chose but the organization's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.mail import SmtpSink
from tests.fixtures.world import World
from wegotwork.clock import FrozenClock
from wegotwork.deps import Services
from wegotwork.errors import Forbidden, RateLimited
from wegotwork.models import MailSend, OutboxMessage, Role
from wegotwork.tenancy.allowance import BUDGETS, MailKind, claim_mail
from wegotwork.tenancy.guard import resolve

pytestmark = pytest.mark.usefixtures("dialect")


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


@pytest.fixture
def place(world: World) -> dict[str, str]:
    """Organization A's id, slug and invitations URL, read before a test commits."""
    return {
        "id": world.org.id,
        "slug": world.org.slug,
        "url": f"/api/v1/organizations/{world.org.id}/invitations",
    }


async def _mail_count(db: AsyncSession) -> int:
    db.expire_all()
    return int(await db.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def test_an_unverified_account_sends_no_invitation(
    db: AsyncSession, world: World, place: dict[str, str]
) -> None:
    world.users["admin"].email_verified = False
    await db.commit()
    before = await _mail_count(db)

    api = await world.api("admin").post(
        place["url"], json={"email": "victim@example.com", "role": "member"}
    )
    assert api.status_code == 403
    assert api.json()["message"].startswith("Verify your email address")
    wire = await world.browser("admin").post(
        "/api/auth/organization/invite-member",
        json={"email": "victim@example.com", "role": "member", "organizationId": place["id"]},
    )
    assert wire.status_code == 403
    assert wire.json()["code"] == "EMAIL_NOT_VERIFIED"
    page = await world.browser("admin").post(
        f"/dashboard/{place['slug']}/team/invitations",
        data={"email": "victim@example.com", "role": "member"},
    )
    assert page.status_code == 403
    assert "Verify your email address" in page.text
    assert await _mail_count(db) == before


async def test_invitations_are_limited_per_user_and_per_organization(
    db: AsyncSession, world: World, place: dict[str, str], frozen_clock: FrozenClock
) -> None:
    second_admin = await factories.make_user(db, name="Second Admin")
    await factories.add_member(db, world.org, second_admin, Role.ADMIN)
    second_token = (await factories.make_session(db, second_admin)).token
    await db.commit()
    before = await _mail_count(db)

    admin = world.api("admin")
    for number in range(20):
        sent = await admin.post(
            place["url"], json={"email": f"a{number}@example.com", "role": "member"}
        )
        assert sent.status_code == 201, sent.text
    refused = await admin.post(place["url"], json={"email": "a20@example.com", "role": "member"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert "20 invitations an hour" in refused.json()["message"]

    # Another admin has a budget of their own, up to the organization's.
    other = world.clients.bearer(second_token)
    for number in range(20):
        sent = await other.post(
            place["url"], json={"email": f"b{number}@example.com", "role": "member"}
        )
        assert sent.status_code == 201, sent.text
    owner = await world.api("owner").post(
        place["url"], json={"email": "c@example.com", "role": "member"}
    )
    assert owner.status_code == 429
    assert "40 invitations an hour" in owner.json()["message"]
    assert await _mail_count(db) == before + 40

    # An hour later the budgets are back.
    frozen_clock.advance(timedelta(minutes=61))
    again = await admin.post(place["url"], json={"email": "a20@example.com", "role": "member"})
    assert again.status_code == 201


async def test_a_resend_waits_ten_minutes(
    db: AsyncSession, world: World, place: dict[str, str], frozen_clock: FrozenClock
) -> None:
    admin = world.api("admin")
    created = await admin.post(place["url"], json={"email": "new@example.com", "role": "member"})
    invitation_id = created.json()["invitation"]["id"]
    before = await _mail_count(db)

    too_soon = await admin.post(f"{place['url']}/{invitation_id}/resend")
    assert too_soon.status_code == 429
    assert 0 < int(too_soon.headers["retry-after"]) <= 600
    wire = await world.browser("admin").post(
        "/api/auth/organization/invite-member",
        json={
            "email": "new@example.com",
            "role": "member",
            "organizationId": place["id"],
            "resend": True,
        },
    )
    assert wire.status_code == 429
    assert await _mail_count(db) == before

    frozen_clock.advance(timedelta(minutes=10))
    assert (await admin.post(f"{place['url']}/{invitation_id}/resend")).status_code == 200
    assert await _mail_count(db) == before + 1
    frozen_clock.advance(timedelta(minutes=5))
    assert (await admin.post(f"{place['url']}/{invitation_id}/resend")).status_code == 429


async def test_the_subject_names_the_organization_not_the_inviter(
    db: AsyncSession,
    world: World,
    place: dict[str, str],
    services: Services,
    smtp_sink: SmtpSink,
) -> None:
    world.users["admin"].name = "Your account is locked, call +1 555 0100"
    await db.commit()
    sent = await world.api("admin").post(
        place["url"], json={"email": "new@example.com", "role": "member"}
    )
    assert sent.status_code == 201
    await services.sender.send_due()
    [mail] = await smtp_sink.wait_for("new@example.com")
    assert mail.subject == "You are invited to join Alpha Works on WeGotWork"
    assert "Your account is locked" in mail.text  # the name is in the body only


async def test_every_mail_sending_route_can_claim_from_the_same_budgets(
    db: AsyncSession, world: World
) -> None:
    """What candidate messages, bulk mail and mentions call before they enqueue."""
    member = world.users["member"]
    ctx = await resolve(db, member, organization_id=world.org.id)
    await claim_mail(db, ctx, MailKind.CANDIDATE, count=BUDGETS[MailKind.CANDIDATE].per_user)
    with pytest.raises(RateLimited) as refused:
        await claim_mail(db, ctx, MailKind.CANDIDATE)
    assert "500 messages an hour" in refused.value.message
    # Budgets are per kind: a mention still goes out.
    await claim_mail(db, ctx, MailKind.MENTION, count=3)
    sent = await db.scalar(
        select(func.count()).select_from(MailSend).where(MailSend.user_id == member.id)
    )
    assert sent == 503

    member.email_verified = False
    await db.flush()
    with pytest.raises(Forbidden) as unverified:
        await claim_mail(db, ctx, MailKind.MENTION)
    assert unverified.value.code == "EMAIL_NOT_VERIFIED"
