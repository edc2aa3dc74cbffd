"""Who may do what: every organization action × every kind of caller, and the tenancy walk —
a member of another organization gets 404 from every organization-scoped route and changes
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tests import factories
from tests.fixtures.world import CALLERS, World
from tests.organizations.helpers import one, png, snapshot, upload
from tests.routes import api_routes, shape
from wegotwork.models import Member, Role


@dataclass
class Targets:
    ids: dict[str, str]

    def url(self, template: str) -> str:
        return template.format(**self.ids)


@pytest.fixture
async def targets(db: AsyncSession, world: World) -> Targets:
    """Organization A's rows that the actions aim at."""
    teammate = await factories.make_user(db, name="Teammate Person")
    await factories.add_member(db, world.org, teammate, Role.MEMBER)
    invitation = await factories.make_invitation(db, world.org, world.users["admin"])
    owner_invitation = await factories.make_invitation(
        db, world.org, world.users["owner"], role=Role.OWNER
    )
    await db.commit()
    ids = {
        "org": world.org.id,
        "invitation": invitation.id,
        "owner_invitation": owner_invitation.id,
    }
    for name in ("owner", "admin", "member"):
        ids[name] = await member_id(db, world.org.id, world.users[name].id)
    ids["teammate"] = await member_id(db, world.org.id, teammate.id)
    return Targets(ids)


async def member_id(db: AsyncSession, organization_id: str, user_id: str) -> str:
    found: str = await one(
        db,
        select(Member.id).where(
            Member.organization_id == organization_id, Member.user_id == user_id
        ),
    )
    return found


ORG = "/api/v1/organizations/{org}"
#                      anonymous outsider member admin owner
MATRIX: dict[str, tuple[str, str, Any, tuple[int, int, int, int, int]]] = {
    "list mine": ("GET", "/api/v1/organizations", None, (401, 200, 200, 200, 200)),
    "create": ("POST", "/api/v1/organizations", {"name": "Fresh Org"}, (401, 201, 201, 201, 201)),
    "read": ("GET", ORG, None, (401, 404, 200, 200, 200)),
    "edit": ("PATCH", ORG, {"name": "Renamed"}, (401, 404, 403, 200, 200)),
    "delete": ("DELETE", ORG, None, (401, 404, 403, 403, 200)),
    "activate": ("POST", ORG + "/activate", None, (401, 404, 200, 200, 200)),
    "upload logo": ("PUT", ORG + "/logo", "logo", (401, 404, 403, 200, 200)),
    "remove logo": ("DELETE", ORG + "/logo", None, (401, 404, 403, 200, 200)),
    "list members": ("GET", ORG + "/members", None, (401, 404, 200, 200, 200)),
    "promote a member": (
        "PATCH",
        ORG + "/members/{teammate}",
        {"role": "admin"},
        (401, 404, 403, 200, 200),
    ),
    "make a member owner": (
        "PATCH",
        ORG + "/members/{teammate}",
        {"role": "owner"},
        (401, 404, 403, 403, 200),
    ),
    "demote the last owner": (
        "PATCH",
        ORG + "/members/{owner}",
        {"role": "admin"},
        (401, 404, 403, 403, 409),
    ),
    "remove a member": ("DELETE", ORG + "/members/{teammate}", None, (401, 404, 403, 200, 200)),
    "remove an admin": ("DELETE", ORG + "/members/{admin}", None, (401, 404, 403, 200, 200)),
    "remove the last owner": ("DELETE", ORG + "/members/{owner}", None, (401, 404, 403, 403, 409)),
    "leave": ("POST", ORG + "/leave", None, (401, 404, 200, 200, 409)),
    "invite a member": (
        "POST",
        ORG + "/invitations",
        {"email": "new@example.com"},
        (401, 404, 403, 201, 201),
    ),
    "invite an owner": (
        "POST",
        ORG + "/invitations",
        {"email": "new@example.com", "role": "owner"},
        (401, 404, 403, 403, 201),
    ),
    "list invitations": ("GET", ORG + "/invitations", None, (401, 404, 403, 200, 200)),
    "resend an invitation": (
        "POST",
        ORG + "/invitations/{invitation}/resend",
        None,
        (401, 404, 403, 200, 200),
    ),
    "resend an owner invitation": (
        "POST",
        ORG + "/invitations/{owner_invitation}/resend",
        None,
        (401, 404, 403, 403, 200),
    ),
    "cancel an invitation": (
        "DELETE",
        ORG + "/invitations/{invitation}",
        None,
        (401, 404, 403, 200, 200),
    ),
    "cancel an owner invitation": (
        "DELETE",
        ORG + "/invitations/{owner_invitation}",
        None,
        (401, 404, 403, 403, 200),
    ),
}


