"""Invitations through the JSON API: invite by mail, resend, cancel, list, look at, accept and
decline — with the mail read from a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import ClientMaker
from tests.fixtures.mail import SmtpSink
from tests.fixtures.world import World
from tests.organizations.helpers import fresh, one, outbox_to, signed_in
from wegotwork.clock import FrozenClock
from wegotwork.deps import Services
from wegotwork.models import Invitation, InvitationStatus, Member, Role, Session


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


def invitations_url(world: World) -> str:
    return f"/api/v1/organizations/{world.org.id}/invitations"


async def test_an_admin_invites_by_email_and_the_mail_carries_the_link(
    db: AsyncSession,
    world: World,
    services: Services,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    response = await world.api("admin").post(
        invitations_url(world), json={"email": "  New.Hire@Example.COM ", "role": "admin"}
    )
    assert response.status_code == 201, response.text
    invitation = response.json()["invitation"]
    assert invitation["email"] == "new.hire@example.com"
    assert invitation["role"] == "admin"
    assert invitation["status"] == "pending"
    assert invitation["expired"] is False
    assert invitation["inviterId"] == world.users["admin"].id
    assert invitation["url"] == f"http://testserver/invite/{invitation['id']}"

    row = await one(db, select(Invitation).where(Invitation.id == invitation["id"]))
    assert row.expires_at == frozen_clock.current + timedelta(hours=48)

    assert await services.sender.send_due() == 1
    [mail] = await smtp_sink.wait_for("new.hire@example.com")
    assert mail.subject == "You are invited to join Alpha Works on WeGotWork"
    assert "Admin Person" in mail.text
    assert f"http://testserver/invite/{invitation['id']}" in mail.text
    assert "as an admin" in mail.text
    assert f'href="http://testserver/invite/{invitation["id"]}"' in mail.html


async def test_only_owners_invite_owners_and_members_invite_no_one(
    db: AsyncSession, world: World
) -> None:
    url = invitations_url(world)
    admin_owner = await world.api("admin").post(
        url, json={"email": "a@example.com", "role": "owner"}
    )
    assert admin_owner.status_code == 403
    member = await world.api("member").post(url, json={"email": "b@example.com", "role": "member"})
    assert member.status_code == 403
    owner = await world.api("owner").post(url, json={"email": "c@example.com", "role": "owner"})
    assert owner.status_code == 201
    rows = await fresh(
        db, select(Invitation.email).where(Invitation.organization_id == world.org.id)
    )
    assert rows == ["c@example.com"]
    assert await outbox_to(db, "a@example.com") == []
    assert await outbox_to(db, "b@example.com") == []


async def test_members_and_pending_invitees_cannot_be_invited_twice(
    db: AsyncSession, world: World
) -> None:
    url = invitations_url(world)
    member_email = world.users["member"].email.upper()
    existing = await world.api("owner").post(url, json={"email": member_email})
    assert existing.status_code == 409
    assert "already a member" in existing.json()["message"]
    assert existing.json()["fieldErrors"]["email"]

    assert (await world.api("owner").post(url, json={"email": "x@example.com"})).status_code == 201
    again = await world.api("admin").post(url, json={"email": "X@example.com", "role": "admin"})
    assert again.status_code == 409
    assert "pending invitation" in again.json()["message"]
    assert len(await outbox_to(db, "x@example.com")) == 1


async def test_an_expired_invitation_may_be_replaced_by_a_new_one(
    db: AsyncSession, world: World, frozen_clock: FrozenClock
) -> None:
    url = invitations_url(world)
    first = (await world.api("owner").post(url, json={"email": "late@example.com"})).json()
    frozen_clock.advance(timedelta(hours=49))
    second = await world.api("owner").post(url, json={"email": "late@example.com"})
    assert second.status_code == 201
    old = await one(db, select(Invitation).where(Invitation.id == first["invitation"]["id"]))
    assert old.status is InvitationStatus.CANCELED


async def test_bad_invitation_input_is_a_validation_error(db: AsyncSession, world: World) -> None:
    for payload, field in [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({}, "email"),
        ({"email": "ok@example.com", "role": "superuser"}, "role"),
    ]:
        response = await world.api("owner").post(invitations_url(world), json=payload)
        assert response.status_code == 422, payload
        assert field in response.json()["fieldErrors"]


async def test_pending_invitations_are_listed_newest_first(
    db: AsyncSession, world: World, frozen_clock: FrozenClock
) -> None:
    url = invitations_url(world)
    first = (await world.api("owner").post(url, json={"email": "one@example.com"})).json()
    frozen_clock.advance(timedelta(minutes=1))
    second = (await world.api("owner").post(url, json={"email": "two@example.com"})).json()
    canceled = (await world.api("owner").post(url, json={"email": "three@example.com"})).json()
    await world.api("owner").delete(f"{url}/{canceled['invitation']['id']}")
    await factories.make_invitation(db, world.other_org, world.users["outsider"])
    await db.commit()

    listed = (await world.api("admin").get(url)).json()["invitations"]
    assert [item["id"] for item in listed] == [
        second["invitation"]["id"],
        first["invitation"]["id"],
    ]
    assert (await world.api("member").get(url)).status_code == 403


async def test_resending_renews_the_expiry_and_mails_again(
    db: AsyncSession,
    world: World,
    services: Services,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    url = invitations_url(world)
    created = (await world.api("owner").post(url, json={"email": "again@example.com"})).json()
    invitation_id = created["invitation"]["id"]
    frozen_clock.advance(timedelta(hours=60))
    listed = (await world.api("owner").get(url)).json()["invitations"]
    assert listed[0]["expired"] is True

    response = await world.api("admin").post(f"{url}/{invitation_id}/resend")
    assert response.status_code == 200
    assert response.json()["invitation"]["expired"] is False
    assert response.json()["invitation"]["inviterId"] == world.users["admin"].id
    row = await one(db, select(Invitation).where(Invitation.id == invitation_id))
    assert row.expires_at == frozen_clock.current + timedelta(hours=48)

    assert await services.sender.send_due() == 2
    mails = await smtp_sink.wait_for("again@example.com", count=2)
    assert mails[1].subject == "You are invited to join Alpha Works on WeGotWork"
    assert "Admin Person" in mails[1].text


async def test_canceled_invitations_cannot_be_resent_accepted_or_canceled_again(
    db: AsyncSession, world: World, clients: ClientMaker
) -> None:
    url = invitations_url(world)
    _, invitee, _ = await signed_in(db, clients, email="gone@example.com")
    created = (await world.api("owner").post(url, json={"email": "gone@example.com"})).json()
    invitation_id = created["invitation"]["id"]

    canceled = await world.api("admin").delete(f"{url}/{invitation_id}")
    assert canceled.status_code == 200
    assert canceled.json()["invitation"]["status"] == "canceled"
    assert (await world.api("admin").delete(f"{url}/{invitation_id}")).status_code == 409
    assert (await world.api("admin").post(f"{url}/{invitation_id}/resend")).status_code == 409

    accept = await invitee.post(f"/api/v1/invitations/{invitation_id}/accept")
    assert accept.status_code == 409
    assert accept.json()["message"] == "This invitation was canceled by the organization."
    public = (await world.anonymous.get(f"/api/v1/invitations/{invitation_id}")).json()
    assert public["invitation"]["status"] == "canceled"


async def test_admins_cannot_touch_invitations_offering_the_owner_role(
    db: AsyncSession, world: World
) -> None:
    url = invitations_url(world)
    created = (
        await world.api("owner").post(url, json={"email": "boss@example.com", "role": "owner"})
    ).json()
    invitation_id = created["invitation"]["id"]
    assert (await world.api("admin").delete(f"{url}/{invitation_id}")).status_code == 403
    assert (await world.api("admin").post(f"{url}/{invitation_id}/resend")).status_code == 403
    assert (await world.api("member").delete(f"{url}/{invitation_id}")).status_code == 403
    row = await one(db, select(Invitation).where(Invitation.id == invitation_id))
    assert row.status is InvitationStatus.PENDING


async def test_anyone_with_the_link_sees_the_invitation_but_nothing_private(
    db: AsyncSession, world: World, frozen_clock: FrozenClock
) -> None:
    created = (
        await world.api("owner").post(
            invitations_url(world), json={"email": "see@example.com", "role": "admin"}
        )
    ).json()
    invitation_id = created["invitation"]["id"]
    response = await world.anonymous.get(f"/api/v1/invitations/{invitation_id}")
    assert response.status_code == 200
    assert response.json() == {
        "error": False,
        "invitation": {
            "id": invitation_id,
            "email": "see@example.com",
            "role": "admin",
            "status": "pending",
            "expiresAt": created["invitation"]["expiresAt"],
            "organizationName": "Alpha Works",
            "organizationSlug": world.org.slug,
            "organizationLogo": None,
            "inviterName": "Owner Person",
        },
    }
    frozen_clock.advance(timedelta(hours=48, seconds=1))
    expired = (await world.anonymous.get(f"/api/v1/invitations/{invitation_id}")).json()
    assert expired["invitation"]["status"] == "expired"
    assert (await world.anonymous.get("/api/v1/invitations/nope")).status_code == 404


async def test_the_recipient_accepts_and_joins_with_the_invited_role(
    db: AsyncSession, world: World, clients: ClientMaker
) -> None:
    created = (
        await world.api("owner").post(
            invitations_url(world), json={"email": "Joiner@Example.com", "role": "admin"}
        )
    ).json()
    invitation_id = created["invitation"]["id"]
    user, browser, session = await signed_in(
        db, clients, email="joiner@example.com", name="Jo Iner"
    )

    response = await browser.post(f"/api/v1/invitations/{invitation_id}/accept")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["invitation"]["status"] == "accepted"
    assert body["member"]["role"] == "admin"
    assert body["member"]["user"]["name"] == "Jo Iner"
    assert body["organization"]["slug"] == world.org.slug

    member = await one(
        db,
        select(Member).where(Member.organization_id == world.org.id, Member.user_id == user.id),
    )
    assert member.role is Role.ADMIN
    row = await one(db, select(Invitation).where(Invitation.id == invitation_id))
    assert row.status is InvitationStatus.ACCEPTED
    stored = await one(db, select(Session).where(Session.id == session.id))
    assert stored.active_organization_id == world.org.id

    again = await browser.post(f"/api/v1/invitations/{invitation_id}/accept")
    assert again.status_code == 409
    assert again.json()["message"] == "This invitation has already been accepted."
    members = (await browser.get(f"/api/v1/organizations/{world.org.id}/members")).json()
    assert "joiner@example.com" in [item["user"]["email"] for item in members["members"]]


async def test_only_the_signed_in_recipient_may_answer(
    db: AsyncSession, world: World, clients: ClientMaker
) -> None:
    created = (
        await world.api("owner").post(invitations_url(world), json={"email": "right@example.com"})
    ).json()
    invitation_id = created["invitation"]["id"]
    _, wrong, _ = await signed_in(db, clients, email="wrong@example.com")

    assert (
        await world.anonymous.post(f"/api/v1/invitations/{invitation_id}/accept")
    ).status_code == 401
    for action in ("accept", "reject"):
        response = await wrong.post(f"/api/v1/invitations/{invitation_id}/{action}")
        assert response.status_code == 403
        assert "another email address" in response.json()["message"]
    # A member of the organization (even its owner) cannot answer for someone else either.
    assert (
        await world.api("owner").post(f"/api/v1/invitations/{invitation_id}/accept")
    ).status_code == 403
    row = await one(db, select(Invitation).where(Invitation.id == invitation_id))
    assert row.status is InvitationStatus.PENDING
    assert len(await fresh(db, select(Member).where(Member.organization_id == world.org.id))) == 3
    assert (await wrong.post("/api/v1/invitations/nope/accept")).status_code == 404


async def test_an_expired_invitation_cannot_be_accepted_but_may_be_declined(
    db: AsyncSession, world: World, clients: ClientMaker, frozen_clock: FrozenClock
) -> None:
    created = (
        await world.api("owner").post(invitations_url(world), json={"email": "slow@example.com"})
    ).json()
    invitation_id = created["invitation"]["id"]
    _, browser, _ = await signed_in(db, clients, email="slow@example.com")
    frozen_clock.advance(timedelta(hours=48, minutes=1))

    response = await browser.post(f"/api/v1/invitations/{invitation_id}/accept")
    assert response.status_code == 409
    assert response.json()["message"] == "This invitation has expired. Ask for a new one."
    declined = await browser.post(f"/api/v1/invitations/{invitation_id}/reject")
    assert declined.status_code == 200
    assert declined.json()["invitation"]["status"] == "rejected"


async def test_a_declined_invitation_is_used_up(
    db: AsyncSession, world: World, clients: ClientMaker
) -> None:
    created = (
        await world.api("owner").post(invitations_url(world), json={"email": "no@example.com"})
    ).json()
    invitation_id = created["invitation"]["id"]
    user, browser, _ = await signed_in(db, clients, email="no@example.com")
    assert (await browser.post(f"/api/v1/invitations/{invitation_id}/reject")).status_code == 200
    accept = await browser.post(f"/api/v1/invitations/{invitation_id}/accept")
    assert accept.status_code == 409
    assert accept.json()["message"] == "This invitation has already been declined."
    assert await fresh(db, select(Member).where(Member.user_id == user.id)) == []


async def test_the_mailed_link_leads_to_the_invitation_page(
    db: AsyncSession, world: World, services: Services, smtp_sink: SmtpSink
) -> None:
    await world.api("owner").post(invitations_url(world), json={"email": "link@example.com"})
    await services.sender.send_due()
    [mail] = await smtp_sink.wait_for("link@example.com")
    match = re.search(r"http://testserver(/invite/[A-Za-z0-9]+)", mail.text)
    assert match
    page = await world.anonymous.get(match.group(1))
    assert page.status_code == 200
    assert "Join Alpha Works" in page.text


async def test_accepting_while_already_a_member_changes_nothing(
    db: AsyncSession, world: World
) -> None:
    member = world.users["member"]
    invitation = await factories.make_invitation(
        db, world.org, world.users["owner"], email=member.email, role=Role.OWNER
    )
    await db.commit()
    response = await world.api("member").post(f"/api/v1/invitations/{invitation.id}/accept")
    assert response.status_code == 409
    assert response.json()["message"] == "You are already a member of Alpha Works"
    row = await one(db, select(Invitation).where(Invitation.id == invitation.id))
    assert row.status is InvitationStatus.PENDING
    roles = await fresh(
        db,
        select(Member.role).where(
            Member.organization_id == world.org.id, Member.user_id == member.id
        ),
    )
    assert roles == [Role.MEMBER]
