"""What search engines and job boards read: every public page's JSON-LD validated against the
JobPosting properties Google documents (required and recommended), the careers listing's
ItemList, and the XML feed, parsed by lxml."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import jsonschema
import pytest
from lxml import etree
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.careers.jobs_feed import PIECES, FeedPieces
from wegotwork.models import (
    ExperienceLevel,
    Job,
    JobStatus,
    JobType,
    Organization,
    SalaryInterval,
    WorkMode,
)

pytestmark = pytest.mark.usefixtures("dialect")

DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
EMPLOYMENT = [
    "FULL_TIME",
    "PART_TIME",
    "CONTRACTOR",
    "TEMPORARY",
    "INTERN",
    "VOLUNTEER",
    "PER_DIEM",
    "OTHER",
]
ADDRESS = {
    "type": "object",
    "required": ["@type"],
    "properties": {
        "@type": {"const": "PostalAddress"},
        "streetAddress": {"type": "string", "minLength": 1},
        "addressLocality": {"type": "string", "minLength": 1},
        "addressRegion": {"type": "string", "minLength": 1},
        "postalCode": {"type": "string", "minLength": 1},
        "addressCountry": {"type": "string", "pattern": "^[A-Z]{2}$"},
    },
    "minProperties": 2,
}
# Google's JobPosting documentation: required properties, and the recommended ones we hold
# (baseSalary only when the job shows its pay; validThrough when it has an end).
JOB_POSTING: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "@context",
        "@type",
        "title",
        "description",
        "datePosted",
        "hiringOrganization",
        "employmentType",
        "identifier",
        "directApply",
        "experienceRequirements",
    ],
    "properties": {
        "@context": {"enum": ["https://schema.org/", "https://schema.org"]},
        "@type": {"const": "JobPosting"},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1},
        "datePosted": {"type": "string", "pattern": DATE_TIME},
        "validThrough": {"type": "string", "pattern": DATE_TIME},
        "employmentType": {
            "oneOf": [
                {"enum": EMPLOYMENT},
                {"type": "array", "items": {"enum": EMPLOYMENT}, "minItems": 1},
            ]
        },
        "hiringOrganization": {
            "type": "object",
            "required": ["@type", "name"],
            "properties": {"@type": {"const": "Organization"}, "name": {"type": "string"}},
        },
        "identifier": {
            "type": "object",
            "required": ["@type", "name", "value"],
            "properties": {"@type": {"const": "PropertyValue"}},
        },
        "directApply": {"const": True},
        "jobLocation": {
            "type": "object",
            "required": ["@type", "address"],
            "properties": {"@type": {"const": "Place"}, "address": ADDRESS},
        },
        "jobLocationType": {"const": "TELECOMMUTE"},
        "applicantLocationRequirements": {
            "type": "object",
            "required": ["@type", "name"],
            "properties": {"@type": {"const": "Country"}},
        },
        "baseSalary": {
            "type": "object",
            "required": ["@type", "currency", "value"],
            "properties": {
                "@type": {"const": "MonetaryAmount"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "value": {
                    "type": "object",
                    "required": ["@type", "unitText"],
                    "properties": {
                        "@type": {"const": "QuantitativeValue"},
                        "unitText": {"enum": ["HOUR", "DAY", "WEEK", "MONTH", "YEAR"]},
                        "value": {"type": "number", "minimum": 0},
                        "minValue": {"type": "number", "minimum": 0},
                        "maxValue": {"type": "number", "minimum": 0},
                    },
                    "oneOf": [{"required": ["value"]}, {"required": ["minValue", "maxValue"]}],
                },
            },
        },
        "experienceRequirements": {
            "oneOf": [
                {"const": "no requirements"},
                {
                    "type": "object",
                    "required": ["@type", "monthsOfExperience"],
                    "properties": {
                        "@type": {"const": "OccupationalExperienceRequirements"},
                        "monthsOfExperience": {"type": "integer", "minimum": 1},
                    },
                },
            ]
        },
    },
    # A job is somewhere, or it is fully remote (TELECOMMUTE).
    "anyOf": [{"required": ["jobLocation"]}, {"required": ["jobLocationType"]}],
    # A fully remote job says it, and where applicants may live when the job names a country.
    "if": {"required": ["jobLocationType"]},
    "then": {"not": {"required": ["jobLocation"]}},
}
ITEM_LIST: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["@context", "@type", "itemListElement"],
    "properties": {
        "@type": {"const": "ItemList"},
        "itemListElement": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["@type", "position", "url"],
                "properties": {
                    "@type": {"const": "ListItem"},
                    "position": {"type": "integer", "minimum": 1},
                    "url": {"type": "string", "pattern": "^https?://"},
                },
            },
        },
    },
}


def json_ld(html: str) -> dict[str, Any]:
    [found] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data: dict[str, Any] = json.loads(found)
    return data


async def a_range_of_jobs(db: AsyncSession, world: World) -> list[Any]:
    org = world.org
    return [
        await factories.make_job(
            db,
            org,
            title="Senior Backend Engineer",
            work_mode=WorkMode.HYBRID,
            experience_level=ExperienceLevel.SENIOR,
            address="Torstraße 1",
            postal_code="10119",
            region="Berlin",
            salary_min=70000,
            salary_max=90000,
            salary_currency="EUR",
            salary_interval=SalaryInterval.YEAR,
            show_salary=True,
            valid_through=datetime(2030, 1, 31, tzinfo=UTC),
            type=JobType.FULLTIME_PARTTIME,
        ),
        await factories.make_job(
            db,
            org,
            title="Remote Support",
            remote=True,
            city=None,
            country="PT",
            experience_level=ExperienceLevel.ENTRY,
            salary_min=25,
            salary_currency="EUR",
            salary_interval=SalaryInterval.HOUR,
            show_salary=True,
        ),
        await factories.make_job(
            db, org, title="Remote Anywhere", remote=True, country=None, city=None
        ),
        await factories.make_job(
            db, org, title="Hidden pay", salary_min=1, salary_max=2, show_salary=False
        ),
        await factories.make_job(db, org, title="Closed role", status=JobStatus.CLOSED),
    ]


async def test_every_public_page_has_valid_structured_data(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    jobs = await a_range_of_jobs(db, world)
    await db.commit()

    listing = await client.get(f"/careers/{world.org.slug}")
    item_list = json_ld(listing.text)
    jsonschema.validate(item_list, ITEM_LIST)
    urls = [item["url"] for item in item_list["itemListElement"]]
    assert [item["position"] for item in item_list["itemListElement"]] == list(
        range(1, len(urls) + 1)
    )
    assert len(urls) == 4  # the published ones, not the closed one

    postings = {}
    for job in jobs:
        page = await client.get(f"/careers/{world.org.slug}/jobs/{job.id}")
        # a closed job's page is gone for good (410) yet still says what the job was
        assert page.status_code == (410 if job.status == JobStatus.CLOSED else 200)
        data = json_ld(page.text)
        jsonschema.validate(data, JOB_POSTING)
        postings[job.title] = data

    hybrid = postings["Senior Backend Engineer"]
    assert hybrid["employmentType"] == ["FULL_TIME", "PART_TIME"]
    assert hybrid["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "EUR",
        "value": {
            "@type": "QuantitativeValue",
            "minValue": 70000,
            "maxValue": 90000,
            "unitText": "YEAR",
        },
    }
    assert hybrid["jobLocation"]["address"]["streetAddress"] == "Torstraße 1"
    assert "jobLocationType" not in hybrid
    assert hybrid["validThrough"] == "2030-01-31T00:00:00Z"
    assert hybrid["experienceRequirements"]["monthsOfExperience"] == 60
    remote = postings["Remote Support"]
    assert remote["jobLocationType"] == "TELECOMMUTE"
    assert remote["applicantLocationRequirements"] == {"@type": "Country", "name": "Portugal"}
    assert remote["baseSalary"]["value"] == {
        "@type": "QuantitativeValue",
        "value": 25,
        "unitText": "HOUR",
    }
    assert remote["experienceRequirements"] == "no requirements"
    assert "baseSalary" not in postings["Hidden pay"]
    assert "validThrough" in postings["Closed role"]


async def test_the_careers_page_filters_by_work_mode_and_level_and_shows_pay(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    await a_range_of_jobs(db, world)
    await db.commit()
    careers = f"/careers/{world.org.slug}"

    hybrid = await client.get(careers, params={"workMode": "hybrid"})
    senior = await client.get(careers, params={"level": "senior"})
    entry = await client.get(careers, params={"level": "entry", "workMode": "remote"})

    assert "Senior Backend Engineer" in hybrid.text
    assert "Remote Support" not in hybrid.text
    assert "Senior Backend Engineer" in senior.text
    assert "Remote Support" not in senior.text
    assert "Remote Support" in entry.text
    assert "Senior Backend Engineer" not in entry.text
    assert "70.000\u00a0€–90.000\u00a0€ a year" in hybrid.text
    assert "Hidden pay" in (await client.get(careers)).text
    assert 'id="workMode"' in hybrid.text
    assert 'id="level"' in hybrid.text


def parse(body: bytes) -> Any:
    return etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))


async def test_the_job_board_feed_lists_published_jobs_as_well_formed_xml(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    jobs = await a_range_of_jobs(db, world)
    nasty = await factories.make_job(
        db,
        world.org,
        title="Tricky ]]> title \x07",
        description="Ends a CDATA ]]> here, and control \x01\x08\x0b\x1f characters; <b>bold</b>",
    )
    await factories.make_job(db, world.org, title="A draft", status=JobStatus.DRAFT)
    await db.commit()

    response = await client.get(f"/careers/{world.org.slug}/jobs.xml")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    root = parse(response.content)
    assert root.tag == "source"
    listed = {job.findtext("referencenumber"): job for job in root.iter("job")}
    published = {job.id for job in jobs if job.status is JobStatus.PUBLISHED} | {nasty.id}
    assert set(listed) == published
    first = listed[jobs[0].id]
    assert first.findtext("title") == "Senior Backend Engineer"
    assert first.findtext("salary") == "70.000\u00a0€–90.000\u00a0€ a year"
    assert first.findtext("jobtype") == "fulltime, parttime"
    assert first.findtext("remotetype") == "Hybrid remote"
    assert first.findtext("experience") == "5+ years"
    assert first.findtext("postalcode") == "10119"
    assert first.findtext("country") == "Germany"
    assert first.findtext("url").endswith(f"/careers/{world.org.slug}/jobs/{jobs[0].id}")
    assert b"<![CDATA[Senior Backend Engineer]]>" in response.content
    assert listed[jobs[3].id].find("salary") is None  # the pay is hidden
    tricky = listed[nasty.id]
    assert tricky.findtext("title") == "Tricky ]]> title "
    assert "Ends a CDATA ]]&gt; here" in tricky.findtext("description")
    assert "\x01" not in tricky.findtext("description")

    same = await client.get(f"/jobs.xml?org={world.org.slug}")
    assert same.status_code == 200
    assert {job.findtext("referencenumber") for job in parse(same.content).iter("job")} == (
        published
    )


async def test_the_feed_starts_before_reading_and_names_the_organization_it_resolved(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, title="Any case")
    await db.commit()

    # The slug in any case is the same site: the same document, with the canonical URLs.
    lower = await client.get(f"/careers/{world.org.slug}/jobs.xml")
    upper = await client.get(f"/careers/{world.org.slug.upper()}/jobs.xml")
    assert upper.status_code == 200
    assert upper.content == lower.content
    root = parse(upper.content)
    assert root.findtext("publisherurl").endswith(f"/careers/{world.org.slug}")
    listed = root.find("job")
    assert listed.findtext("referencenumber") == job.id
    assert listed.findtext("company") == world.org.name

    # Two organizations named in one query: the app reads the last, and so does the cache's
    # version, so the document is never kept under the other's content version.
    other = await factories.make_org(db, name="Other Works")
    elsewhere = await factories.make_job(db, other, title="Elsewhere")
    await db.commit()
    query = [("org", world.org.slug), ("org", other.slug)]
    both = await client.get("/jobs.xml", params=query)
    assert both.status_code == 200
    assert parse(both.content).findtext("publisherurl").endswith(f"/careers/{other.slug}")
    assert {item.findtext("company") for item in parse(both.content).iter("job")} == {other.name}
    # A change to that organization's site shows at once (the first one's version is unchanged).
    await db.execute(update(Job).where(Job.id == elsewhere.id).values(title="Moved"))
    await db.execute(
        update(Organization)
        .where(Organization.id == other.id)
        .values(content_version=Organization.content_version + 1)
    )
    await db.commit()
    again = await client.get("/jobs.xml", params=query)
    assert parse(again.content).find("job").findtext("title") == "Moved"

    missing = await client.get("/careers/no-such-organization/jobs.xml")
    assert missing.status_code == 404


async def test_the_feed_is_cached_until_the_careers_content_changes(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, title="First")
    await db.commit()
    feed = f"/careers/{world.org.slug}/jobs.xml"

    first = await client.get(feed)
    etag = first.headers["etag"]
    again = await client.get(feed, headers={"if-none-match": etag})
    assert again.status_code == 304
    cached = await client.get(feed)
    assert cached.content == first.content
    assert cached.headers["content-encoding"] == "gzip"  # compressed once it was kept

    renamed = await world.api("member").patch(f"/api/v1/jobs/{job.id}", json={"title": "Second"})
    assert renamed.status_code == 200
    after = await client.get(feed, headers={"if-none-match": etag})
    assert after.status_code == 200
    assert parse(after.content).find("job").findtext("title") == "Second"


async def test_a_render_reuses_a_jobs_element_only_while_the_values_it_shows_are_unchanged(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    jobs = await a_range_of_jobs(db, world)
    await db.commit()
    feed = f"/careers/{world.org.slug}/jobs.xml"
    before = parse((await client.get(feed)).content)
    assert {job.findtext("referencenumber") for job in before.iter("job")} >= {jobs[0].id}

    # A change made behind the app's back (no new update time), then one through it: the next
    # render must show both, though the first job's element was kept.
    await db.execute(
        update(Job)
        .where(Job.id == jobs[0].id)
        .values(description_html="<p>Changed quietly</p>", updated_at=jobs[0].updated_at)
    )
    await db.commit()
    renamed = await world.api("member").patch(
        f"/api/v1/jobs/{jobs[1].id}", json={"title": "Renamed"}
    )
    assert renamed.status_code == 200
    after = await client.get(feed)
    listed = {job.findtext("referencenumber"): job for job in parse(after.content).iter("job")}
    assert listed[jobs[0].id].findtext("description") == "<p>Changed quietly</p>"
    assert listed[jobs[1].id].findtext("title") == "Renamed"

    # Exactly what a render without any kept element writes.
    PIECES.clear()
    fresh = await client.get(feed, params={"fresh": "1"})
    assert fresh.content == after.content


def test_kept_elements_are_bounded_and_dropped_when_the_organization_changes() -> None:
    pieces = FeedPieces(max_bytes=4_000)
    row = ("job-1", "Title", "<p>" + "x" * 1_000 + "</p>")
    pieces.replace("org-a", ("Alpha", "alpha"), {"job-1": (row, b"<job>a</job>")})
    assert pieces.kept("org-a", ("Alpha", "alpha")) == {"job-1": (row, b"<job>a</job>")}
    # Renamed: nothing written under the old name is reused.
    assert pieces.kept("org-a", ("Alpha Works", "alpha")) == {}

    pieces.replace("org-b", ("Beta", "beta"), {"job-2": (row, b"<job>b</job>" * 100)})
    pieces.replace("org-c", ("Gamma", "gamma"), {"job-3": (row, b"<job>c</job>" * 100)})
    assert pieces.size <= 4_000
    assert pieces.kept("org-a", ("Alpha", "alpha")) == {}  # the least recently used went first
    assert pieces.kept("org-c", ("Gamma", "gamma")) != {}
    pieces.replace("org-d", ("Delta", "delta"), {"job-4": (row, b"x" * 5_000)})
    assert pieces.kept("org-d", ("Delta", "delta")) == {}  # larger than the bound: not kept
