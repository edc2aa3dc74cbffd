"""The invitation page /invite/{id}: what it shows to whom, and answering it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import ClientMaker
from tests.fixtures.world import World
from tests.organizations.helpers import one, signed_in
from tests.organizations.test_pages import assert_csp_clean
from wegotwork.clock import FrozenClock
from wegotwork.models import Invitation, InvitationStatus, Member, Role, Session


async def invite(db: AsyncSession, world: World, email: str, role: Role = Role.ADMIN) -> Invitation:
    invitation = await factories.make_invitation(
        db, world.org, world.users["owner"], email=email, role=role
    )
    await db.commit()
    return invitation


async def test_signed_out_the_page_offers_sign_up_and_sign_in_as_the_invited_address(
    db: AsyncSession, world: World
) -> None:
    invitation = await invite(db, world, "newbie@example.com")
    page = await world.anonymous.get(f"/invite/{invitation.id}")
    assert page.status_code == 200
    assert_csp_clean(page.text)
    assert "Join Alpha Works" in page.text
    assert "Owner Person" in page.text
    assert "Admin" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    links = {}
    for target in ("/sign-in?", "/sign-up?"):
        start = page.text.index(f'href="{target}')
        href = page.text[start + 6 : page.text.index('"', start + 6)].replace("&amp;", "&")
        links[target] = parse_qs(urlsplit(href).query)
    for query in links.values():
        assert query == {"next": [f"/invite/{invitation.id}"], "email": ["newbie@example.com"]}
    assert "/accept" not in page.text

    # Both forms arrive with the invited address filled in.
    for target in ("/sign-in", "/sign-up"):
        form = await world.anonymous.get(target, params=links[f"{target}?"])
        assert 'name="email" type="email" value="newbie@example.com"' in form.text, target


async def test_the_recipient_accepts_and_lands_in_the_workspace(
    db: AsyncSession, world: World, clients: ClientMaker
) -> None:
    invitation = await invite(db, world, "joiner@example.com")
    user, browser, session = await signed_in(db, clients, email="joiner@example.com")
    page = await browser.get(f"/invite/{invitation.id}")
    assert f'action="/invite/{invitation.id}/accept"' in page.text
    assert f'action="/invite/{invitation.id}/decline"' in page.text

    response = await browser.post(f"/invite/{invitation.id}/accept")
    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/{world.org.slug}"
    member = await one(
        db, select(Member).where(Member.organization_id == world.org.id, Member.user_id == user.id)
    )
    assert member.role is Role.ADMIN
    assert (
        await one(db, select(Session).where(Session.id == session.id))
    ).active_organization_id == world.org.id
    team = await browser.get(f"/dashboard/{world.org.slug}/team")
    assert "Welcome to Alpha Works!" in team.text

    again = await browser.get(f"/invite/{invitation.id}")
    assert "You are a member of Alpha Works" in again.text


async def test_someone_signed_in_with_another_address_is_told_so(
    db: AsyncSession, world: World, clients: ClientMaker
) -> None:
    invitation = await invite(db, world, "right@example.com")
    _, browser, _ = await signed_in(db, clients, email="other@example.com")
    page = await browser.get(f"/invite/{invitation.id}")
    assert "you are signed in as <strong>other@example.com</strong>" in page.text
    assert "/accept" not in page.text
    refused = await browser.post(f"/invite/{invitation.id}/accept")
    assert refused.status_code == 403
    assert "another email address" in refused.text
    row = await one(db, select(Invitation).where(Invitation.id == invitation.id))
    assert row.status is InvitationStatus.PENDING


async def test_declining(db: AsyncSession, world: World, clients: ClientMaker) -> None:
    invitation = await invite(db, world, "maybe@example.com")
    _, browser, _ = await signed_in(db, clients, email="maybe@example.com")
    response = await browser.post(f"/invite/{invitation.id}/decline")
    assert response.status_code == 303
    assert response.headers["location"] == f"/invite/{invitation.id}"
    page = await browser.get(f"/invite/{invitation.id}")
    assert "You declined the invitation" in page.text
    assert "This invitation has already been declined." in page.text
    assert "/accept" not in page.text


async def test_expired_canceled_and_used_invitations_say_so(
    db: AsyncSession, world: World, clients: ClientMaker, frozen_clock: FrozenClock
) -> None:
    expired = await invite(db, world, "late@example.com")
    canceled = await factories.make_invitation(
        db, world.org, world.users["owner"], email="x@example.com", status=InvitationStatus.CANCELED
    )
    used = await factories.make_invitation(
        db, world.org, world.users["owner"], email="y@example.com", status=InvitationStatus.ACCEPTED
    )
    await db.commit()
    frozen_clock.advance(timedelta(hours=49))
    _, browser, _ = await signed_in(db, clients, email="late@example.com")
    page = await browser.get(f"/invite/{expired.id}")
    assert "This invitation has expired. Ask for a new one." in page.text
    assert "/accept" not in page.text
    refused = await browser.post(f"/invite/{expired.id}/accept")
    assert refused.status_code == 409
    assert "expired" in refused.text
    assert "was canceled" in (await world.anonymous.get(f"/invite/{canceled.id}")).text
    assert "already been accepted" in (await world.anonymous.get(f"/invite/{used.id}")).text
    assert (await world.anonymous.get("/invite/does-not-exist")).status_code == 404


async def test_answer_links_lead_back_to_the_page(db: AsyncSession, world: World) -> None:
    invitation = await invite(db, world, "link@example.com")
    response = await world.anonymous.get(f"/invite/{invitation.id}/accept")
    assert response.status_code == 303
    assert response.headers["location"] == f"/invite/{invitation.id}"
    signed_out = await world.anonymous.post(
        f"/invite/{invitation.id}/accept",
        headers={"referer": f"http://testserver/invite/{invitation.id}"},
    )
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"/sign-in?next=%2Finvite%2F{invitation.id}"
