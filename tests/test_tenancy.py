"""The tenancy core: outsiders never learn an organization exists; roles are checked as data."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.errors import Forbidden, NotFound
from wegotwork.models import Job, Role
from wegotwork.tenancy.context import load_context
from wegotwork.tenancy.permissions import ROLE_PERMISSIONS, Permission
from wegotwork.tenancy.scoping import get_scoped


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
        await load_context(db, outsider, organization_id=world.org.id)
    with pytest.raises(NotFound):
        await load_context(
            db, outsider, slug=world.org.slug, permission=Permission.DELETE_ORGANIZATION
        )
    with pytest.raises(NotFound):
        await load_context(db, outsider, organization_id="does-not-exist")


async def test_a_member_without_the_permission_is_forbidden(db: AsyncSession, world: World) -> None:
    with pytest.raises(Forbidden):
        await load_context(
            db,
            world.users["member"],
            organization_id=world.org.id,
            permission=Permission.UPDATE_ORGANIZATION,
        )
    context = await load_context(
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
    context = await load_context(db, world.users["member"], organization_id=world.org.id)
    assert (await get_scoped(db, Job, context, ours.id)).title == "Our job"
    with pytest.raises(NotFound):
        await get_scoped(db, Job, context, theirs.id)
