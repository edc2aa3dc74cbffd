"""Where candidates come from and how far they get: tracked links carried through applying,
page views counted without cookies and flushed off the request path, and the funnel report."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import Upload, apply, candidate, human_form_token, pdf_bytes
from tests.fixtures.world import World
from wegotwork.analytics.backfill import backfill
from wegotwork.analytics.funnel import median_of
from wegotwork.clock import FrozenClock
from wegotwork.db import Database
from wegotwork.deps import Services
from wegotwork.models import Applicant, ApplicantStatus, PageViewDaily, TaskLease
from wegotwork.tasks import Runner

pytestmark = pytest.mark.usefixtures("dialect")


def sources_url(world: World) -> str:
    return f"/api/v1/organizations/{world.org.id}/sources"


def analytics_url(world: World) -> str:
    return f"/api/v1/organizations/{world.org.id}/analytics"


async def test_a_team_creates_tracked_links(world: World) -> None:
    api = world.api("member")

    created = await api.post(sources_url(world), json={"name": "LinkedIn"})
    second = await api.post(sources_url(world), json={"name": "Linked-In"})
    again = await api.post(sources_url(world), json={"name": "linkedin"})
    empty = await api.post(sources_url(world), json={"name": "  "})

    assert created.status_code == 201
    source = created.json()["source"]
    assert (source["name"], source["code"]) == ("LinkedIn", "linkedin")
    assert source["url"] == f"http://testserver/careers/{world.org.slug}?src=linkedin"
    assert second.json()["source"]["code"] == "linked-in"
    assert again.status_code == 409
    assert empty.status_code == 422
    listed = (await api.get(sources_url(world))).json()["sources"]
    assert [item["name"] for item in listed] == ["Linked-In", "LinkedIn"]
    assert (await world.api("outsider").get(sources_url(world))).status_code == 404


async def test_a_tracked_link_is_carried_through_applying_to_the_applicant(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, title="Designer")
    await db.commit()
    await world.api("member").post(sources_url(world), json={"name": "LinkedIn"})

    careers = await client.get(f"/careers/{world.org.slug}?src=linkedin")
    assert f"/jobs/{job.id}?src=linkedin" in careers.text
    page = await client.get(f"/careers/{world.org.slug}/jobs/{job.id}?src=linkedin")
    assert '<input type="hidden" name="source" value="linkedin">' in page.text
    sent = await client.post(
        f"/careers/{world.org.slug}/jobs/{job.id}/apply",
        data={
            **candidate(email="ada@example.com"),
            "source": "linkedin",
            "renderedAt": human_form_token(),
        },
        files={"resume": ("cv.pdf", pdf_bytes(), "application/pdf")},
    )
    assert sent.status_code == 303, sent.text
    by_api = await apply(
        client,
        job.id,
        {**candidate(email="grace@example.com"), "source": "newsletter-march"},
        Upload("cv.pdf", pdf_bytes()),
    )
    assert by_api.status_code == 201, by_api.text

    sources = dict((await db.execute(select(Applicant.email, Applicant.source))).tuples().all())
    assert sources == {"ada@example.com": "LinkedIn", "grace@example.com": "newsletter-march"}

    member = world.browser("member")
    listing = await member.get(
        f"/dashboard/{world.org.slug}/applicants", params={"source": "LinkedIn"}
    )
    assert "ada@example.com" in listing.text or "Ada Lovelace" in listing.text
    assert "grace@example.com" not in listing.text
    exported = await member.get(
        f"/dashboard/{world.org.slug}/applicants/export.csv", params={"source": "LinkedIn"}
    )
    lines = exported.text.splitlines()
    assert "Source" in lines[0]
    assert len(lines) == 2
    assert "LinkedIn" in lines[1]
    ada = await db.scalar(select(Applicant.id).where(Applicant.email == "ada@example.com"))
    detail = await member.get(f"/dashboard/{world.org.slug}/applicants/{ada}")
    assert re.search(r'class="applicant-source">LinkedIn<', detail.text)
    api_list = await world.api("member").get(
        f"/api/v1/organizations/{world.org.id}/applicants", params={"source": "LinkedIn"}
    )
    assert [row["source"] for row in api_list.json()["applicants"]] == ["LinkedIn"]


async def test_page_views_are_counted_without_cookies_and_flushed_off_the_request_path(
    db: AsyncSession, world: World, client: httpx.AsyncClient, services: Services, app: FastAPI
) -> None:
    job = await factories.make_job(db, world.org)
    await db.commit()
    await world.api("member").post(sources_url(world), json={"name": "LinkedIn"})
    careers = f"/careers/{world.org.slug}"

    first = await client.get(careers)
    await client.get(careers, headers={"if-none-match": first.headers["etag"]})
    await client.get(f"{careers}?src=linkedin")
    await client.get(f"{careers}/jobs/{job.id}?utm_source=newsletter")
    await client.get(f"{careers}/jobs/made-up-id")
    await client.get(careers, headers={"user-agent": "Googlebot/2.1"})
    await client.get(careers, headers={"hx-request": "true"})
    assert "set-cookie" not in first.headers
    assert await db.scalar(select(func.count()).select_from(PageViewDaily)) == 0

    stored = await app.state.views.flush(services.db)

    assert stored == 4
    rows = (
        (await db.execute(select(PageViewDaily.job_id, PageViewDaily.source, PageViewDaily.views)))
        .tuples()
        .all()
    )
    assert sorted(rows, key=str) == sorted(
        [(None, "", 2), (None, "LinkedIn", 1), (job.id, "newsletter", 1)], key=str
    )
    await client.get(careers)
    await app.state.views.flush(services.db)
    direct = await db.scalar(
        select(PageViewDaily.views).where(
            PageViewDaily.job_id.is_(None), PageViewDaily.source == ""
        )
    )
    assert direct == 3


async def test_views_of_an_organization_deleted_before_the_flush_do_not_stop_the_others(
    db: AsyncSession, world: World, client: httpx.AsyncClient, services: Services, app: FastAPI
) -> None:
    gone = await factories.make_org(db, world.users["outsider"], name="Gone Soon")
    await db.commit()
    await client.get(f"/careers/{world.org.slug}")
    await client.get(f"/careers/{gone.slug}")
    await client.get(f"/careers/{gone.slug}?src=linkedin")
    deleted = await world.browser("outsider").post(
        "/api/auth/organization/delete", json={"organizationId": gone.id}
    )
    assert deleted.status_code == 200, deleted.text

    stored = await app.state.views.flush(services.db)

    assert stored == 1
    rows = (await db.execute(select(PageViewDaily.organization_id, PageViewDaily.views))).all()
    assert [tuple(row) for row in rows] == [(world.org.id, 1)]
    assert len(app.state.views) == 0  # nothing kept back to fail the next flush
    await client.get(f"/careers/{world.org.slug}")
    assert await app.state.views.flush(services.db) == 1


async def test_the_funnel_counts_steps_conversion_and_median_days(
    db: AsyncSession, world: World, client: httpx.AsyncClient, frozen_clock: FrozenClock
) -> None:
    job = await factories.make_job(db, world.org, title="Engineer")
    await db.commit()
    await world.api("member").post(sources_url(world), json={"name": "LinkedIn"})
    api = world.api("member")
    for email, source in (("a@example.com", "linkedin"), ("b@example.com", "")):
        fields = candidate(email=email)
        if source:
            fields["source"] = source
        assert (
            await apply(client, job.id, fields, Upload("cv.pdf", pdf_bytes()))
        ).status_code == 201
    hired, rejected = [
        await db.scalar(select(Applicant.id).where(Applicant.email == email))
        for email in ("a@example.com", "b@example.com")
    ]

    async def move(applicant: str | None, status: str, days: int) -> None:
        frozen_clock.advance(timedelta(days=days))
        response = await api.patch(f"/api/v1/applicants/{applicant}", json={"status": status})
        assert response.status_code == 200

    await move(rejected, "REJECTED", 1)
    await move(hired, "UNDERREVIEW", 1)  # two days after applying
    await move(hired, "OFFER", 3)  # straight past the interview
    await move(hired, "HIRED", 4)

    report = (await api.get(analytics_url(world))).json()["analytics"]

    total = report["total"]
    assert total["applications"] == 2
    assert (total["hired"], total["rejected"]) == (1, 1)
    assert total["medianDaysToHire"] == 9
    steps = {step["key"]: step for step in total["steps"]}
    assert [steps[key]["reached"] for key in steps] == [2, 1, 1, 1, 1]
    assert steps["INTERVIEW"]["conversion"] == 0.5
    assert steps["UNDERREVIEW"]["stepConversion"] == 0.5
    assert steps["SUBMITTED"]["medianDays"] == 1.5  # one day and two days
    assert steps["UNDERREVIEW"]["medianDays"] == 3
    by_source = {row["name"]: row for row in report["bySource"]}
    assert by_source["LinkedIn"]["hired"] == 1
    assert by_source["Direct"]["rejected"] == 1
    assert [row["name"] for row in report["byJob"]] == ["Engineer"]

    # Erasing a candidate keeps the counts.
    assert (await api.delete(f"/api/v1/applicants/{hired}")).status_code == 200
    after = (await api.get(analytics_url(world))).json()["analytics"]["total"]
    assert after["hired"] == 1

    none = await api.get(analytics_url(world), params={"from": "2020-01-01", "to": "2020-01-31"})
    assert none.json()["analytics"]["total"]["applications"] == 0
    backwards = await api.get(
        analytics_url(world), params={"from": "2021-01-02", "to": "2021-01-01"}
    )
    assert backwards.status_code == 422
    assert "from" in backwards.json()["fieldErrors"]
    other = await api.get(analytics_url(world), params={"jobId": "not-ours"})
    assert other.status_code == 404


async def test_the_analytics_page_draws_charts_with_their_tables(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, title="Engineer")
    await db.commit()
    await apply(client, job.id, candidate(), Upload("cv.pdf", pdf_bytes()))

    page = await world.browser("member").get(f"/dashboard/{world.org.slug}/analytics")

    assert page.status_code == 200
    assert page.text.count('<svg class="chart" role="img"') == 2
    assert 'id="funnel-table"' in page.text
    assert "<script" not in page.text.split("<main", 1)[-1].split("</main>")[0]
    assert "Engineer" in page.text
    created = await world.browser("member").post(
        f"/dashboard/{world.org.slug}/analytics/sources", data={"name": "Job fair"}
    )
    assert created.status_code == 303
    again = await world.browser("member").get(f"/dashboard/{world.org.slug}/analytics")
    assert f"/careers/{world.org.slug}?src=job-fair" in again.text


def test_a_median_from_counts() -> None:
    assert median_of([]) is None
    assert median_of([(3, 1)]) == 3
    assert median_of([(1, 1), (2, 1)]) == 1.5
    assert median_of([(5, 2), (1, 1)]) == 5
    assert median_of([(0, 2), (10, 2)]) == 5


async def test_a_leased_job_runs_in_one_process_at_a_time(
    db: AsyncSession, database: Database, frozen_clock: FrozenClock
) -> None:
    first, second = Runner(database, holder="one"), Runner(database, holder="two")
    runs: list[str] = []

    async def job() -> None:
        runs.append("ran")

    assert await first.acquire("report", 60) is True
    assert await second.acquire("report", 60) is False
    frozen_clock.advance(timedelta(seconds=61))  # the first process died: its lease expires
    assert await second.acquire("report", 60) is True
    await second.release("report")
    first.add("report", 1, job)
    assert await first.run_once() == ["report"]
    assert runs == ["ran"]
    lease = await db.scalar(select(TaskLease).where(TaskLease.name == "report"))
    assert lease is not None
    await db.refresh(lease)
    assert lease.holder == "one"
    assert lease.last_run_at is not None


async def test_applicants_from_before_the_counters_are_counted_once_by_the_backfill(
    db: AsyncSession, world: World
) -> None:
    job = await factories.make_job(db, world.org, title="Engineer")
    for status in (
        ApplicantStatus.SUBMITTED,
        ApplicantStatus.INTERVIEW,
        ApplicantStatus.HIRED,
        ApplicantStatus.REJECTED,
    ):
        await factories.make_applicant(db, job, status=status)
    await db.commit()

    assert await backfill(db) == [world.org.id]
    assert await backfill(db) == []  # already counted: nothing changes
    await db.commit()

    report = (await world.api("member").get(analytics_url(world))).json()["analytics"]["total"]
    assert [step["reached"] for step in report["steps"]] == [4, 2, 2, 1, 1]
    assert (report["hired"], report["rejected"]) == (1, 1)
