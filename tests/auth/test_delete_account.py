"""Deleting an account never strands an organization: the last owner of an organization with
other members is refused (transfer ownership first), and an organization whose only member
deletes their account goes with it, applicants and stored files included."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import pdf_bytes, store_resume
from tests.fixtures.world import World
from wegotwork.deps import Services
from wegotwork.models import Applicant, Member, Organization, Role, User

pytestmark = pytest.mark.usefixtures("dialect")


async def _exists(db: AsyncSession, model: type, object_id: str) -> bool:
    db.expire_all()
    count = await db.scalar(select(func.count()).select_from(model).where(model.id == object_id))
    return bool(count)


async def test_the_last_owner_of_a_team_cannot_delete_their_account(
    db: AsyncSession, world: World
) -> None:
    owner_id, org_id, org_name = world.users["owner"].id, world.org.id, world.org.name
    refused = await world.browser("owner").post(
        "/api/auth/delete-user", json={"password": factories.PASSWORD}
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER"
    assert org_name in refused.json()["message"]
    assert "owner" in refused.json()["message"]
    assert await _exists(db, User, owner_id)
    owners = await db.scalar(
        select(func.count())
        .select_from(Member)
        .where(Member.organization_id == org_id, Member.role == Role.OWNER)
    )
    assert owners == 1

    page = await world.browser("owner").post(
        "/account/delete", data={"password": factories.PASSWORD}
    )
    assert page.status_code == 422
    assert f"You are the only owner of {org_name}" in page.text
    assert await _exists(db, User, owner_id)


async def test_an_owner_with_a_co_owner_may_go(db: AsyncSession, world: World) -> None:
    await factories.add_member(
        db, world.org, await factories.make_user(db, name="Co Owner"), Role.OWNER
    )
    owner_id, org_id = world.users["owner"].id, world.org.id
    await db.commit()
    deleted = await world.browser("owner").post(
        "/api/auth/delete-user", json={"password": factories.PASSWORD}
    )
    assert deleted.json() == {"success": True, "message": "User deleted"}
    assert not await _exists(db, User, owner_id)
    assert await _exists(db, Organization, org_id)


async def test_a_sole_members_organization_goes_with_the_account(
    db: AsyncSession, world: World, services: Services
) -> None:
    founder = await factories.make_user(db, name="Solo Founder")
    solo = await factories.make_org(db, founder, name="Solo Shop", slug=factories.unique("solo"))
    job = await factories.make_job(db, solo)
    key = await store_resume(services.storage, pdf_bytes())
    applicant = await factories.make_applicant(db, job, resume_key=key)
    token = (await factories.make_session(db, founder)).token
    # A member of organization A too, where the owner stays: only the membership goes.
    await factories.add_member(db, world.org, founder, Role.MEMBER)
    ids = (founder.id, solo.id, solo.slug, applicant.id, world.org.id)
    await db.commit()
    founder_id, solo_id, solo_slug, applicant_id, org_a = ids

    browser = world.clients.browser(token)
    page = await browser.get("/account")
    assert "Solo Shop" in page.text
    assert "will be deleted with your account" in page.text

    deleted = await browser.post("/api/auth/delete-user", json={"password": factories.PASSWORD})
    assert deleted.status_code == 200
    assert not await _exists(db, User, founder_id)
    assert not await _exists(db, Organization, solo_id)
    assert not await _exists(db, Applicant, applicant_id)
    assert await _exists(db, Organization, org_a)
    assert not await services.storage.exists(key)
    # Its careers page is gone and its address is free again.
    assert (await world.anonymous.get(f"/careers/{solo_slug}")).status_code == 404
    taken = await world.browser("outsider").post(
        "/api/auth/organization/check-slug", json={"slug": solo_slug}
    )
    assert taken.json() == {"status": True}


async def test_the_account_page_deletes_a_sole_members_organization_too(
    db: AsyncSession, world: World
) -> None:
    founder = await factories.make_user(db, name="Page Founder")
    solo = await factories.make_org(db, founder, name="Page Shop", slug=factories.unique("page"))
    token = (await factories.make_session(db, founder)).token
    solo_id = solo.id
    await db.commit()
    deleted = await world.clients.browser(token).post(
        "/account/delete", data={"password": factories.PASSWORD}
    )
    assert deleted.status_code == 303
    assert not await _exists(db, Organization, solo_id)
