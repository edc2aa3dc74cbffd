"""Better Auth's invitation endpoints on the wire: invite-member, cancel, accept, reject,
get-invitation, list-invitations, list-user-invitations — with the mail read from a real SMTP
server."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import ClientMaker
from tests.fixtures.mail import SmtpSink
from tests.fixtures.world import World
from tests.organizations.auth_helpers import (
    INVITATION_KEYS,
    ISO_MS,
    MEMBER_KEYS,
    ORG,
    activate,
    refused,
    set_cookie_names,
)
from tests.organizations.helpers import fresh, one, outbox_to, signed_in, snapshot
from wegotwork.clock import FrozenClock
from wegotwork.deps import Services
from wegotwork.models import Invitation, InvitationStatus, Member, Role, Session


@pytest.fixture
def settings_overrides(smtp_sink: SmtpSink) -> dict[str, object]:
    return {"smtp_url": smtp_sink.url}


async def invite(
    world: World, caller: str, email: str, role: object = "member", **extra: object
) -> httpx.Response:
    return await world.browser(caller).post(
        f"{ORG}/invite-member",
        json={"organizationId": world.org.id, "email": email, "role": role, **extra},
    )


async def invitation_row(db: AsyncSession, invitation_id: str) -> Invitation:
    row: Invitation = await one(db, select(Invitation).where(Invitation.id == invitation_id))
    return row


# Inviting ---------------------------------------------------------------------------------


async def test_an_admin_invites_and_the_mail_carries_the_link(
    db: AsyncSession,
    world: World,
    services: Services,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    response = await invite(world, "admin", "New.Hire@Example.com", ["admin"])
    assert response.status_code == 200, response.text
    invitation = response.json()
    assert set(invitation) == INVITATION_KEYS
    assert invitation["email"] == "new.hire@example.com"
    assert (invitation["role"], invitation["status"]) == ("admin", "pending")
    assert invitation["inviterId"] == world.users["admin"].id
    assert invitation["organizationId"] == world.org.id
    assert re.match(ISO_MS, invitation["expiresAt"])
    row = await invitation_row(db, invitation["id"])
    assert row.expires_at == frozen_clock.current + timedelta(hours=48)

    assert await services.sender.send_due() == 1
    [mail] = await smtp_sink.wait_for("new.hire@example.com")
    assert f"http://testserver/invite/{invitation['id']}" in mail.text


async def test_resend_renews_a_pending_invitation_and_mails_it_again(
    db: AsyncSession, world: World, frozen_clock: FrozenClock
) -> None:
    first = (await invite(world, "owner", "again@example.com")).json()
    refused(
        await invite(world, "admin", "again@example.com"),
        400,
        "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION",
        "User is already invited to this organization",
    )
    frozen_clock.advance(timedelta(hours=10))
    resent = await invite(world, "admin", "again@example.com", resend=True)
    assert resent.status_code == 200
    assert resent.json()["id"] == first["id"]
    row = await invitation_row(db, first["id"])
    assert row.expires_at == frozen_clock.current + timedelta(hours=48)
    assert len(await outbox_to(db, "again@example.com")) == 2


async def test_invite_member_errors_in_better_auths_order(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    before = await snapshot(db, world.org.id)
    refused(await invite(world, "admin", "not-an-email"), 400, "INVALID_EMAIL", "Invalid email")
    refused(await invite(world, "outsider", "x@example.com"), 400, "MEMBER_NOT_FOUND")
    not_allowed = "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION"
    refused(await invite(world, "member", "x@example.com"), 403, not_allowed)
    # Someone who may not invite hears that first, whatever role they asked for.
    refused(await invite(world, "member", "x@example.com", "superuser"), 403, not_allowed)
    refused(await invite(world, "admin", "x@example.com", ""), 400, "ROLE_NOT_FOUND")
    refused(
        await invite(world, "admin", "x@example.com", "superuser"),
        400,
        None,
        "ROLE_NOT_FOUND: superuser",
    )
    refused(
        await invite(world, "admin", "x@example.com", ["admin", "member"]), 400, "ROLE_NOT_FOUND"
    )
    refused(
        await invite(world, "admin", "x@example.com", "owner"),
        403,
        "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE",
    )
    refused(
        await invite(world, "admin", world.users["member"].email.upper()),
        400,
        "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION",
    )
    refused(
        await world.browser("owner").post(
            f"{ORG}/invite-member", json={"email": "x@example.com", "role": "member"}
        ),
        400,
        "ORGANIZATION_NOT_FOUND",
    )
    # Signed out, the session is checked before the body; signed in, the body is checked.
    refused(
        await client.post(f"{ORG}/invite-member", json={"email": "x@example.com", "role": 3}),
        401,
        "UNAUTHORIZED",
    )
    refused(
        await world.browser("owner").post(
            f"{ORG}/invite-member", json={"email": "x@example.com", "role": 3}
        ),
        400,
        "VALIDATION_ERROR",
        "[body.role] Invalid input",
    )
    refused(
        await client.post(
            f"{ORG}/invite-member", json={"email": "x@example.com", "role": "member"}
        ),
        401,
        "UNAUTHORIZED",
    )
    assert await snapshot(db, world.org.id) == before
    assert await outbox_to(db, "x@example.com") == []


async def test_the_active_organization_is_the_default(db: AsyncSession, world: World) -> None:
    owner = world.browser("owner")
    await activate(owner, world.org.id)
    response = await owner.post(
        f"{ORG}/invite-member", json={"email": "boss@example.com", "role": "owner"}
    )
    assert response.status_code == 200
    assert response.json()["organizationId"] == world.org.id


# Canceling --------------------------------------------------------------------------------


async def test_cancel_invitation(db: AsyncSession, world: World) -> None:
    created = (await invite(world, "owner", "gone@example.com")).json()
    refused(
        await world.browser("member").post(
            f"{ORG}/cancel-invitation", json={"invitationId": created["id"]}
        ),
        403,
        "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION",
    )
    refused(
        await world.browser("outsider").post(
            f"{ORG}/cancel-invitation", json={"invitationId": created["id"]}
        ),
        400,
        "MEMBER_NOT_FOUND",
    )
    refused(
        await world.browser("admin").post(f"{ORG}/cancel-invitation", json={"invitationId": "x"}),
        400,
        "INVITATION_NOT_FOUND",
    )
    response = await world.browser("admin").post(
        f"{ORG}/cancel-invitation", json={"invitationId": created["id"]}
    )
    assert response.status_code == 200
    assert set(response.json()) == INVITATION_KEYS
    assert response.json()["status"] == "canceled"
    assert (await invitation_row(db, created["id"])).status is InvitationStatus.CANCELED
    # Stricter than Better Auth: only a pending invitation can be canceled.
    refused(
        await world.browser("admin").post(
            f"{ORG}/cancel-invitation", json={"invitationId": created["id"]}
        ),
        400,
        "INVITATION_CANCELED",
    )


# Answering --------------------------------------------------------------------------------


async def test_the_recipient_accepts_and_joins_with_the_invited_role(
    db: AsyncSession, world: World, clients: ClientMaker
) -> None:
    created = (await invite(world, "owner", "Grace@Example.com", "admin")).json()
    user, grace, session = await signed_in(db, clients, email="grace@example.com")

    seen = await grace.get(f"{ORG}/get-invitation", params={"id": created["id"]})
    assert seen.status_code == 200
    assert set(seen.json()) == INVITATION_KEYS | {
        "organizationName",
        "organizationSlug",
        "inviterEmail",
    }
    assert seen.json()["organizationName"] == "Alpha Works"
    assert seen.json()["inviterEmail"] == world.users["owner"].email
    listed = (await grace.get(f"{ORG}/list-user-invitations")).json()
    assert [(item["id"], item["organizationName"]) for item in listed] == [
        (created["id"], "Alpha Works")
    ]

    response = await grace.post(f"{ORG}/accept-invitation", json={"invitationId": created["id"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"invitation", "member"}
    assert body["invitation"]["status"] == "accepted"
    assert set(body["member"]) == MEMBER_KEYS
    assert (body["member"]["userId"], body["member"]["role"]) == (user.id, "admin")
    member = await one(
        db,
        select(Member).where(Member.organization_id == world.org.id, Member.user_id == user.id),
    )
    assert member.role is Role.ADMIN
    row = await one(db, select(Session).where(Session.id == session.id))
    assert row.active_organization_id == world.org.id
    assert "better-auth.session_data" in set_cookie_names(response)
    active = (await grace.get(f"{ORG}/get-active-member")).json()
    assert (active["organizationId"], active["role"]) == (world.org.id, "admin")
    assert (await grace.get(f"{ORG}/list-user-invitations")).json() == []

    refused(
        await grace.post(f"{ORG}/accept-invitation", json={"invitationId": created["id"]}),
        400,
        "INVITATION_NOT_FOUND",
        "Invitation not found",
    )


async def test_accepting_is_for_the_recipient_and_a_live_invitation(
    db: AsyncSession, world: World, clients: ClientMaker, frozen_clock: FrozenClock
) -> None:
    created = (await invite(world, "owner", "ada@example.com")).json()
    _, stranger, _ = await signed_in(db, clients, email="eve@example.com")
    refused(
        await stranger.post(f"{ORG}/accept-invitation", json={"invitationId": created["id"]}),
        403,
        "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION",
        "You are not the recipient of the invitation",
    )
    refused(
        await stranger.get(f"{ORG}/get-invitation", params={"id": created["id"]}),
        403,
        "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION",
    )
    _, ada, _ = await signed_in(db, clients, email="ada@example.com")
    frozen_clock.advance(timedelta(hours=49))
    for path in ("accept-invitation", "reject-invitation"):
        unknown = await ada.post(f"{ORG}/{path}", json={"invitationId": "nope"})
        refused(unknown, 400, "INVITATION_NOT_FOUND")
    refused(
        await ada.post(f"{ORG}/accept-invitation", json={"invitationId": created["id"]}),
        400,
        "INVITATION_NOT_FOUND",
    )
    refused(
        await ada.get(f"{ORG}/get-invitation", params={"id": created["id"]}),
        400,
        "INVITATION_NOT_FOUND",
    )
    assert (await invitation_row(db, created["id"])).status is InvitationStatus.PENDING
    members = await fresh(db, select(Member.id).where(Member.organization_id == world.org.id))
    assert len(members) == 3


async def test_the_recipient_rejects_even_an_expired_invitation(
    db: AsyncSession, world: World, clients: ClientMaker, frozen_clock: FrozenClock
) -> None:
    created = (await invite(world, "owner", "ada@example.com")).json()
    _, ada, _ = await signed_in(db, clients, email="ada@example.com")
    frozen_clock.advance(timedelta(hours=49))
    response = await ada.post(f"{ORG}/reject-invitation", json={"invitationId": created["id"]})
    assert response.status_code == 200
    assert response.json()["member"] is None
    assert response.json()["invitation"]["status"] == "rejected"
    assert (await invitation_row(db, created["id"])).status is InvitationStatus.REJECTED
    refused(
        await ada.post(f"{ORG}/reject-invitation", json={"invitationId": created["id"]}),
        400,
        "INVITATION_NOT_FOUND",
        "Invitation not found!",
    )


async def test_invitation_endpoints_check_the_session_before_the_input(
    client: httpx.AsyncClient, world: World
) -> None:
    for params in ({}, {"id": "x"}):
        refused(
            await client.get(f"{ORG}/get-invitation", params=params),
            401,
            None,
            "Not authenticated",
        )
    refused(
        await world.browser("member").get(f"{ORG}/get-invitation"),
        400,
        "VALIDATION_ERROR",
        "[query.id] Invalid input: expected string, received undefined",
    )
    for path in ("accept-invitation", "reject-invitation", "cancel-invitation"):
        for payload in ({}, {"invitationId": "x"}):
            refused(await client.post(f"{ORG}/{path}", json=payload), 401, "UNAUTHORIZED")
        refused(
            await world.browser("member").post(f"{ORG}/{path}", json={}), 400, "VALIDATION_ERROR"
        )


# Lists ------------------------------------------------------------------------------------


async def test_list_invitations_for_those_who_invite(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    accepted = await factories.make_invitation(
        db, world.org, world.users["owner"], status=InvitationStatus.ACCEPTED
    )
    boss = await factories.make_invitation(db, world.org, world.users["owner"], role=Role.OWNER)
    await factories.make_invitation(db, world.other_org, world.users["outsider"])
    await db.commit()

    admin = (
        await world.browser("admin").get(
            f"{ORG}/list-invitations", params={"organizationId": world.org.id}
        )
    ).json()
    # Every status; the invitation offering the owner role only for owners.
    assert [item["id"] for item in admin] == [accepted.id]
    assert set(admin[0]) == INVITATION_KEYS
    owner = world.browser("owner")
    await activate(owner, world.org.id)
    assert {item["id"] for item in (await owner.get(f"{ORG}/list-invitations")).json()} == {
        accepted.id,
        boss.id,
    }

    refused(
        await world.browser("member").get(
            f"{ORG}/list-invitations", params={"organizationId": world.org.id}
        ),
        403,
        "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS",
    )
    refused(
        await world.browser("outsider").get(
            f"{ORG}/list-invitations", params={"organizationId": world.org.id}
        ),
        403,
        None,
        "You are not a member of this organization",
    )
    refused(
        await world.browser("member").get(f"{ORG}/list-invitations"),
        400,
        None,
        "Organization ID is required",
    )
    refused(await client.get(f"{ORG}/list-invitations"), 401, "UNAUTHORIZED")


async def test_list_user_invitations_needs_a_verified_address(
    db: AsyncSession, world: World, clients: ClientMaker, client: httpx.AsyncClient
) -> None:
    await factories.make_invitation(db, world.org, world.users["owner"], email="new@example.com")
    await factories.make_invitation(
        db,
        world.org,
        world.users["owner"],
        email="new@example.com",
        status=InvitationStatus.CANCELED,
    )
    unverified = await factories.make_user(db, email="new@example.com", verified=False)
    session = await factories.make_session(db, unverified)
    await db.commit()
    browser = clients.browser(session.token)
    refused(
        await browser.get(f"{ORG}/list-user-invitations"),
        403,
        "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION",
        "Email verification required to view or list invitations for the session email",
    )
    refused(
        await browser.get(f"{ORG}/list-user-invitations", params={"email": "new@example.com"}),
        400,
        None,
        "User email cannot be passed for client side API calls.",
    )
    refused(
        await client.get(f"{ORG}/list-user-invitations"),
        400,
        None,
        "Missing session headers, or email query parameter.",
    )
    unverified.email_verified = True
    await db.commit()
    verified = clients.browser(session.token)  # a fresh browser: no stale cookie cache
    listed = (await verified.get(f"{ORG}/list-user-invitations")).json()
    assert [item["status"] for item in listed] == ["pending"]
    assert set(listed[0]) == INVITATION_KEYS | {"organizationName"}
