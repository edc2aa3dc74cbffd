"""The public JSON API and what search engines read: JobPosting JSON-LD."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.clock import FrozenClock
from wegotwork.content import bump_content_version
from wegotwork.models import JobStatus, JobType

pytestmark = pytest.mark.usefixtures("dialect")


async def test_the_public_organization_shows_categories_jobs_and_filter_choices(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    org = world.org
    org.description = "Bakery software."
    org.website = "https://alpha.example"
    platform = await factories.make_category(db, org, name="Platform", position=-1)
    backend = await factories.make_job(db, org, title="Backend", category=platform)
    await factories.make_job(
        db, org, title="Writer", type=JobType.PARTTIME, country="FR", city="Paris", remote=True
    )
    await factories.make_job(db, org, title="Draft", status=JobStatus.DRAFT)
    await factories.make_job(db, org, title="Closed", status=JobStatus.CLOSED)
    await bump_content_version(db, org.id)
    await db.commit()

    response = await client.get(f"/api/v1/public/organizations/{org.slug}")

    assert response.status_code == 200
    body = response.json()
    assert body["error"] is False
    assert body["organization"] == {
        "name": "Alpha Works",
        "slug": org.slug,
        "description": "Bakery software.",
        "website": "https://alpha.example",
        "logoUrl": None,
        "careersUrl": f"http://testserver/careers/{org.slug}",
    }
    assert [group["name"] for group in body["categories"]] == ["Platform", "Other jobs"]
    assert body["categories"][1]["id"] is None
    assert body["categories"][0]["jobs"] == [
        {
            "id": backend.id,
            "title": "Backend",
            "type": "fulltime",
            "country": "DE",
            "city": "Berlin",
            "location": "Berlin, Germany",
            "remote": False,
            "workMode": "onsite",
            "experienceLevel": "mid",
            "salary": None,
            "publishedAt": body["categories"][0]["jobs"][0]["publishedAt"],
            "url": f"http://testserver/careers/{org.slug}/jobs/{backend.id}",
        }
    ]
    assert body["locations"] == [
        {"value": "Berlin, DE", "label": "Berlin, Germany"},
        {"value": "Paris, FR", "label": "Paris, France"},
    ]
    assert body["types"] == [
        {"value": "fulltime", "label": "Full-time"},
        {"value": "parttime", "label": "Part-time"},
    ]
    text = response.text
    for secret in ("Draft", "Closed", "contentVersion", "organizationId", "members", "email"):
        assert secret not in text
    assert (await client.get("/api/v1/public/organizations/nobody")).status_code == 404


async def test_a_public_job_has_its_organizations_name_and_slug_and_nothing_internal(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, title="Backend", description="**Hi**")
    closed = await factories.make_job(db, world.org, status=JobStatus.CLOSED)
    draft = await factories.make_job(db, world.org, status=JobStatus.DRAFT)
    await factories.make_applicant(db, job, email="secret@example.com")
    await db.commit()

    response = await client.get(f"/api/v1/public/jobs/{job.id}")

    assert response.status_code == 200
    public = response.json()["job"]
    assert public["title"] == "Backend"
    assert public["descriptionHtml"] == "<p><strong>Hi</strong></p>\n"
    assert public["acceptingApplications"] is True
    assert public["organization"] == {
        "name": "Alpha Works",
        "slug": world.org.slug,
        "website": None,
        "logoUrl": None,
    }
    assert set(public) == {
        "id",
        "title",
        "type",
        "status",
        "acceptingApplications",
        "category",
        "country",
        "city",
        "location",
        "remote",
        "workMode",
        "experienceLevel",
        "address",
        "postalCode",
        "region",
        "salary",
        "validThrough",
        "description",
        "descriptionHtml",
        "publishedAt",
        "url",
        "organization",
    }
    assert "secret@example.com" not in response.text
    assert "applicant" not in response.text.lower()
    closed_body = (await client.get(f"/api/v1/public/jobs/{closed.id}")).json()["job"]
    assert closed_body["acceptingApplications"] is False
    missing = await client.get(f"/api/v1/public/jobs/{draft.id}")
    assert missing.status_code == 404
    assert missing.json() == {"error": True, "message": "Job does not exist"}


def json_ld(html: str) -> dict[str, object]:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(found) == 1
    data: dict[str, object] = json.loads(found[0])
    return data


ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def check_job_posting(data: dict[str, object]) -> None:
    """Google for Jobs' required properties and the formats it expects."""
    assert data["@context"] == "https://schema.org/"
    assert data["@type"] == "JobPosting"
    for required in ("title", "description", "datePosted", "hiringOrganization"):
        assert data.get(required), required
    assert isinstance(data["title"], str)
    assert isinstance(data["description"], str)
    assert ISO_DATETIME.match(str(data["datePosted"]))
    if "validThrough" in data:
        assert ISO_DATETIME.match(str(data["validThrough"]))
    assert data["employmentType"] in {"FULL_TIME", "PART_TIME", "INTERN", "CONTRACTOR"}
    hiring = data["hiringOrganization"]
    assert isinstance(hiring, dict)
    assert hiring["@type"] == "Organization"
    assert hiring["name"]
    identifier = data["identifier"]
    assert isinstance(identifier, dict)
    assert identifier["@type"] == "PropertyValue"
    assert identifier["value"]
    assert data["directApply"] is True
    # A job needs a place, or must say it is remote (and where applicants may live).
    if data.get("jobLocationType") == "TELECOMMUTE":
        requirements = data.get("applicantLocationRequirements")
        if requirements is not None:
            assert isinstance(requirements, dict)
            assert requirements["@type"] == "Country"
    else:
        location = data["jobLocation"]
        assert isinstance(location, dict)
        assert location["@type"] == "Place"
        address = location["address"]
        assert isinstance(address, dict)
        assert address["@type"] == "PostalAddress"
        assert re.fullmatch(r"[A-Z]{2}", str(address["addressCountry"]))