async def call(client: httpx.AsyncClient, method: str, url: str, body: Any) -> httpx.Response:
    if body == "logo":
        return await client.request(method, url, files=upload(png()))
    if body is None:
        return await client.request(method, url)
    return await client.request(method, url, json=body)


@pytest.mark.parametrize("action", list(MATRIX))
async def test_permission_matrix(
    db: AsyncSession,
    connection: AsyncConnection,
    world: World,
    targets: Targets,
    action: str,
) -> None:
    """One action, tried by each kind of caller on the same starting state."""
    method, template, body, statuses = MATRIX[action]
    before = await snapshot(db, world.org.id)
    outcomes = {}
    for caller in CALLERS:
        attempt = await connection.begin_nested()
        try:
            response = await call(world.api(caller), method, targets.url(template), body)
            outcomes[caller] = response.status_code
            assert response.json()["error"] is (response.status_code >= 400)
            if response.status_code >= 400:
                assert await snapshot(db, world.org.id) == before, (caller, "changed something")
        finally:
            await attempt.rollback()
    assert outcomes == dict(zip(CALLERS, statuses, strict=True))


OUR_API_MODULES = {"wegotwork.organizations.api", "wegotwork.invitations.api"}


def test_the_matrix_covers_every_organization_api_route(app: FastAPI) -> None:
    covered = {(method, shape(template)) for method, template, _, _ in MATRIX.values()}
    missing = [
        (method, route.path)
        for route in api_routes(app)
        if route.endpoint.__module__ in OUR_API_MODULES
        and route.path.startswith("/api/v1/organizations")
        for method in route.methods
        if (method, shape(route.path)) not in covered
    ]
    assert missing == []


# Tenancy --------------------------------------------------------------------------------

ORG_SCOPED_PREFIXES = ("/api/v1/organizations/{orgId}", "/dashboard/{slug}")


def org_scoped_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in api_routes(app):
        if not route.path.startswith(ORG_SCOPED_PREFIXES):
            continue
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, route.path))
    return found


async def test_another_organizations_member_gets_404_everywhere_and_changes_nothing(
    db: AsyncSession, world: World, targets: Targets, app: FastAPI
) -> None:
    routes = org_scoped_routes(app)
    assert len(routes) >= 27, routes
    values = {
        "orgId": world.org.id,
        "slug": world.org.slug,
        "memberId": targets.ids["teammate"],
        "invitationId": targets.ids["invitation"],
    }
    before = await snapshot(db, world.org.id)
    outsider_api = world.api("outsider")
    outsider_browser = world.browser("outsider")
    for method, path in routes:
        url = path.format_map(_Default(values))
        client = outsider_browser if path.startswith("/dashboard") else outsider_api
        if method in {"GET", "DELETE"}:
            response = await client.request(method, url)
        elif path.startswith("/dashboard"):
            response = await client.request(
                method,
                url,
                data={
                    "name": "Hacked",
                    "slug": "hacked",
                    "role": "owner",
                    "email": "spy@example.com",
                    "confirm": world.org.slug,
                },
            )
        else:
            response = await client.request(
                method, url, json={"name": "Hacked", "role": "owner", "email": "spy@example.com"}
            )
        assert response.status_code == 404, (method, path, response.status_code)
    assert await snapshot(db, world.org.id) == before


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "does-not-exist"


async def test_outsiders_cannot_reach_a_members_of_another_organization_by_id(
    db: AsyncSession, world: World, targets: Targets
) -> None:
    """Ids of organization A used under organization B's own path are not found either."""
    own = f"/api/v1/organizations/{world.other_org.id}"
    api = world.api("outsider")
    assert (
        await api.patch(f"{own}/members/{targets.ids['member']}", json={"role": "owner"})
    ).status_code == 404
    assert (await api.delete(f"{own}/members/{targets.ids['admin']}")).status_code == 404
    assert (await api.delete(f"{own}/invitations/{targets.ids['invitation']}")).status_code == 404
    assert (
        await api.post(f"{own}/invitations/{targets.ids['invitation']}/resend")
    ).status_code == 404
    assert (
        await one(db, select(Member.role).where(Member.id == targets.ids["member"]))
    ) is Role.MEMBER
