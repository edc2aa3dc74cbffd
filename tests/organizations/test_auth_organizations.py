"""Better Auth's organization endpoints on the wire: create, check-slug, update, delete, list,
set-active, get-full-organization — shapes, status codes, error codes, cookies."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import ClientMaker
from tests.fixtures.world import World
from tests.organizations.auth_helpers import (
    INVITATION_KEYS,
    ISO_MS,
    MEMBER_KEYS,
    ORG,
    ORGANIZATION_KEYS,
    USER_KEYS,
    activate,
    refused,
    set_cookie_names,
)
from tests.organizations.helpers import fresh, one, signed_in, snapshot
from wegotwork.models import JobCategory, Member, Organization, Role, Session

SESSION_COOKIES = {"better-auth.session_token", "better-auth.session_data"}


async def active_of(db: AsyncSession, session: Session) -> str | None:
    row = await one(db, select(Session).where(Session.id == session.id))
    return row.active_organization_id  # type: ignore[no-any-return]


# Create -----------------------------------------------------------------------------------


async def test_create_answers_the_organization_with_its_owner_and_makes_it_active(
    db: AsyncSession, clients: ClientMaker
) -> None:
    user, browser, session = await signed_in(db, clients)
    response = await browser.post(f"{ORG}/create", json={"name": "Acme Robotics", "slug": "acme"})
    assert response.status_code == 200, response.text
    body = response.json()
    # No metadata given: the key is left out, as Better Auth does on create.
    assert set(body) == ORGANIZATION_KEYS - {"metadata"} | {"members"}
    assert body["name"] == "Acme Robotics"
    assert body["slug"] == "acme"
    assert body["logo"] is None
    assert re.match(ISO_MS, body["createdAt"])
    [owner] = body["members"]
    assert set(owner) == MEMBER_KEYS
    assert owner["userId"] == user.id
    assert owner["organizationId"] == body["id"]
    assert owner["role"] == "owner"

    categories = await fresh(
        db,
        select(JobCategory.name)
        .where(JobCategory.organization_id == body["id"])
        .order_by(JobCategory.position),
    )
    assert categories[0] == "Software Development"
    assert len(categories) == 5
    assert await active_of(db, session) == body["id"]
    # Stricter than Better Auth: the cookie cache shows the new active organization at once.
    assert set_cookie_names(response) >= SESSION_COOKIES
    cached = (await browser.get("/api/auth/get-session")).json()
    assert cached["session"]["activeOrganizationId"] == body["id"]


async def test_create_can_keep_the_current_active_organization_and_stores_metadata(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, session = await signed_in(db, clients)
    first = (await browser.post(f"{ORG}/create", json={"name": "First", "slug": "first"})).json()
    response = await browser.post(
        f"{ORG}/create",
        json={
            "name": "Second",
            "slug": "second",
            "metadata": {"plan": "pro", "seats": 5},
            "keepCurrentActiveOrganization": True,
            "userId": "ignored-from-a-client",
        },
    )
    assert response.status_code == 200
    assert response.json()["metadata"] == {"plan": "pro", "seats": 5}
    assert await active_of(db, session) == first["id"]
    cached = (await browser.get("/api/auth/get-session")).json()
    assert cached["session"]["activeOrganizationId"] == first["id"]
    listed = (await browser.get(f"{ORG}/list")).json()
    assert [(item["slug"], item["metadata"]) for item in listed] == [
        ("first", None),
        ("second", {"plan": "pro", "seats": 5}),
    ]


async def test_create_refuses_a_taken_slug_our_slug_rules_and_logo_urls(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, _ = await signed_in(db, clients)
    await browser.post(f"{ORG}/create", json={"name": "Acme", "slug": "acme"})
    refused(
        await browser.post(f"{ORG}/create", json={"name": "Other", "slug": "ACME"}),
        400,
        "ORGANIZATION_ALREADY_EXISTS",
        "Organization already exists",
    )
    reserved = refused(
        await browser.post(f"{ORG}/create", json={"name": "API", "slug": "api"}),
        400,
        "VALIDATION_ERROR",
    )
    assert reserved["message"].startswith("[body.slug] ")
    short = refused(
        await browser.post(f"{ORG}/create", json={"name": "A", "slug": "a-team"}),
        400,
        "VALIDATION_ERROR",
    )
    assert short["message"] == "[body.name] Use at least 2 characters"
    logo = refused(
        await browser.post(
            f"{ORG}/create", json={"name": "Logo", "slug": "logo-co", "logo": "https://x.io/a.svg"}
        ),
        400,
        "VALIDATION_ERROR",
    )
    assert logo["message"].startswith("[body.logo] ")
    count = await one(db, select(func.count()).select_from(Organization))
    assert count == 1


async def test_create_answers_401_signed_out_before_looking_at_the_body(
    client: httpx.AsyncClient, world: World
) -> None:
    # Authentication comes first: signed out, a bad body and a good one both get a bare 401.
    for payload in ({"slug": "x"}, {"name": "", "slug": "x"}, {"name": "Acme", "slug": "acme"}):
        signed_out = await client.post(f"{ORG}/create", json=payload)
        assert signed_out.status_code == 401, payload
        assert signed_out.content == b""
    # Signed in, the body is checked.
    owner = world.browser("owner")
    refused(
        await owner.post(f"{ORG}/create", json={"slug": "x"}),
        400,
        "VALIDATION_ERROR",
        "[body.name] Invalid input: expected string, received undefined",
    )
    refused(
        await owner.post(f"{ORG}/create", json={"name": "", "slug": "x"}),
        400,
        "VALIDATION_ERROR",
        "[body.name] Too small: expected string to have >=1 characters",
    )


# Check slug -------------------------------------------------------------------------------


async def test_check_slug(db: AsyncSession, world: World, client: httpx.AsyncClient) -> None:
    owner = world.browser("owner")
    free = await owner.post(f"{ORG}/check-slug", json={"slug": "brand-new"})
    assert free.status_code == 200
    assert free.json() == {"status": True}
    refused(
        await owner.post(f"{ORG}/check-slug", json={"slug": world.org.slug.upper()}),
        400,
        "ORGANIZATION_SLUG_ALREADY_TAKEN",
        "Organization slug already taken",
    )
    invalid = refused(
        await owner.post(f"{ORG}/check-slug", json={"slug": "dashboard"}), 400, "VALIDATION_ERROR"
    )
    assert invalid["message"].startswith("[body.slug] ")
    refused(await client.post(f"{ORG}/check-slug", json={}), 401, "UNAUTHORIZED")
    refused(await owner.post(f"{ORG}/check-slug", json={}), 400, "VALIDATION_ERROR")
    refused(
        await client.post(f"{ORG}/check-slug", json={"slug": "brand-new"}),
        401,
        "UNAUTHORIZED",
        "Unauthorized",
    )


# Update -----------------------------------------------------------------------------------


async def test_an_admin_updates_name_slug_and_metadata(db: AsyncSession, world: World) -> None:
    admin = world.browser("admin")
    response = await admin.post(
        f"{ORG}/update",
        json={
            "organizationId": world.org.id,
            "data": {"name": "Alpha Works GmbH", "slug": "alpha-gmbh", "metadata": {"tier": 2}},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ORGANIZATION_KEYS
    assert (body["name"], body["slug"], body["metadata"]) == (
        "Alpha Works GmbH",
        "alpha-gmbh",
        {"tier": 2},
    )
    row = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert (row.name, row.slug) == ("Alpha Works GmbH", "alpha-gmbh")

    # The active organization is the default; an empty metadata object clears it (and the key
    # is then left out, as Better Auth does).
    await activate(admin, world.org.id)
    cleared = await admin.post(f"{ORG}/update", json={"data": {"metadata": {}}})
    assert cleared.status_code == 200
    assert "metadata" not in cleared.json()


async def test_update_errors(db: AsyncSession, world: World, client: httpx.AsyncClient) -> None:
    before = await snapshot(db, world.org.id)
    data = {"organizationId": world.org.id, "data": {"name": "Hacked"}}
    refused(
        await world.browser("member").post(f"{ORG}/update", json=data),
        403,
        "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION",
        "You are not allowed to update this organization",
    )
    refused(
        await world.browser("outsider").post(f"{ORG}/update", json=data),
        400,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
    )
    refused(await client.post(f"{ORG}/update", json=data), 401, None, "User not found")
    refused(
        await world.browser("owner").post(f"{ORG}/update", json={"data": {"name": "No org"}}),
        400,
        "ORGANIZATION_NOT_FOUND",
    )
    refused(
        await world.browser("owner").post(
            f"{ORG}/update",
            json={"organizationId": world.org.id, "data": {"slug": world.other_org.slug}},
        ),
        400,
        "ORGANIZATION_SLUG_ALREADY_TAKEN",
    )
    refused(
        await world.browser("owner").post(
            f"{ORG}/update",
            json={"organizationId": world.org.id, "data": {"logo": "https://evil.example/x.svg"}},
        ),
        400,
        "VALIDATION_ERROR",
    )
    refused(await client.post(f"{ORG}/update", json={"data": 1}), 401, None, "User not found")
    refused(
        await world.browser("owner").post(f"{ORG}/update", json={"data": 1}),
        400,
        "VALIDATION_ERROR",
    )
    assert await snapshot(db, world.org.id) == before


async def test_update_with_logo_null_removes_the_logo(db: AsyncSession, world: World) -> None:
    row = await one(db, select(Organization).where(Organization.id == world.org.id))
    row.logo = f"logos/{world.org.id}/old.png"
    await db.commit()
    response = await world.browser("owner").post(
        f"{ORG}/update", json={"organizationId": world.org.id, "data": {"logo": None}}
    )
    assert response.status_code == 200
    assert response.json()["logo"] is None
    row = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert row.logo is None


# Delete -----------------------------------------------------------------------------------


async def test_only_the_owner_deletes_and_gets_the_deleted_organization(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    body = {"organizationId": world.org.id}
    for caller in ("member", "admin"):
        refused(
            await world.browser(caller).post(f"{ORG}/delete", json=body),
            403,
            "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION",
            "You are not allowed to delete this organization",
        )
    refused(
        await world.browser("outsider").post(f"{ORG}/delete", json=body),
        400,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
    )
    signed_out = await client.post(f"{ORG}/delete", json=body)
    assert (signed_out.status_code, signed_out.content) == (401, b"")
    assert (await client.post(f"{ORG}/delete", json={})).status_code == 401
    refused(await world.browser("owner").post(f"{ORG}/delete", json={}), 400, "VALIDATION_ERROR")
    assert await one(db, select(Organization).where(Organization.id == world.org.id))

    owner = world.browser("owner")
    await activate(owner, world.org.id)
    response = await owner.post(f"{ORG}/delete", json=body)
    assert response.status_code == 200
    assert response.json()["id"] == world.org.id
    assert set(response.json()) == ORGANIZATION_KEYS
    assert await one(db, select(Organization).where(Organization.id == world.org.id)) is None
    assert await fresh(db, select(Member).where(Member.organization_id == world.org.id)) == []
    # The session forgot it, and so did the cookie cache.
    assert set_cookie_names(response) >= SESSION_COOKIES
    session = (await owner.get("/api/auth/get-session")).json()["session"]
    assert session["activeOrganizationId"] is None


# List and the active organization ---------------------------------------------------------


async def test_list_answers_my_organizations(world: World, client: httpx.AsyncClient) -> None:
    mine = await world.browser("admin").get(f"{ORG}/list")
    assert mine.status_code == 200
    assert [(item["id"], set(item)) for item in mine.json()] == [(world.org.id, ORGANIZATION_KEYS)]
    refused(await client.get(f"{ORG}/list"), 401, "UNAUTHORIZED", "Unauthorized")


async def test_set_active_by_id_or_slug_reissues_the_session_cookies(
    db: AsyncSession, world: World, clients: ClientMaker
) -> None:
    session = await factories.make_session(db, world.users["admin"])
    await db.commit()
    admin = clients.browser(session.token)
    assert (await admin.post(f"{ORG}/set-active", json={})).json() is None

    response = await admin.post(f"{ORG}/set-active", json={"organizationId": world.org.id})
    assert response.status_code == 200
    assert set(response.json()) == ORGANIZATION_KEYS
    assert response.json()["id"] == world.org.id
    assert set_cookie_names(response) >= SESSION_COOKIES
    assert await active_of(db, session) == world.org.id
    cached = (await admin.get("/api/auth/get-session")).json()
    assert cached["session"]["activeOrganizationId"] == world.org.id
    # Neither id nor slug: the current active organization.
    current = await admin.post(f"{ORG}/set-active", json={})
    assert current.json()["id"] == world.org.id

    cleared = await admin.post(f"{ORG}/set-active", json={"organizationId": None})
    assert cleared.status_code == 200
    assert cleared.json() is None
    assert await active_of(db, session) is None
    by_slug = await admin.post(f"{ORG}/set-active", json={"organizationSlug": world.org.slug})
    assert by_slug.json()["slug"] == world.org.slug
    assert await active_of(db, session) == world.org.id


async def test_set_active_refuses_an_organization_i_am_not_in(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    outsider = world.browser("outsider")
    for body in ({"organizationId": world.org.id}, {"organizationSlug": world.org.slug}):
        refused(
            await outsider.post(f"{ORG}/set-active", json=body),
            403,
            "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
        )
    # An organization that does not exist looks the same (never reveal which ones exist).
    refused(
        await outsider.post(f"{ORG}/set-active", json={"organizationId": "nope"}),
        403,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
    )
    refused(
        await outsider.post(f"{ORG}/set-active", json={"organizationId": 5}),
        400,
        "VALIDATION_ERROR",
        "[body.organizationId] Invalid input: expected string, received number",
    )
    refused(await client.post(f"{ORG}/set-active", json={}), 401, "UNAUTHORIZED")


async def test_get_full_organization(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    owner_invite = await factories.make_invitation(
        db, world.org, world.users["owner"], role=Role.OWNER
    )
    admin_invite = await factories.make_invitation(db, world.org, world.users["owner"])
    await db.commit()
    admin = world.browser("admin")
    assert (await admin.get(f"{ORG}/get-full-organization")).json() is None  # nothing active

    await activate(admin, world.org.id)
    response = await admin.get(f"{ORG}/get-full-organization")
    assert response.status_code == 200
    full = response.json()
    assert set(full) == ORGANIZATION_KEYS | {"members", "invitations"}
    assert [(m["user"]["name"], m["role"]) for m in full["members"]] == [
        ("Owner Person", "owner"),
        ("Admin Person", "admin"),
        ("Member Person", "member"),
    ]
    assert set(full["members"][0]) == MEMBER_KEYS | {"user"}
    assert set(full["members"][0]["user"]) == USER_KEYS
    # Invitations offering the owner role are for owners' eyes only.
    assert [item["id"] for item in full["invitations"]] == [admin_invite.id]
    assert set(full["invitations"][0]) == INVITATION_KEYS

    owner_view = (
        await world.browser("owner").get(
            f"{ORG}/get-full-organization", params={"organizationSlug": world.org.slug}
        )
    ).json()
    assert {item["id"] for item in owner_view["invitations"]} == {owner_invite.id, admin_invite.id}
    member_view = (
        await world.browser("member").get(
            f"{ORG}/get-full-organization",
            params={"organizationId": world.org.id, "membersLimit": "2"},
        )
    ).json()
    assert member_view["invitations"] == []
    assert len(member_view["members"]) == 2

    refused(
        await world.browser("outsider").get(
            f"{ORG}/get-full-organization", params={"organizationId": world.org.id}
        ),
        403,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
    )
    refused(await client.get(f"{ORG}/get-full-organization"), 401, "UNAUTHORIZED")


async def test_an_active_organization_i_was_removed_from_is_forgotten(
    db: AsyncSession, world: World
) -> None:
    member = world.browser("member")
    await activate(member, world.org.id)
    row = await one(
        db,
        select(Member).where(
            Member.organization_id == world.org.id, Member.user_id == world.users["member"].id
        ),
    )
    await db.delete(row)
    await db.commit()
    response = await member.get(f"{ORG}/get-full-organization")
    refused(response, 403, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    assert set_cookie_names(response) >= SESSION_COOKIES
    assert (await member.get(f"{ORG}/get-full-organization")).json() is None


async def test_a_session_deleted_in_the_database_reads_nothing_despite_its_cookie_cache(
    db: AsyncSession, world: World
) -> None:
    """Organization reads and changes read the session from the database; the cookie cache
    answers get-session alone (as Better Auth's does), for at most its hour."""
    admin = world.browser("admin")
    await activate(admin, world.org.id)
    assert (await admin.get("/api/auth/get-session")).status_code == 200
    await db.execute(Session.__table__.delete().where(Session.token == world.tokens["admin"]))
    await db.commit()
    refused(await admin.get(f"{ORG}/get-active-member"), 401, "UNAUTHORIZED")
    refused(await admin.get(f"{ORG}/list-members"), 401, "UNAUTHORIZED")
    refused(
        await admin.post(f"{ORG}/set-active", json={"organizationId": world.org.id}),
        401,
        "UNAUTHORIZED",
    )


async def test_get_organization(world: World, client: httpx.AsyncClient) -> None:
    member = world.browser("member")
    assert (await member.get(f"{ORG}/get-organization")).json() is None
    await activate(member, world.org.id)
    response = await member.get(f"{ORG}/get-organization")
    assert response.status_code == 200
    assert set(response.json()) == ORGANIZATION_KEYS
    assert response.json()["id"] == world.org.id
    by_slug = await member.get(
        f"{ORG}/get-organization", params={"organizationSlug": world.org.slug}
    )
    assert by_slug.json()["id"] == world.org.id
    refused(
        await world.browser("outsider").get(
            f"{ORG}/get-organization", params={"organizationId": world.org.id}
        ),
        403,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
    )
    refused(await client.get(f"{ORG}/get-organization"), 401, "UNAUTHORIZED")


async def test_a_member_of_another_organization_changes_nothing_through_any_endpoint(
    db: AsyncSession, world: World
) -> None:
    """Every organization endpoint, called by the owner of organization B with organization
    A's ids, answers an error and leaves A exactly as it was."""
    from wegotwork.invitations.auth_api import router as invitation_router
    from wegotwork.organizations.auth_api import router as organization_router

    teammate = await one(
        db,
        select(Member).where(
            Member.organization_id == world.org.id, Member.user_id == world.users["member"].id
        ),
    )
    invitation = await factories.make_invitation(db, world.org, world.users["owner"])
    await db.commit()
    org = {"organizationId": world.org.id}
    calls: dict[str, dict[str, object]] = {
        "/create": {"json": {"name": "Alpha Works", "slug": world.org.slug}},
        "/check-slug": {"json": {"slug": world.org.slug}},
        "/update": {"json": {**org, "data": {"name": "Hacked", "slug": "hacked"}}},
        "/delete": {"json": org},
        "/list": {},
        "/set-active": {"json": org},
        "/get-organization": {"params": org},
        "/get-full-organization": {"params": org},
        "/list-members": {"params": org},
        "/get-active-member": {},
        "/get-active-member-role": {"params": org},
        "/update-member-role": {"json": {**org, "memberId": teammate.id, "role": "owner"}},
        "/remove-member": {"json": {**org, "memberIdOrEmail": teammate.id}},
        "/leave": {"json": org},
        "/has-permission": {"json": {**org, "permissions": {"organization": ["delete"]}}},
        "/invite-member": {"json": {**org, "email": "spy@example.com", "role": "owner"}},
        "/cancel-invitation": {"json": {"invitationId": invitation.id}},
        "/accept-invitation": {"json": {"invitationId": invitation.id}},
        "/reject-invitation": {"json": {"invitationId": invitation.id}},
        "/get-invitation": {"params": {"id": invitation.id}},
        "/list-invitations": {"params": org},
        "/list-user-invitations": {},
    }
    routes = {
        (next(iter(route.methods)), route.path.removeprefix(ORG))  # type: ignore[attr-defined]
        for router in (organization_router, invitation_router)
        for route in router.routes
    }
    assert {path for _, path in routes} == set(calls)

    before = await snapshot(db, world.org.id)
    outsider = world.browser("outsider")
    seen_in_a = []
    for method, path in sorted(routes):
        response = await outsider.request(method, f"{ORG}{path}", **calls[path])  # type: ignore[arg-type]
        if response.status_code == 200:
            seen_in_a.append((path, response.text))
        else:
            assert response.status_code in {400, 401, 403}, (path, response.status_code)
    assert await snapshot(db, world.org.id) == before
    # What answers 200 is about the outsider's own world, never A's.
    assert {path for path, _ in seen_in_a} <= {"/list", "/list-user-invitations", "/check-slug"}
    assert all(world.org.id not in text for _, text in seen_in_a)
