"""The organization pages over HTTP: where /dashboard leads, onboarding, switching, the team
page and the settings page — forms, kept values and errors, redirects and flashes."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import ClientMaker
from tests.fixtures.world import World
from tests.organizations.helpers import GIF, fresh, one, outbox_to, png, signed_in
from wegotwork.clock import FrozenClock
from wegotwork.deps import Services
from wegotwork.models import (
    Invitation,
    InvitationStatus,
    Job,
    JobCategory,
    Member,
    Organization,
    Role,
    Session,
)

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def assert_csp_clean(html: str) -> None:
    """Pages run under `script-src 'self'; style-src 'self'`: nothing inline."""
    assert not INLINE_SCRIPT.search(html)
    assert ' style="' not in html
    assert not INLINE_HANDLER.search(html)


def flash_shown(html: str, text: str) -> bool:
    return 'class="flash' in html and text in html


# /dashboard -----------------------------------------------------------------------------


async def test_signed_out_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for path in ("/dashboard", "/onboarding", "/dashboard/acme/team"):
        response = await client.get(path)
        assert response.status_code == 303
        assert unquote(response.headers["location"]) == f"/sign-in?next={path}"


async def test_the_dashboard_opens_onboarding_for_someone_without_an_organization(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, _ = await signed_in(db, clients)
    response = await browser.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/onboarding"


async def test_the_dashboard_opens_the_active_organization_else_the_first_joined(
    db: AsyncSession, clients: ClientMaker
) -> None:
    user, browser, session = await signed_in(db, clients)
    first = await factories.make_org(db, name="Zulu", slug=factories.unique("zulu"))
    second = await factories.make_org(db, name="Alpha", slug=factories.unique("alpha"))
    await factories.add_member(db, first, user)
    await factories.add_member(db, second, user, Role.ADMIN)
    await db.commit()
    response = await browser.get("/dashboard")
    assert response.headers["location"] == f"/dashboard/{first.slug}"

    switched = await browser.post(f"/dashboard/{second.slug}/activate")
    assert switched.status_code == 303
    assert switched.headers["location"] == f"/dashboard/{second.slug}"
    stored = await one(db, select(Session).where(Session.id == session.id))
    assert stored.active_organization_id == second.id
    response = await browser.get("/dashboard")
    assert response.headers["location"] == f"/dashboard/{second.slug}"


async def test_the_switcher_lists_my_organizations_and_switches_by_post(
    db: AsyncSession, world: World
) -> None:
    extra = await factories.make_org(db, name="Gamma Co", slug=factories.unique("gamma"))
    await factories.add_member(db, extra, world.users["admin"], Role.MEMBER)
    await db.commit()
    page = await world.browser("admin").get(f"/dashboard/{world.org.slug}/team")
    assert page.status_code == 200
    assert f'action="/dashboard/{extra.slug}/activate"' in page.text
    assert f'action="/dashboard/{world.org.slug}/activate"' in page.text
    assert 'href="/onboarding"' in page.text
    assert world.other_org.slug not in page.text


# Onboarding -----------------------------------------------------------------------------


async def test_onboarding_creates_a_workspace_and_lands_in_it(
    db: AsyncSession, clients: ClientMaker
) -> None:
    user, browser, session = await signed_in(db, clients)
    page = await browser.get("/onboarding")
    assert page.status_code == 200
    assert "Create your workspace" in page.text
    assert 'hx-get="/onboarding/slug-check"' in page.text
    assert_csp_clean(page.text)

    response = await browser.post(
        "/onboarding", data={"name": "Nimbus Labs", "slug": "nimbus", "categories": "software"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/nimbus"
    assert "wegotwork.flash" in response.headers["set-cookie"]
    org = await one(db, select(Organization).where(Organization.slug == "nimbus"))
    assert org.name == "Nimbus Labs"
    member = await one(db, select(Member).where(Member.organization_id == org.id))
    assert (member.user_id, member.role) == (user.id, Role.OWNER)
    assert (
        len(await fresh(db, select(JobCategory).where(JobCategory.organization_id == org.id))) == 5
    )
    assert (
        await one(db, select(Session).where(Session.id == session.id))
    ).active_organization_id == org.id
    # The new workspace's team page greets with the flash.
    team = await browser.get("/dashboard/nimbus/team")
    assert flash_shown(team.text, "Welcome to Nimbus Labs!")


async def test_onboarding_suggests_the_address_when_left_empty(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, _ = await signed_in(db, clients)
    response = await browser.post("/onboarding", data={"name": "Orbit & Co", "slug": ""})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/orbit-co"


async def test_onboarding_keeps_what_was_typed_and_shows_errors(
    db: AsyncSession, clients: ClientMaker, world: World
) -> None:
    _, browser, _ = await signed_in(db, clients)
    response = await browser.post("/onboarding", data={"name": "X", "slug": "Bad Slug!"})
    assert response.status_code == 422
    assert 'value="X"' in response.text
    assert 'value="Bad Slug!"' in response.text
    assert 'id="f-name-error"' in response.text
    assert 'id="f-slug-error"' in response.text
    assert 'aria-invalid="true"' in response.text

    taken = await browser.post(
        "/onboarding", data={"name": "Copycat", "slug": world.org.slug.upper()}
    )
    assert taken.status_code == 409
    assert "already taken" in taken.text
    assert 'value="Copycat"' in taken.text
    assert await fresh(db, select(Organization).where(Organization.name == "Copycat")) == []


async def test_the_live_slug_check_suggests_and_checks_addresses(
    db: AsyncSession, clients: ClientMaker, world: World
) -> None:
    _, browser, _ = await signed_in(db, clients)
    suggestion = await browser.get(
        "/onboarding/slug-check", params={"name": "Alpha Works", "slug": "", "slug_touched": "0"}
    )
    assert suggestion.status_code == 200
    assert 'data-suggested-slug="alpha-works"' in suggestion.text
    assert "http://testserver/careers/alpha-works" in suggestion.text

    taken = await browser.get(
        "/onboarding/slug-check", params={"slug": world.org.slug, "slug_touched": "1", "name": "x"}
    )
    assert "already taken" in taken.text
    reserved = await browser.get("/onboarding/slug-check", params={"slug": "admin"})
    assert "reserved" in reserved.text
    free = await browser.get("/onboarding/slug-check", params={"slug": "totally-free"})
    assert "careers/totally-free" in free.text
    own = await world.browser("owner").get(
        "/onboarding/slug-check", params={"slug": world.org.slug, "current": world.org.id}
    )
    assert "already taken" not in own.text


# Team -----------------------------------------------------------------------------------


async def test_the_team_page_shows_members_roles_and_join_dates(
    db: AsyncSession, world: World
) -> None:
    page = await world.browser("member").get(f"/dashboard/{world.org.slug}/team")
    assert page.status_code == 200
    assert_csp_clean(page.text)
    for name in ("Owner Person", "Admin Person", "Member Person"):
        assert name in page.text
    assert "<time datetime=" in page.text
    # A member manages nobody and invites nobody, but may leave.
    assert "/role" not in page.text
    assert "/remove" not in page.text
    assert "Invite a teammate" not in page.text
    assert f'action="/dashboard/{world.org.slug}/team/leave"' in page.text
    assert f'href="/dashboard/{world.org.slug}/settings"' not in page.text


async def test_an_admin_sees_the_controls_the_rules_allow(db: AsyncSession, world: World) -> None:
    members = {
        member.user_id: member.id
        for member in await fresh(db, select(Member).where(Member.organization_id == world.org.id))
    }
    page = (await world.browser("admin").get(f"/dashboard/{world.org.slug}/team")).text
    owner_id, member_id = members[world.users["owner"].id], members[world.users["member"].id]
    assert f"/team/members/{member_id}/role" in page
    assert f"/team/members/{member_id}/remove" in page
    assert f"/team/members/{owner_id}/role" not in page
    assert f"/team/members/{owner_id}/remove" not in page
    assert "Invite a teammate" in page
    assert '<option value="owner"' not in page  # an admin cannot invite or make owners
    owner_page = (await world.browser("owner").get(f"/dashboard/{world.org.slug}/team")).text
    assert '<option value="owner"' in owner_page
    assert "Last owner" in owner_page


async def test_changing_a_role_and_removing_a_member_from_the_team_page(
    db: AsyncSession, world: World
) -> None:
    browser = world.browser("owner")
    member = await one(
        db,
        select(Member).where(
            Member.organization_id == world.org.id, Member.user_id == world.users["member"].id
        ),
    )
    base = f"/dashboard/{world.org.slug}/team"
    response = await browser.post(f"{base}/members/{member.id}/role", data={"role": "admin"})
    assert response.status_code == 303
    assert response.headers["location"] == base
    assert (await one(db, select(Member).where(Member.id == member.id))).role is Role.ADMIN
    assert flash_shown((await browser.get(base)).text, "Member Person is now admin")

    response = await browser.post(f"{base}/members/{member.id}/remove")
    assert response.status_code == 303
    assert await fresh(db, select(Member).where(Member.id == member.id)) == []
    assert flash_shown((await browser.get(base)).text, "Member Person was removed")


async def test_refusals_on_the_team_page_come_back_as_error_flashes(
    db: AsyncSession, world: World
) -> None:
    browser = world.browser("owner")
    owner = await one(
        db,
        select(Member).where(
            Member.organization_id == world.org.id, Member.user_id == world.users["owner"].id
        ),
    )
    base = f"/dashboard/{world.org.slug}/team"
    response = await browser.post(f"{base}/members/{owner.id}/role", data={"role": "member"})
    assert response.status_code == 303
    page = (await browser.get(base)).text
    assert "flash-error" in page
    assert "last owner cannot be demoted" in page
    leave = await browser.post(f"{base}/leave")
    assert leave.status_code == 303
    assert "make someone else an owner" in (await browser.get(base)).text
    assert (await one(db, select(Member).where(Member.id == owner.id))).role is Role.OWNER


async def test_a_member_leaves_from_the_team_page(db: AsyncSession, world: World) -> None:
    browser = world.browser("member")
    response = await browser.post(f"/dashboard/{world.org.slug}/team/leave")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    assert (await browser.get(f"/dashboard/{world.org.slug}/team")).status_code == 404


async def test_inviting_from_the_team_page(
    db: AsyncSession, world: World, frozen_clock: FrozenClock
) -> None:
    browser = world.browser("admin")
    base = f"/dashboard/{world.org.slug}/team"
    bad = await browser.post(f"{base}/invitations", data={"email": "nope", "role": "admin"})
    assert bad.status_code == 422
    assert 'value="nope"' in bad.text
    assert "Enter a valid email address" in bad.text
    assert '<option value="admin" selected' in bad.text

    member_email = world.users["member"].email
    existing = await browser.post(
        f"{base}/invitations", data={"email": member_email, "role": "member"}
    )
    assert existing.status_code == 409
    assert "already a member" in existing.text

    sent = await browser.post(
        f"{base}/invitations", data={"email": "pat@example.com", "role": "admin"}
    )
    assert sent.status_code == 303
    invitation = await one(db, select(Invitation).where(Invitation.email == "pat@example.com"))
    assert invitation.role is Role.ADMIN
    assert len(await outbox_to(db, "pat@example.com")) == 1

    page = (await browser.get(base)).text
    assert flash_shown(page, "Invitation sent to pat@example.com")
    assert "Pending invitations" in page
    assert f'data-copy="http://testserver/invite/{invitation.id}"' in page
    assert f"{base}/invitations/{invitation.id}/resend" in page
    assert f"{base}/invitations/{invitation.id}/cancel" in page

    too_soon = await browser.post(f"{base}/invitations/{invitation.id}/resend")
    assert too_soon.status_code == 303
    assert flash_shown((await browser.get(base)).text, "You can send it again in 10 minutes")
    assert len(await outbox_to(db, "pat@example.com")) == 1
    frozen_clock.advance(timedelta(minutes=10))
    resent = await browser.post(f"{base}/invitations/{invitation.id}/resend")
    assert resent.status_code == 303
    assert len(await outbox_to(db, "pat@example.com")) == 2
    assert flash_shown((await browser.get(base)).text, "Invitation sent again to pat@example.com")

    canceled = await browser.post(f"{base}/invitations/{invitation.id}/cancel")
    assert canceled.status_code == 303
    row = await one(db, select(Invitation).where(Invitation.id == invitation.id))
    assert row.status is InvitationStatus.CANCELED
    page = (await browser.get(base)).text
    assert flash_shown(page, "Invitation to pat@example.com canceled")
    assert "No pending invitations." in page


# Settings -------------------------------------------------------------------------------


async def test_the_settings_page_is_for_admins_and_owners(db: AsyncSession, world: World) -> None:
    url = f"/dashboard/{world.org.slug}/settings"
    assert (await world.browser("member").get(url)).status_code == 403
    admin = await world.browser("admin").get(url)
    assert admin.status_code == 200
    assert_csp_clean(admin.text)
    assert "public links" in admin.text
    assert "Danger zone" not in admin.text
    assert f'href="/dashboard/{world.org.slug}/settings" aria-current="page"' in admin.text
    owner = await world.browser("owner").get(url)
    assert "Danger zone" in owner.text
    assert f'data-expected="{world.org.slug}"' in owner.text


async def test_saving_settings_with_errors_kept_and_a_slug_change(
    db: AsyncSession, world: World
) -> None:
    browser = world.browser("admin")
    url = f"/dashboard/{world.org.slug}/settings"
    bad = await browser.post(
        url,
        data={
            "name": "",
            "slug": world.org.slug,
            "description": "Kept text",
            "website": "javascript:alert(1)",
        },
    )
    assert bad.status_code == 422
    assert "Kept text" in bad.text
    assert 'value="javascript:alert(1)"' in bad.text
    assert 'id="f-name-error"' in bad.text
    assert 'id="f-website-error"' in bad.text

    taken = await browser.post(
        url, data={"name": "Alpha Works", "slug": world.other_org.slug, "description": "x"}
    )
    assert taken.status_code == 409
    assert "already taken" in taken.text
    assert f'value="{world.other_org.slug}"' in taken.text
    assert f"/dashboard/{world.org.slug}/team" in taken.text  # the shell still shows the org

    saved = await browser.post(
        url,
        data={
            "name": "Alpha Works",
            "slug": "alpha-new",
            "description": "We build.",
            "website": "alpha.example",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/dashboard/alpha-new/settings"
    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert (org.slug, org.description, org.website) == (
        "alpha-new",
        "We build.",
        "https://alpha.example",
    )
    page = await browser.get("/dashboard/alpha-new/settings")
    assert flash_shown(page.text, "Settings saved")

    cleared = await browser.post(
        "/dashboard/alpha-new/settings",
        data={"name": "Alpha Works", "slug": "alpha-new", "description": "", "website": ""},
    )
    assert cleared.status_code == 303
    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert (org.description, org.website) == (None, None)


async def test_uploading_and_removing_a_logo_from_the_settings_page(
    db: AsyncSession, world: World, services: Services
) -> None:
    browser = world.browser("owner")
    url = f"/dashboard/{world.org.slug}/settings"
    wrong = await browser.post(f"{url}/logo", files={"logo": ("a.gif", GIF, "image/gif")})
    assert wrong.status_code == 415
    assert "PNG, JPEG or WebP" in wrong.text
    assert 'id="f-logo-error"' in wrong.text

    ok = await browser.post(f"{url}/logo", files={"logo": ("a.png", png(), "image/png")})
    assert ok.status_code == 303
    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert org.logo
    assert await services.storage.exists(org.logo)
    page = (await browser.get(url)).text
    assert f'src="/media/{org.logo}"' in page
    assert flash_shown(page, "Logo updated")

    removed = await browser.post(f"{url}/logo/remove")
    assert removed.status_code == 303
    assert not await services.storage.exists(org.logo)


async def test_deleting_needs_the_slug_typed_again(db: AsyncSession, world: World) -> None:
    await factories.make_job(db, world.org)
    await db.commit()
    browser = world.browser("owner")
    url = f"/dashboard/{world.org.slug}/settings/delete"
    wrong = await browser.post(url, data={"confirm": "something else"})
    assert wrong.status_code == 422
    assert f"Type {world.org.slug} to confirm" in wrong.text
    assert await one(db, select(Organization.id).where(Organization.id == world.org.id))

    assert (
        await world.browser("admin").post(url, data={"confirm": world.org.slug})
    ).status_code == 403
    assert await one(db, select(Organization.id).where(Organization.id == world.org.id))

    done = await browser.post(url, data={"confirm": world.org.slug})
    assert done.status_code == 303
    assert done.headers["location"] == "/dashboard"
    assert await fresh(db, select(Organization).where(Organization.id == world.org.id)) == []
    assert await fresh(db, select(Job).where(Job.organization_id == world.org.id)) == []
    assert (await browser.get("/dashboard")).headers["location"] == "/onboarding"
