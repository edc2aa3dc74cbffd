"""The tenancy core: outsiders never learn an organization exists; roles are checked as data."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import BASE_URL
from tests.fixtures.world import World
from wegotwork.deps import Services
from wegotwork.errors import Forbidden, NotFound
from wegotwork.models import Job, Member, Role, Session
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import ACTIVE, object_id, register_object, require, resolve
from wegotwork.tenancy.permissions import ROLE_PERMISSIONS, Permission
from wegotwork.tenancy.scoping import get_scoped
from wegotwork.web.errors import install as install_errors


def test_roles_nest_owner_over_admin_over_member() -> None:
    assert (
        ROLE_PERMISSIONS[Role.MEMBER] < ROLE_PERMISSIONS[Role.ADMIN] < ROLE_PERMISSIONS[Role.OWNER]
    )
    assert Permission.DELETE_ORGANIZATION not in ROLE_PERMISSIONS[Role.ADMIN]
    assert Permission.MANAGE_INVITATIONS not in ROLE_PERMISSIONS[Role.MEMBER]
    assert Permission.MANAGE_JOBS in ROLE_PERMISSIONS[Role.MEMBER]


async def test_an_outsider_gets_not_found_never_forbidden(db: AsyncSession, world: World) -> None:
    outsider = world.users["outsider"]
    with pytest.raises(NotFound):
        await resolve(db, outsider, organization_id=world.org.id)
    with pytest.raises(NotFound):
        await resolve(db, outsider, slug=world.org.slug, permission=Permission.DELETE_ORGANIZATION)
    with pytest.raises(NotFound):
        await resolve(db, outsider, organization_id="does-not-exist")


async def test_a_member_without_the_permission_is_forbidden(db: AsyncSession, world: World) -> None:
    with pytest.raises(Forbidden):
        await resolve(
            db,
            world.users["member"],
            organization_id=world.org.id,
            permission=Permission.UPDATE_ORGANIZATION,
        )
    context = await resolve(
        db,
        world.users["admin"],
        slug=world.org.slug.upper(),
        permission=Permission.UPDATE_ORGANIZATION,
    )
    assert context.organization.id == world.org.id
    assert context.role is Role.ADMIN


async def test_scoped_reads_never_cross_organizations(db: AsyncSession, world: World) -> None:
    theirs = await factories.make_job(db, world.other_org, title="Their secret job")
    ours = await factories.make_job(db, world.org, title="Our job")
    context = await resolve(db, world.users["member"], organization_id=world.org.id)
    assert (await get_scoped(db, Job, context, ours.id)).title == "Our job"
    with pytest.raises(NotFound):
        await get_scoped(db, Job, context, theirs.id)


# -- categories and jobs ---------------------------------------------------------------------


async def _snapshot(db: AsyncSession, organization_id: str) -> tuple[object, ...]:
    from sqlalchemy import select

    from wegotwork.models import JobCategory, Organization

    categories = await db.execute(
        select(JobCategory.id, JobCategory.name, JobCategory.position)
        .where(JobCategory.organization_id == organization_id)
        .order_by(JobCategory.id)
    )
    jobs = await db.execute(
        select(Job.id, Job.title, Job.status, Job.category_id, Job.description)
        .where(Job.organization_id == organization_id)
        .order_by(Job.id)
    )
    version = await db.scalar(
        select(Organization.content_version).where(Organization.id == organization_id)
    )
    return (list(categories), list(jobs), version)


async def test_another_organizations_member_gets_404_from_every_category_and_job_route(
    db: AsyncSession, world: World
) -> None:
    category = await factories.make_category(db, world.org, name="Ours")
    job = await factories.make_job(db, world.org, title="Our job", category=category)
    await db.commit()
    org, slug = world.org.id, world.org.slug
    before = await _snapshot(db, org)
    api = world.api("outsider")
    browser = world.browser("outsider")

    json_calls = [
        ("GET", f"/api/v1/organizations/{org}/categories", None),
        ("POST", f"/api/v1/organizations/{org}/categories", {"name": "Mine"}),
        ("PATCH", f"/api/v1/organizations/{org}/categories/{category.id}", {"name": "Mine"}),
        ("DELETE", f"/api/v1/organizations/{org}/categories/{category.id}", None),
        ("PUT", f"/api/v1/organizations/{org}/categories/order", {"ids": [category.id]}),
        ("GET", f"/api/v1/organizations/{org}/jobs", None),
        ("POST", f"/api/v1/organizations/{org}/jobs", {"title": "Mine"}),
        ("GET", f"/api/v1/jobs/{job.id}", None),
        ("PATCH", f"/api/v1/jobs/{job.id}", {"title": "Mine", "status": "published"}),
        ("DELETE", f"/api/v1/jobs/{job.id}", None),
    ]
    for method, url, body in json_calls:
        response = await api.request(method, url, json=body)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"] is True

    page_calls = [
        ("GET", f"/dashboard/{slug}/categories", None),
        ("POST", f"/dashboard/{slug}/categories", {"name": "Mine"}),
        ("POST", f"/dashboard/{slug}/categories/order", {"ids": [category.id]}),
        ("POST", f"/dashboard/{slug}/categories/{category.id}", {"name": "Mine"}),
        ("POST", f"/dashboard/{slug}/categories/{category.id}/move", {"direction": "up"}),
        ("GET", f"/dashboard/{slug}/categories/{category.id}/delete", None),
        ("POST", f"/dashboard/{slug}/categories/{category.id}/delete", None),
        ("GET", f"/dashboard/{slug}/jobs", None),
        ("POST", f"/dashboard/{slug}/jobs", {"title": "Mine"}),
        ("GET", f"/dashboard/{slug}/jobs/{job.id}", None),
        ("POST", f"/dashboard/{slug}/jobs/{job.id}", {"title": "Mine"}),
        ("POST", f"/dashboard/{slug}/jobs/{job.id}/preview", {"description": "x"}),
        ("POST", f"/dashboard/{slug}/jobs/{job.id}/delete", {"confirm": "Our job"}),
    ]
    for method, url, form in page_calls:
        response = await browser.request(method, url, data=form)
        assert response.status_code == 404, (method, url)

    assert await _snapshot(db, org) == before


async def test_a_job_cannot_be_pointed_at_another_organizations_category(
    db: AsyncSession, world: World
) -> None:
    theirs = await factories.make_category(db, world.other_org, name="Theirs")
    ours = await factories.make_job(db, world.org, title="Ours")
    await db.commit()
    before = await _snapshot(db, world.org.id)
    member = world.api("member")

    created = await member.post(
        f"/api/v1/organizations/{world.org.id}/jobs", json={"title": "X", "categoryId": theirs.id}
    )
    patched = await member.patch(f"/api/v1/jobs/{ours.id}", json={"categoryId": theirs.id})
    page = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/jobs/{ours.id}",
        data={"title": "Ours", "categoryId": theirs.id},
    )

    assert created.status_code == 404
    assert patched.status_code == 404
    assert page.status_code == 422
    assert await _snapshot(db, world.org.id) == before


# -- the guard -------------------------------------------------------------------------------


register_object("member", Member, missing="Member does not exist")
ActiveManager = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS, via=ACTIVE))]
MemberAdmin = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_MEMBERS, via=object_id("member", "memberId")))
]


def _guarded_app(services: Services) -> FastAPI:
    """A small app with routes guarded through the active organization and a registered kind."""
    small = FastAPI()
    small.state.services = services
    install_errors(small)

    @small.get("/api/v1/active")
    async def active(ctx: ActiveManager) -> dict[str, str]:
        return {"organization": ctx.organization.id, "role": ctx.role.value}

    @small.get("/api/v1/members/{memberId}")
    async def member(memberId: str, ctx: MemberAdmin) -> dict[str, str]:
        return {"organization": ctx.organization.id}

    return small


async def test_the_guard_follows_the_active_organization_and_registered_objects(
    db: AsyncSession, world: World, services: Services
) -> None:
    small = _guarded_app(services)
    member_row = await db.scalar(
        select(Member).where(
            Member.organization_id == world.org.id, Member.user_id == world.users["member"].id
        )
    )
    assert member_row is not None
    for caller in ("member", "outsider"):
        row = await db.scalar(select(Session).where(Session.token == world.tokens[caller]))
        assert row is not None
        row.active_organization_id = world.org.id
    await db.commit()

    async def get(caller: str | None, path: str) -> httpx.Response:
        headers = {"authorization": f"Bearer {world.tokens[caller]}"} if caller else {}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=small), base_url=BASE_URL, headers=headers
        ) as api:
            return await api.get(path)

    active = await get("member", "/api/v1/active")
    assert active.json() == {"organization": world.org.id, "role": "member"}
    # An active organization the caller does not belong to is one that does not exist.
    assert (await get("outsider", "/api/v1/active")).status_code == 404
    assert (await get("admin", "/api/v1/active")).status_code == 404  # none active
    assert (await get(None, "/api/v1/active")).status_code == 401

    path = f"/api/v1/members/{member_row.id}"
    assert (await get("admin", path)).json() == {"organization": world.org.id}
    assert (await get("member", path)).status_code == 403
    refused = await get("outsider", path)
    assert (refused.status_code, refused.json()["message"]) == (404, "Member does not exist")
    unknown = await get("admin", "/api/v1/members/no-such-member")
    assert (unknown.status_code, unknown.json()["message"]) == (404, "Member does not exist")
    assert (await get(None, path)).status_code == 401
