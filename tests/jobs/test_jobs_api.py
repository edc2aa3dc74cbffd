"""A team writes, publishes, closes and deletes jobs through the JSON API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.clock import FrozenClock
from wegotwork.models import Applicant, ApplicantEvent, Job, JobStatus, Organization

pytestmark = pytest.mark.usefixtures("dialect")


def jobs_url(world: World) -> str:
    return f"/api/v1/organizations/{world.org.id}/jobs"


async def content_version(db: AsyncSession, organization: Organization) -> int:
    value = await db.scalar(
        select(Organization.content_version).where(Organization.id == organization.id)
    )
    assert value is not None
    return value


async def test_a_job_needs_only_a_title_and_starts_as_a_draft(
    db: AsyncSession, world: World
) -> None:
    before = await content_version(db, world.org)

    response = await world.api("member").post(jobs_url(world), json={"title": " Backend Engineer "})

    assert response.status_code == 201
    job = response.json()["job"]
    assert job["title"] == "Backend Engineer"
    assert job["status"] == "draft"
    assert job["type"] == "fulltime"
    assert job["publishedAt"] is None
    assert job["categoryId"] is None
    assert job["remote"] is False
    assert job["applicantCount"] == 0
    assert job["organizationId"] == world.org.id
    stored = await db.get(Job, job["id"])
    assert stored is not None
    assert stored.organization_id == world.org.id
    # A draft is not on the careers site, so its cache stays valid.
    assert await content_version(db, world.org) == before


async def test_a_job_can_be_created_complete_and_published(
    db: AsyncSession, world: World, frozen_clock: FrozenClock
) -> None:
    category = await factories.make_category(db, world.org, name="Platform")
    await db.commit()
    before = await content_version(db, world.org)

    response = await world.api("member").post(
        jobs_url(world),
        json={
            "title": "SRE",
            "type": "contract",
            "categoryId": category.id,
            "country": "netherlands",
            "city": " Amsterdam ",
            "remote": True,
            "description": "# Hi\n\n**Bold** <script>alert(1)</script>",
            "status": "published",
        },
    )

    assert response.status_code == 201
    job = response.json()["job"]
    assert job["country"] == "NL"
    assert job["city"] == "Amsterdam"
    assert job["category"] == {"id": category.id, "name": "Platform"}
    assert job["publishedAt"] == frozen_clock.current.isoformat().replace("+00:00", "Z")
    assert "<script" not in job["descriptionHtml"]
    assert "<h2>Hi</h2>" in job["descriptionHtml"]
    assert await content_version(db, world.org) == before + 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"title": ""}, "title", "Title is required"),
        ({"title": "   "}, "title", "Title is required"),
        ({}, "title", "Title is required"),
        ({"title": "x" * 161}, "title", "Use at most 160 characters"),
        ({"title": "A", "country": "Narnia"}, "country", "Choose a country from the list"),
        ({"title": "A", "city": "x" * 121}, "city", "Use at most 120 characters"),
        ({"title": "A", "type": "forever"}, "type", None),
        ({"title": "A", "status": "hidden"}, "status", None),
    ],
)
async def test_invalid_input_is_refused_field_by_field(
    db: AsyncSession, world: World, payload: dict[str, object], field: str, message: str | None
) -> None:
    response = await world.api("member").post(jobs_url(world), json=payload)

    assert response.status_code == 422
    errors = response.json()["fieldErrors"]
    assert field in errors
    if message:
        assert errors[field] == [message]
    count = await db.scalar(select(func.count(Job.id)).where(Job.organization_id == world.org.id))
    assert count == 0


async def test_a_category_of_another_organization_is_not_found(
    db: AsyncSession, world: World
) -> None:
    theirs = await factories.make_category(db, world.other_org, name="Their team")
    ours = await factories.make_job(db, world.org, title="Ours")
    await db.commit()

    created = await world.api("member").post(
        jobs_url(world), json={"title": "Sneaky", "categoryId": theirs.id}
    )
    patched = await world.api("member").patch(
        f"/api/v1/jobs/{ours.id}", json={"categoryId": theirs.id}
    )

    assert created.status_code == 404
    assert created.json()["message"] == "Category does not exist"
    assert patched.status_code == 404
    await db.refresh(ours)
    assert ours.category_id is None
    titles = await db.scalars(select(Job.title).where(Job.organization_id == world.org.id))
    assert list(titles) == ["Ours"]


async def test_the_list_filters_by_status_category_and_search_with_applicant_counts(
    db: AsyncSession, world: World, frozen_clock: FrozenClock
) -> None:
    platform = await factories.make_category(db, world.org, name="Platform")
    backend = await factories.make_job(
        db, world.org, title="Backend Engineer", category=platform, description="Python, 100%"
    )
    frozen_clock.advance(timedelta(minutes=1))
    draft = await factories.make_job(
        db, world.org, title="Designer", status=JobStatus.DRAFT, description="Figma"
    )
    frozen_clock.advance(timedelta(minutes=1))
    closed = await factories.make_job(db, world.org, title="Old role", status=JobStatus.CLOSED)
    await factories.make_job(db, world.other_org, title="Backend elsewhere")
    for _ in range(3):
        await factories.make_applicant(db, backend)
    await factories.make_applicant(db, closed)
    await db.commit()
    api = world.api("member")

    everything = (await api.get(jobs_url(world))).json()["jobs"]
    published = (await api.get(jobs_url(world), params={"status": "published"})).json()["jobs"]
    in_platform = (await api.get(jobs_url(world), params={"categoryId": platform.id})).json()
    searched = (await api.get(jobs_url(world), params={"q": "FIGMA"})).json()["jobs"]
    literal = (await api.get(jobs_url(world), params={"q": "100%"})).json()["jobs"]
    bad = await api.get(jobs_url(world), params={"status": "hidden"})

    assert [job["title"] for job in everything] == ["Old role", "Designer", "Backend Engineer"]
    counts = {job["title"]: job["applicantCount"] for job in everything}
    assert counts == {"Old role": 1, "Designer": 0, "Backend Engineer": 3}
    assert [job["id"] for job in published] == [backend.id]
    assert [job["id"] for job in in_platform["jobs"]] == [backend.id]
    assert [job["id"] for job in searched] == [draft.id]
    assert [job["id"] for job in literal] == [backend.id]
    assert bad.status_code == 422


async def test_publishing_closing_and_back_to_draft_keep_published_at_honest(
    db: AsyncSession, world: World, frozen_clock: FrozenClock
) -> None:
    api = world.api("member")
    job = (await api.post(jobs_url(world), json={"title": "Writer"})).json()["job"]
    url = f"/api/v1/jobs/{job['id']}"
    published_at = frozen_clock.current

    published = (await api.patch(url, json={"status": "published"})).json()["job"]
    frozen_clock.advance(timedelta(days=2))
    closed = (await api.patch(url, json={"status": "closed"})).json()["job"]
    reopened = (await api.patch(url, json={"status": "published"})).json()["job"]
    drafted = (await api.patch(url, json={"status": "draft"})).json()["job"]

    stamp = published_at.isoformat().replace("+00:00", "Z")
    assert published["publishedAt"] == stamp
    assert closed["status"] == "closed"
    assert closed["publishedAt"] == stamp
    assert reopened["publishedAt"] == stamp
    assert drafted["publishedAt"] is None


async def test_a_patch_changes_only_what_it_names_and_null_clears(
    db: AsyncSession, world: World
) -> None:
    job = await factories.make_job(db, world.org, title="Analyst", country="FR", city="Paris")
    await db.commit()
    url = f"/api/v1/jobs/{job.id}"

    response = await world.api("member").patch(url, json={"city": None, "remote": True})

    assert response.status_code == 200
    body = response.json()["job"]
    assert body["title"] == "Analyst"
    assert body["country"] == "FR"
    assert body["city"] is None
    assert body["remote"] is True
    refused = await world.api("member").patch(url, json={"title": None})
    assert refused.status_code == 422
    assert refused.json()["fieldErrors"] == {"title": ["Title is required"]}


async def test_editing_a_public_job_bumps_the_content_version_but_a_draft_does_not(
    db: AsyncSession, world: World
) -> None:
    public = await factories.make_job(db, world.org, status=JobStatus.PUBLISHED)
    draft = await factories.make_job(db, world.org, status=JobStatus.DRAFT)
    await db.commit()
    api = world.api("member")
    start = await content_version(db, world.org)

    await api.patch(f"/api/v1/jobs/{draft.id}", json={"title": "Still a draft"})
    after_draft = await content_version(db, world.org)
    await api.patch(f"/api/v1/jobs/{public.id}", json={"title": "New title"})
    after_public = await content_version(db, world.org)
    await api.patch(f"/api/v1/jobs/{public.id}", json={"title": "New title"})
    after_noop = await content_version(db, world.org)

    assert after_draft == start
    assert after_public == start + 1
    assert after_noop == after_public


async def test_get_shows_one_job_with_its_applicant_count(db: AsyncSession, world: World) -> None:
    job = await factories.make_job(db, world.org, title="Support")
    await factories.make_applicant(db, job)
    await db.commit()

    response = await world.api("member").get(f"/api/v1/jobs/{job.id}")

    assert response.status_code == 200
    assert response.json()["job"]["applicantCount"] == 1
    assert response.json()["job"]["title"] == "Support"
    assert (await world.api("member").get("/api/v1/jobs/nope")).status_code == 404


async def test_deleting_a_job_erases_its_applications(db: AsyncSession, world: World) -> None:
    job = await factories.make_job(db, world.org)
    other = await factories.make_job(db, world.org)
    for _ in range(2):
        await factories.make_applicant(db, job)
    kept = await factories.make_applicant(db, other)
    db.add(ApplicantEvent(applicant_id=kept.id, to_status=kept.status))
    await db.commit()

    response = await world.api("member").delete(f"/api/v1/jobs/{job.id}")

    assert response.status_code == 200
    assert response.json() == {"error": False, "message": "Job deleted", "deletedApplicants": 2}
    assert await db.get(Job, job.id, populate_existing=True) is None
    left = await db.scalars(
        select(Applicant.job_id).where(Applicant.organization_id == world.org.id)
    )
    assert list(left) == [other.id]


async def test_signed_out_callers_get_401(world: World) -> None:
    anonymous = world.api("anonymous")
    assert (await anonymous.get(jobs_url(world))).status_code == 401
    assert (await anonymous.post(jobs_url(world), json={"title": "X"})).status_code == 401
    assert (await anonymous.get("/api/v1/jobs/whatever")).status_code == 401
