"""Better Auth's member endpoints on the wire: list-members, get-active-member(-role),
update-member-role, remove-member, leave, has-permission — and our stricter owner rules."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from tests.organizations.auth_helpers import (
    MEMBER_KEYS,
    ORG,
    USER_KEYS,
    activate,
    refused,
    set_cookie_names,
)
from tests.organizations.helpers import fresh, one, snapshot
from wegotwork.models import Member, Role, Session


async def member_of(db: AsyncSession, world: World, caller: str) -> Member:
    found: Member = await one(
        db,
        select(Member).where(
            Member.organization_id == world.org.id, Member.user_id == world.users[caller].id
        ),
    )
    return found


async def role_of(db: AsyncSession, world: World, caller: str) -> Role | None:
    found = await one(
        db,
        select(Member.role).where(
            Member.organization_id == world.org.id, Member.user_id == world.users[caller].id
        ),
    )
    return found  # type: ignore[no-any-return]


# Reading ----------------------------------------------------------------------------------


async def test_list_members_pages_sorts_and_filters(db: AsyncSession, world: World) -> None:
    member = world.browser("member")
    refused(await member.get(f"{ORG}/list-members"), 400, "NO_ACTIVE_ORGANIZATION")
    await activate(member, world.org.id)

    response = await member.get(f"{ORG}/list-members")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert [m["role"] for m in body["members"]] == ["owner", "admin", "member"]
    assert set(body["members"][0]) == MEMBER_KEYS | {"user"}
    assert set(body["members"][0]["user"]) == USER_KEYS

    page = (
        await member.get(
            f"{ORG}/list-members",
            params={"limit": "1", "offset": "1", "sortBy": "role", "sortDirection": "desc"},
        )
    ).json()
    assert page["total"] == 3
    assert [m["role"] for m in page["members"]] == ["member"]
    filtered = (
        await member.get(
            f"{ORG}/list-members",
            params={
                "organizationId": world.org.id,
                "filterField": "role",
                "filterOperator": "ne",
                "filterValue": "owner",
            },
        )
    ).json()
    assert (filtered["total"], [m["role"] for m in filtered["members"]]) == (
        2,
        ["admin", "member"],
    )
    by_slug = (
        await member.get(f"{ORG}/list-members", params={"organizationSlug": world.org.slug})
    ).json()
    assert by_slug["total"] == 3


async def test_list_members_errors(world: World, client: httpx.AsyncClient) -> None:
    outsider = world.browser("outsider")
    for params in ({"organizationId": world.org.id}, {"organizationSlug": world.org.slug}):
        refused(
            await outsider.get(f"{ORG}/list-members", params=params),
            403,
            "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION",
            "You are not a member of this organization",
        )
    # The session is checked before the query.
    refused(
        await client.get(f"{ORG}/list-members", params={"sortDirection": "up"}),
        401,
        "UNAUTHORIZED",
    )
    refused(await client.get(f"{ORG}/list-members"), 401, "UNAUTHORIZED")
    bad = refused(
        await world.browser("owner").get(f"{ORG}/list-members", params={"sortDirection": "up"}),
        400,
        "VALIDATION_ERROR",
    )
    assert bad["message"] == '[query.sortDirection] Invalid option: expected one of "asc"|"desc"'


async def test_the_active_member_and_roles(world: World, client: httpx.AsyncClient) -> None:
    admin = world.browser("admin")
    refused(await admin.get(f"{ORG}/get-active-member"), 400, "NO_ACTIVE_ORGANIZATION")
    refused(await admin.get(f"{ORG}/get-active-member-role"), 400, "NO_ACTIVE_ORGANIZATION")
    await activate(admin, world.org.id)

    me = (await admin.get(f"{ORG}/get-active-member")).json()
    assert set(me) == MEMBER_KEYS | {"user"}
    assert (me["role"], me["user"]["email"]) == ("admin", world.users["admin"].email)
    assert (await admin.get(f"{ORG}/get-active-member-role")).json() == {"role": "admin"}
    owner_role = await admin.get(
        f"{ORG}/get-active-member-role", params={"userId": world.users["owner"].id}
    )
    assert owner_role.json() == {"role": "owner"}
    refused(
        await admin.get(
            f"{ORG}/get-active-member-role", params={"userId": world.users["outsider"].id}
        ),
        403,
        "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION",
    )
    refused(
        await world.browser("outsider").get(
            f"{ORG}/get-active-member-role", params={"organizationId": world.org.id}
        ),
        403,
        "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION",
    )
    refused(await client.get(f"{ORG}/get-active-member"), 401, "UNAUTHORIZED")


async def test_has_permission_asks_the_role_table(world: World) -> None:
    async def ask(caller: str, permissions: dict[str, list[str]]) -> httpx.Response:
        return await world.browser(caller).post(
            f"{ORG}/has-permission",
            json={"organizationId": world.org.id, "permissions": permissions},
        )

    answers = {}
    for caller in ("owner", "admin", "member"):
        response = await ask(caller, {"organization": ["delete"]})
        answers[caller] = response.json()
    assert answers == {
        "owner": {"error": None, "success": True},
        "admin": {"error": None, "success": False},
        "member": {"error": None, "success": False},
    }
    admin = await ask("admin", {"member": ["create", "update", "delete"], "invitation": ["create"]})
    assert admin.json()["success"] is True
    member = await ask("member", {"job": ["manage"], "applicant": ["view"]})
    assert member.json()["success"] is True
    teams = await ask("owner", {"team": ["create"]})
    assert teams.json()["success"] is False  # no teams here
    refused(
        await ask("outsider", {"organization": ["update"]}),
        401,
        "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
    )
    refused(
        await world.browser("owner").post(f"{ORG}/has-permission", json={"permissions": {}}),
        400,
        "NO_ACTIVE_ORGANIZATION",
    )
    refused(
        await world.browser("owner").post(f"{ORG}/has-permission", json={}),
        400,
        "VALIDATION_ERROR",
    )


# Roles ------------------------------------------------------------------------------------


async def test_the_owner_changes_roles_given_as_a_string_or_an_array(
    db: AsyncSession, world: World
) -> None:
    owner = world.browser("owner")
    target = await member_of(db, world, "member")
    body = {"organizationId": world.org.id, "memberId": target.id}
    response = await owner.post(f"{ORG}/update-member-role", json={**body, "role": "admin"})
    assert response.status_code == 200, response.text
    assert set(response.json()) == MEMBER_KEYS
    assert response.json()["role"] == "admin"
    assert await role_of(db, world, "member") is Role.ADMIN

    await activate(owner, world.org.id)  # the active organization is the default
    response = await owner.post(
        f"{ORG}/update-member-role", json={"memberId": target.id, "role": ["member"]}
    )
    assert response.json()["role"] == "member"
    assert await role_of(db, world, "member") is Role.MEMBER


async def test_update_member_role_errors(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    before = await snapshot(db, world.org.id)
    owner = await member_of(db, world, "owner")
    member = await member_of(db, world, "member")

    async def change(caller: str, target: Member, role: object) -> httpx.Response:
        return await world.browser(caller).post(
            f"{ORG}/update-member-role",
            json={"organizationId": world.org.id, "memberId": target.id, "role": role},
        )

    refused(
        await change("owner", member, "superuser"),
        400,
        "ROLE_NOT_FOUND",
        "ROLE_NOT_FOUND: superuser",
    )
    several = refused(await change("owner", member, ["admin", "member"]), 400, "ROLE_NOT_FOUND")
    assert several["message"].startswith("ROLE_NOT_FOUND: admin, member")
    refused(await change("owner", member, ""), 400, "ROLE_NOT_FOUND", "Role not found")
    refused(
        await change("member", member, "admin"),
        403,
        "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
        "You are not allowed to update this member",
    )
    # An admin cannot act on an owner, nor make one.
    refused(
        await change("admin", owner, "member"), 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER"
    )
    refused(
        await change("admin", member, "owner"), 403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER"
    )
    refused(
        await change("owner", owner, "admin"),
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER",
        "You cannot leave the organization without an owner",
    )
    refused(await change("outsider", member, "admin"), 400, "MEMBER_NOT_FOUND")
    other = await factories.add_member(db, world.other_org, world.users["member"])
    await db.commit()
    refused(await change("owner", other, "admin"), 400, "MEMBER_NOT_FOUND")
    refused(
        await world.browser("owner").post(
            f"{ORG}/update-member-role", json={"memberId": member.id, "role": "admin"}
        ),
        400,
        "NO_ACTIVE_ORGANIZATION",
    )
    refused(
        await client.post(f"{ORG}/update-member-role", json={"memberId": member.id}),
        401,
        "UNAUTHORIZED",
    )
    refused(
        await world.browser("owner").post(
            f"{ORG}/update-member-role", json={"memberId": member.id}
        ),
        400,
        "VALIDATION_ERROR",
        "[body.role] Invalid input: expected string, received undefined",
    )
    refused(
        await client.post(
            f"{ORG}/update-member-role", json={"memberId": member.id, "role": "admin"}
        ),
        401,
        "UNAUTHORIZED",
    )
    await db.delete(other)
    await db.commit()
    assert await snapshot(db, world.org.id) == before


# Removing and leaving ---------------------------------------------------------------------


async def test_an_admin_removes_a_member_by_id_or_email(db: AsyncSession, world: World) -> None:
    target = await member_of(db, world, "member")
    admin = world.browser("admin")
    response = await admin.post(
        f"{ORG}/remove-member",
        json={"organizationId": world.org.id, "memberIdOrEmail": target.id},
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"member"}
    assert set(response.json()["member"]) == MEMBER_KEYS
    assert response.json()["member"]["id"] == target.id
    assert await role_of(db, world, "member") is None

    await factories.add_member(db, world.org, world.users["member"])
    await db.commit()
    await activate(admin, world.org.id)
    by_email = await admin.post(
        f"{ORG}/remove-member",
        json={"memberIdOrEmail": world.users["member"].email.upper()},
    )
    assert by_email.status_code == 200
    assert await role_of(db, world, "member") is None


async def test_remove_member_errors(db: AsyncSession, world: World) -> None:
    before = await snapshot(db, world.org.id)
    owner = await member_of(db, world, "owner")
    admin = await member_of(db, world, "admin")

    async def remove(caller: str, target: str) -> httpx.Response:
        return await world.browser(caller).post(
            f"{ORG}/remove-member",
            json={"organizationId": world.org.id, "memberIdOrEmail": target},
        )

    refused(
        await remove("member", admin.id),
        401,
        "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER",
        "You are not allowed to delete this member",
    )
    refused(await remove("admin", owner.id), 401, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER")
    refused(
        await remove("owner", owner.id),
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
        "You cannot leave the organization as the only owner",
    )
    refused(await remove("owner", "nobody@example.com"), 400, "MEMBER_NOT_FOUND")
    refused(await remove("owner", "no-such-member"), 400, "MEMBER_NOT_FOUND")
    refused(await remove("outsider", admin.id), 400, "MEMBER_NOT_FOUND")
    refused(
        await world.browser("owner").post(
            f"{ORG}/remove-member", json={"memberIdOrEmail": admin.id}
        ),
        400,
        "NO_ACTIVE_ORGANIZATION",
    )
    assert await snapshot(db, world.org.id) == before


async def test_leaving_answers_the_membership_and_forgets_the_active_organization(
    db: AsyncSession, world: World
) -> None:
    member = world.browser("member")
    await activate(member, world.org.id)
    response = await member.post(f"{ORG}/leave", json={"organizationId": world.org.id})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == MEMBER_KEYS | {"user"}
    assert body["user"]["id"] == world.users["member"].id
    assert await role_of(db, world, "member") is None
    session = await one(db, select(Session).where(Session.token == world.tokens["member"]))
    assert session.active_organization_id is None
    assert "better-auth.session_data" in set_cookie_names(response)
    assert (await member.get("/api/auth/get-session")).json()["session"][
        "activeOrganizationId"
    ] is None

    refused(
        await member.post(f"{ORG}/leave", json={"organizationId": world.org.id}),
        400,
        "MEMBER_NOT_FOUND",
    )
    refused(
        await world.browser("owner").post(f"{ORG}/leave", json={"organizationId": world.org.id}),
        400,
        "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER",
    )
    refused(await member.post(f"{ORG}/leave", json={}), 400, "VALIDATION_ERROR")
    owners = await fresh(
        db,
        select(Member.id).where(Member.organization_id == world.org.id, Member.role == Role.OWNER),
    )
    assert len(owners) == 1
