"""Organizations through the JSON API: create, read, list, edit, activate, delete."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.app import ClientMaker
from tests.fixtures.world import World
from tests.organizations.helpers import fresh, one, signed_in
from wegotwork.deps import Services
from wegotwork.models import (
    Applicant,
    ApplicantEvent,
    Invitation,
    Job,
    JobCategory,
    JobStatus,
    Member,
    Organization,
    Role,
    Session,
)
from wegotwork.organizations.rules import DEFAULT_CATEGORIES


async def _one_chunk(data: bytes):  # type: ignore[no-untyped-def]
    yield data


# Create ---------------------------------------------------------------------------------


async def test_creating_an_organization_makes_me_its_owner_with_default_categories(
    db: AsyncSession, clients: ClientMaker
) -> None:
    user, browser, session = await signed_in(db, clients)
    response = await browser.post(
        "/api/v1/organizations", json={"name": "Acme Inc", "slug": "acme-inc"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["error"] is False
    created = body["organization"]
    assert created["name"] == "Acme Inc"
    assert created["slug"] == "acme-inc"
    assert set(created) >= {"id", "name", "slug", "description", "website", "logo", "createdAt"}
    assert created["createdAt"].endswith("Z")

    member = await one(db, select(Member).where(Member.organization_id == created["id"]))
    assert member.user_id == user.id
    assert member.role is Role.OWNER
    categories = await fresh(
        db,
        select(JobCategory.name)
        .where(JobCategory.organization_id == created["id"])
        .order_by(JobCategory.position),
    )
    assert categories == list(DEFAULT_CATEGORIES)
    stored_session = await one(db, select(Session).where(Session.id == session.id))
    assert stored_session.active_organization_id == created["id"]


async def test_without_a_slug_one_is_suggested_from_the_name(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, _ = await signed_in(db, clients)
    owner = await factories.make_user(db)
    await factories.make_org(db, owner, name="Taken", slug="zeta-labs")
    await db.commit()
    response = await browser.post("/api/v1/organizations", json={"name": "Zeta Labs"})
    assert response.status_code == 201
    assert response.json()["organization"]["slug"] == "zeta-labs-2"


async def test_slugs_are_unique_regardless_of_case(db: AsyncSession, clients: ClientMaker) -> None:
    _, first, _ = await signed_in(db, clients)
    _, second, _ = await signed_in(db, clients)
    assert (
        await first.post("/api/v1/organizations", json={"name": "One", "slug": "same"})
    ).status_code == 201
    response = await second.post("/api/v1/organizations", json={"name": "Two", "slug": "SAME"})
    assert response.status_code == 409
    assert response.json()["error"] is True
    assert "taken" in response.json()["message"]
    assert response.json()["fieldErrors"]["slug"]
    assert await fresh(db, select(Organization.name).where(Organization.slug == "same")) == ["One"]


async def test_bad_names_and_slugs_are_refused_with_field_errors(
    db: AsyncSession, clients: ClientMaker
) -> None:
    _, browser, _ = await signed_in(db, clients)
    cases = [
        ({"name": "A", "slug": "fine-slug"}, "name"),
        ({"name": "x" * 81, "slug": "fine-slug"}, "name"),
        ({"slug": "fine-slug"}, "name"),
        ({"name": "Fine", "slug": "ab"}, "slug"),
        ({"name": "Fine", "slug": "api"}, "slug"),
        ({"name": "Fine", "slug": "dashboard"}, "slug"),
        ({"name": "Fine", "slug": "no_underscores"}, "slug"),
        ({"name": "Fine", "slug": "-edge-"}, "slug"),
    ]
    for payload, field in cases:
        response = await browser.post("/api/v1/organizations", json=payload)
        assert response.status_code == 422, payload
        body = response.json()
        assert body["error"] is True
        assert field in body["fieldErrors"], body
    assert await fresh(db, select(Organization).where(Organization.name == "Fine")) == []


async def test_signed_out_visitors_cannot_create(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/organizations", json={"name": "Acme", "slug": "acme"})
    assert response.status_code == 401
    assert response.json() == {"error": True, "message": "You need to sign in first"}


# Read and list --------------------------------------------------------------------------


async def test_i_list_my_organizations_with_my_role(db: AsyncSession, world: World) -> None:
    response = await world.api("admin").get("/api/v1/organizations")
    assert response.status_code == 200
    organizations = response.json()["organizations"]
    assert [(item["id"], item["role"]) for item in organizations] == [(world.org.id, "admin")]
    assert organizations[0]["active"] is False

    await world.api("admin").post(f"/api/v1/organizations/{world.org.id}/activate")
    listed = (await world.api("admin").get("/api/v1/organizations")).json()["organizations"]
    assert listed[0]["active"] is True


async def test_organization_details_come_with_counts(db: AsyncSession, world: World) -> None:
    job = await factories.make_job(db, world.org, status=JobStatus.PUBLISHED)
    await factories.make_job(db, world.org, status=JobStatus.DRAFT)
    await factories.make_applicant(db, job)
    await factories.make_applicant(db, job)
    await factories.make_job(db, world.other_org)
    await db.commit()
    response = await world.api("member").get(f"/api/v1/organizations/{world.org.id}")
    assert response.status_code == 200
    detail = response.json()["organization"]
    assert detail["role"] == "member"
    assert detail["memberCount"] == 3
    assert detail["jobCount"] == 2
    assert detail["publishedJobCount"] == 1
    assert detail["applicantCount"] == 2


# Edit -----------------------------------------------------------------------------------


async def test_an_admin_edits_the_profile_and_the_content_version_moves(
    db: AsyncSession, world: World
) -> None:
    before = world.org.content_version
    response = await world.api("admin").patch(
        f"/api/v1/organizations/{world.org.id}",
        json={
            "name": "  Alpha   Works GmbH ",
            "description": "We build things.",
            "website": "alpha.example",
        },
    )
    assert response.status_code == 200, response.text
    updated = response.json()["organization"]
    assert updated["name"] == "Alpha Works GmbH"
    assert updated["description"] == "We build things."
    assert updated["website"] == "https://alpha.example"
    assert updated["slug"] == world.org.slug
    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert org.name == "Alpha Works GmbH"
    assert org.content_version == before + 1

    cleared = await world.api("owner").patch(
        f"/api/v1/organizations/{world.org.id}", json={"description": None, "website": ""}
    )
    assert cleared.status_code == 200
    assert cleared.json()["organization"]["description"] is None
    assert cleared.json()["organization"]["website"] is None


async def test_a_slug_change_is_checked_and_unchanged_fields_bump_nothing(
    db: AsyncSession, world: World
) -> None:
    url = f"/api/v1/organizations/{world.org.id}"
    taken = await world.api("owner").patch(url, json={"slug": world.other_org.slug.upper()})
    assert taken.status_code == 409
    assert taken.json()["fieldErrors"] == {"slug": [taken.json()["message"]]}
    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert org.slug == world.org.slug
    version = org.content_version

    same = await world.api("owner").patch(url, json={"name": world.org.name})
    assert same.status_code == 200
    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert org.content_version == version

    renamed = await world.api("owner").patch(url, json={"slug": "alpha-renamed"})
    assert renamed.status_code == 200
    assert renamed.json()["organization"]["slug"] == "alpha-renamed"


async def test_invalid_edits_are_refused(db: AsyncSession, world: World) -> None:
    url = f"/api/v1/organizations/{world.org.id}"
    cases = [
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "ftp://files.example"}, "website"),
        ({"description": "x" * 2001}, "description"),
        ({"name": None}, "name"),
        ({"name": "x"}, "name"),
        ({"slug": "www"}, "slug"),
    ]
    for payload, field in cases:
        response = await world.api("admin").patch(url, json=payload)
        assert response.status_code == 422, payload
        assert field in response.json()["fieldErrors"]
    ok = await world.api("admin").patch(url, json={"description": "x" * 2000})
    assert ok.status_code == 200


async def test_a_member_cannot_edit(db: AsyncSession, world: World) -> None:
    response = await world.api("member").patch(
        f"/api/v1/organizations/{world.org.id}", json={"name": "Hijacked"}
    )
    assert response.status_code == 403
    org = await one(db, select(Organization).where(Organization.id == world.org.id))
    assert org.name == "Alpha Works"


# Activate -------------------------------------------------------------------------------


async def test_activating_sets_the_sessions_active_organization(
    db: AsyncSession, world: World
) -> None:
    response = await world.api("member").post(f"/api/v1/organizations/{world.org.id}/activate")
    assert response.status_code == 200
    assert response.json()["organization"]["id"] == world.org.id
    session = await one(db, select(Session).where(Session.token == world.tokens["member"]))
    assert session.active_organization_id == world.org.id


# Delete ---------------------------------------------------------------------------------


async def test_the_owner_deletes_everything_of_the_organization_files_included(
    db: AsyncSession, world: World, services: Services
) -> None:
    org_id = world.org.id
    job = await factories.make_job(db, world.org)
    applicants = [
        await factories.make_applicant(db, job, resume_key=f"resumes/{org_id}/cv{index}.pdf")
        for index in range(2)
    ]
    db.add(ApplicantEvent(applicant_id=applicants[0].id, to_status=applicants[0].status))
    await factories.make_invitation(db, world.org, world.users["owner"])
    theirs = await factories.make_job(db, world.other_org)
    their_applicant = await factories.make_applicant(db, theirs, resume_key="resumes/other/cv.pdf")
    for key in ["resumes/other/cv.pdf", *(a.resume_key for a in applicants)]:
        assert key is not None
        await services.storage.save(key, _one_chunk(b"%PDF-1.4 cv"), "application/pdf")
    await world.api("owner").post(f"/api/v1/organizations/{org_id}/activate")
    await db.commit()

    response = await world.api("owner").delete(f"/api/v1/organizations/{org_id}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "message": "Alpha Works was deleted"}

    for model in (Job, Applicant, Member, Invitation, JobCategory):
        assert await fresh(db, select(model).where(model.organization_id == org_id)) == []
    assert await fresh(db, select(Organization).where(Organization.id == org_id)) == []
    for applicant in applicants:
        assert applicant.resume_key is not None
        assert not await services.storage.exists(applicant.resume_key)
    assert await services.storage.exists("resumes/other/cv.pdf")
    assert await one(db, select(Applicant.id).where(Applicant.id == their_applicant.id))
    session = await one(db, select(Session).where(Session.token == world.tokens["owner"]))
    assert session.active_organization_id is None


async def test_admins_and_members_cannot_delete(db: AsyncSession, world: World) -> None:
    for caller in ("admin", "member"):
        response = await world.api(caller).delete(f"/api/v1/organizations/{world.org.id}")
        assert response.status_code == 403
    assert await one(db, select(Organization.id).where(Organization.id == world.org.id))