async def test_a_job_page_carries_a_valid_job_posting(
    db: AsyncSession, world: World, client: httpx.AsyncClient, frozen_clock: FrozenClock
) -> None:
    org = world.org
    org.website = "https://alpha.example"
    org.logo = f"logos/{org.id}/logo.png"
    category = await factories.make_category(db, org, name="Platform")
    job = await factories.make_job(
        db,
        org,
        title="Backend </script><script>alert(1)</script>",
        category=category,
        type=JobType.INTERNSHIP,
        description="## Role\n\nBuild & ship <b>things</b>.",
    )
    await db.commit()

    html = (await client.get(f"/careers/{org.slug}/jobs/{job.id}")).text
    data = json_ld(html)

    check_job_posting(data)
    # The block ends at the first "</script>": the whole title parsed back means none leaked.
    assert data["title"] == "Backend </script><script>alert(1)</script>"
    assert data["description"] == "<h2>Role</h2>\n<p>Build &amp; ship <b>things</b>.</p>\n"
    assert data["datePosted"] == frozen_clock.current.replace(microsecond=0).isoformat().replace(
        "+00:00", "Z"
    )
    assert data["employmentType"] == "INTERN"
    assert data["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Alpha Works",
        "sameAs": "https://alpha.example",
        "logo": f"http://testserver/media/logos/{org.id}/logo.png",
    }
    assert data["jobLocation"] == {
        "@type": "Place",
        "address": {"@type": "PostalAddress", "addressLocality": "Berlin", "addressCountry": "DE"},
    }
    assert data["identifier"] == {"@type": "PropertyValue", "name": "Alpha Works", "value": job.id}
    assert data["url"] == f"http://testserver/careers/{org.slug}/jobs/{job.id}"
    assert "validThrough" not in data


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (JobType.FULLTIME, "FULL_TIME"),
        (JobType.PARTTIME, "PART_TIME"),
        (JobType.INTERNSHIP, "INTERN"),
        (JobType.CONTRACT, "CONTRACTOR"),
    ],
)
async def test_employment_types_map_to_schema_org(
    db: AsyncSession, world: World, client: httpx.AsyncClient, kind: JobType, expected: str
) -> None:
    job = await factories.make_job(db, world.org, type=kind)
    await db.commit()
    data = json_ld((await client.get(f"/careers/{world.org.slug}/jobs/{job.id}")).text)
    assert data["employmentType"] == expected


async def test_a_remote_job_is_telecommute_with_where_applicants_may_live(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, remote=True, city=None, country="PT")
    await db.commit()

    data = json_ld((await client.get(f"/careers/{world.org.slug}/jobs/{job.id}")).text)

    check_job_posting(data)
    assert data["jobLocationType"] == "TELECOMMUTE"
    assert data["applicantLocationRequirements"] == {"@type": "Country", "name": "Portugal"}
    assert "jobLocation" not in data


async def test_a_closed_job_is_valid_only_until_it_closed(
    db: AsyncSession, world: World, client: httpx.AsyncClient, frozen_clock: FrozenClock
) -> None:
    job = await factories.make_job(db, world.org)
    await db.commit()
    frozen_clock.advance(timedelta(days=3))
    await world.api("member").patch(f"/api/v1/jobs/{job.id}", json={"status": "closed"})

    data = json_ld((await client.get(f"/careers/{world.org.slug}/jobs/{job.id}")).text)

    check_job_posting(data)
    valid_through = datetime.fromisoformat(str(data["validThrough"]))
    posted = datetime.fromisoformat(str(data["datePosted"]))
    assert valid_through - posted >= timedelta(days=3)
    assert valid_through <= frozen_clock.current
