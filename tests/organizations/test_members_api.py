"""Members through the JSON API: list, change role, remove, leave — and the owner rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from tests.organizations.helpers import fresh, one
from wegotwork.models import Member, Role, Session


async def member_of(db: AsyncSession, world: World, caller: str) -> Member:
    member: Member = await one(
        db,
        select(Member).where(
            Member.organization_id == world.org.id, Member.user_id == world.users[caller].id
        ),
    )
    return member


def members_url(world: World, member: Member | None = None) -> str:
    base = f"/api/v1/organizations/{world.org.id}/members"
    return f"{base}/{member.id}" if member else base


async def test_every_member_sees_the_team_with_roles_and_join_dates(
    db: AsyncSession, world: World
) -> None:
    response = await world.api("member").get(members_url(world))
    assert response.status_code == 200
    members = response.json()["members"]
    assert [(item["user"]["name"], item["role"]) for item in members] == [
        ("Owner Person", "owner"),
        ("Admin Person", "admin"),
        ("Member Person", "member"),
    ]
    first = members[0]
    assert set(first) == {"id", "organizationId", "userId", "role", "createdAt", "user"}
    assert set(first["user"]) == {"id", "name", "email", "image"}
    assert first["createdAt"].endswith("Z")


async def test_the_owner_promotes_and_demotes(db: AsyncSession, world: World) -> None:
    member = await member_of(db, world, "member")
    response = await world.api("owner").patch(members_url(world, member), json={"role": "admin"})
    assert response.status_code == 200
    assert response.json()["member"]["role"] == "admin"
    assert (await member_of(db, world, "member")).role is Role.ADMIN

    response = await world.api("owner").patch(members_url(world, member), json={"role": "owner"})
    assert response.status_code == 200
    assert (await member_of(db, world, "member")).role is Role.OWNER


async def test_an_admin_manages_members_and_admins_but_never_owners(
    db: AsyncSession, world: World
) -> None:
    member = await member_of(db, world, "member")
    owner = await member_of(db, world, "owner")
    admin = world.api("admin")
    assert (
        await admin.patch(members_url(world, member), json={"role": "admin"})
    ).status_code == 200
    assert (
        await admin.patch(members_url(world, member), json={"role": "member"})
    ).status_code == 200

    make_owner = await admin.patch(members_url(world, member), json={"role": "owner"})
    assert make_owner.status_code == 403
    demote_owner = await admin.patch(members_url(world, owner), json={"role": "member"})
    assert demote_owner.status_code == 403
    remove_owner = await admin.delete(members_url(world, owner))
    assert remove_owner.status_code == 403
    assert (await member_of(db, world, "owner")).role is Role.OWNER
    assert (await member_of(db, world, "member")).role is Role.MEMBER

    removed = await admin.delete(members_url(world, member))
    assert removed.status_code == 200
    assert removed.json() == {
        "error": False,
        "message": "Member Person was removed from Alpha Works",
    }
    assert await fresh(db, select(Member).where(Member.id == member.id)) == []


async def test_members_cannot_change_roles_or_remove_anyone(db: AsyncSession, world: World) -> None:
    admin = await member_of(db, world, "admin")
    me = await member_of(db, world, "member")
    api = world.api("member")
    assert (await api.patch(members_url(world, admin), json={"role": "member"})).status_code == 403
    assert (await api.patch(members_url(world, me), json={"role": "admin"})).status_code == 403
    assert (await api.delete(members_url(world, admin))).status_code == 403
    assert (await member_of(db, world, "admin")).role is Role.ADMIN


async def test_the_last_owner_cannot_leave_be_removed_or_be_demoted(
    db: AsyncSession, world: World
) -> None:
    owner = await member_of(db, world, "owner")
    api = world.api("owner")
    demote = await api.patch(members_url(world, owner), json={"role": "admin"})
    assert demote.status_code == 409
    assert "last owner" in demote.json()["message"]
    remove = await api.delete(members_url(world, owner))
    assert remove.status_code == 409
    leave = await api.post(f"/api/v1/organizations/{world.org.id}/leave")
    assert leave.status_code == 409
    assert "last owner" in leave.json()["message"]
    assert (await member_of(db, world, "owner")).role is Role.OWNER


async def test_with_a_second_owner_the_first_may_step_down(db: AsyncSession, world: World) -> None:
    admin = await member_of(db, world, "admin")
    owner = await member_of(db, world, "owner")
    api = world.api("owner")
    assert (await api.patch(members_url(world, admin), json={"role": "owner"})).status_code == 200
    assert (await api.patch(members_url(world, owner), json={"role": "admin"})).status_code == 200
    # The former admin is now the last owner and cannot leave.
    leave = await world.api("admin").post(f"/api/v1/organizations/{world.org.id}/leave")
    assert leave.status_code == 409
    # The former owner, now an admin, cannot touch the owner any more.
    demote = await api.patch(members_url(world, admin), json={"role": "member"})
    assert demote.status_code == 403


async def test_an_owner_removes_another_owner(db: AsyncSession, world: World) -> None:
    second = await factories.make_user(db)
    second_member = await factories.add_member(db, world.org, second, Role.OWNER)
    await db.commit()
    response = await world.api("owner").delete(members_url(world, second_member))
    assert response.status_code == 200
    assert await fresh(db, select(Member).where(Member.id == second_member.id)) == []


async def test_a_member_leaves_and_loses_the_active_organization(
    db: AsyncSession, world: World
) -> None:
    api = world.api("member")
    await api.post(f"/api/v1/organizations/{world.org.id}/activate")
    response = await api.post(f"/api/v1/organizations/{world.org.id}/leave")
    assert response.status_code == 200
    assert response.json() == {"error": False, "message": "You left Alpha Works"}
    assert (
        await fresh(
            db,
            select(Member).where(
                Member.organization_id == world.org.id, Member.user_id == world.users["member"].id
            ),
        )
        == []
    )
    session = await one(db, select(Session).where(Session.token == world.tokens["member"]))
    assert session.active_organization_id is None
    assert (await api.get(f"/api/v1/organizations/{world.org.id}")).status_code == 404


async def test_removed_members_lose_access_at_once(db: AsyncSession, world: World) -> None:
    member = await member_of(db, world, "member")
    assert (await world.api("admin").delete(members_url(world, member))).status_code == 200
    assert (await world.api("member").get(members_url(world))).status_code == 404


async def test_unknown_members_and_other_organizations_members_are_not_found(
    db: AsyncSession, world: World
) -> None:
    theirs = await one(db, select(Member).where(Member.organization_id == world.other_org.id))
    api = world.api("owner")
    for target in ("nope", theirs.id):
        url = f"/api/v1/organizations/{world.org.id}/members/{target}"
        assert (await api.patch(url, json={"role": "admin"})).status_code == 404
        assert (await api.delete(url)).status_code == 404
    assert (await one(db, select(Member).where(Member.id == theirs.id))).role is Role.OWNER


async def test_an_unknown_role_is_a_validation_error(db: AsyncSession, world: World) -> None:
    member = await member_of(db, world, "member")
    response = await world.api("owner").patch(
        members_url(world, member), json={"role": "superuser"}
    )
    assert response.status_code == 422
    assert "role" in response.json()["fieldErrors"]
