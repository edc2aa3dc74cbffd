"""The jobs pages: a list to filter and search, a title to start, an editor to finish."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.models import Applicant, Job, JobStatus

pytestmark = pytest.mark.usefixtures("dialect")


def jobs_page(world: World) -> str:
    return f"/dashboard/{world.org.slug}/jobs"


def listed(html: str) -> list[str]:
    return re.findall(r'<td><a href="/dashboard/[^"]+/jobs/[^"]+">([^<]*)</a></td>', html)


async def test_the_list_filters_by_status_and_search_and_shows_applicant_counts(
    db: AsyncSession, world: World
) -> None:
    backend = await factories.make_job(db, world.org, title="Backend Engineer")
    await factories.make_job(db, world.org, title="Designer", status=JobStatus.DRAFT)
    await factories.make_job(db, world.other_org, title="Not ours")
    for _ in range(4):
        await factories.make_applicant(db, backend)
    await db.commit()
    browser = world.browser("member")

    everything = await browser.get(jobs_page(world))
    drafts = await browser.get(jobs_page(world), params={"status": "draft"})
    searched = await browser.get(
        jobs_page(world), params={"q": "backend"}, headers={"hx-request": "true"}
    )

    assert everything.status_code == 200
    assert sorted(listed(everything.text)) == ["Backend Engineer", "Designer"]
    assert 'aria-label="4 applicants for Backend Engineer">4</a>' in everything.text
    assert listed(drafts.text) == ["Designer"]
    assert '<option value="draft" selected>' in drafts.text
    assert listed(searched.text) == ["Backend Engineer"]
    assert searched.text.startswith('<div id="jobs-table">')
    assert "1 job matches your filters" in searched.text


async def test_a_job_starts_with_a_title_and_the_editor_opens_at_once(
    db: AsyncSession, world: World
) -> None:
    browser = world.browser("member")

    response = await browser.post(jobs_page(world), data={"title": "Data Analyst"})

    assert response.status_code == 303
    job = await db.scalar(select(Job).where(Job.title == "Data Analyst"))
    assert job is not None
    assert job.status is JobStatus.DRAFT
    assert response.headers["location"] == f"{jobs_page(world)}/{job.id}"
    editor = await browser.get(response.headers["location"])
    assert editor.status_code == 200
    assert "<h1>Data Analyst</h1>" in editor.text
    assert "Job created." in editor.text
    assert '<datalist id="country-list">' in editor.text
    assert '<option value="Germany">' in editor.text


async def test_a_job_without_a_title_is_refused_on_the_list_page(world: World) -> None:
    response = await world.browser("member").post(jobs_page(world), data={"title": "  "})

    assert response.status_code == 422
    assert "Title is required" in response.text


async def test_the_editor_saves_every_field_and_publishes(db: AsyncSession, world: World) -> None:
    category = await factories.make_category(db, world.org, name="Platform")
    job = await factories.make_job(db, world.org, title="Draft title", status=JobStatus.DRAFT)
    await db.commit()
    browser = world.browser("member")
    url = f"{jobs_page(world)}/{job.id}"

    response = await browser.post(
        url,
        data={
            "title": "Backend Engineer",
            "type": "contract",
            "categoryId": category.id,
            "country": "Portugal",
            "city": "Lisbon",
            "workMode": "remote",
            "description": "## Stack\n\nPython",
            "status": "published",
        },
    )

    assert response.status_code == 303
    await db.refresh(job)
    assert job.title == "Backend Engineer"
    assert job.type == "contract"
    assert job.category_id == category.id
    assert job.country == "PT"
    assert job.city == "Lisbon"
    assert job.remote is True
    assert job.status is JobStatus.PUBLISHED
    assert job.published_at is not None
    editor = await browser.get(url)
    assert "Published. The job is live on your careers page." in editor.text
    assert 'value="Portugal"' in editor.text
    assert "View on careers page" in editor.text


async def test_leaving_optional_fields_empty_clears_them(db: AsyncSession, world: World) -> None:
    category = await factories.make_category(db, world.org, name="Platform")
    job = await factories.make_job(db, world.org, category=category, remote=True)
    await db.commit()

    response = await world.browser("member").post(
        f"{jobs_page(world)}/{job.id}",
        data={"title": job.title, "type": "fulltime", "status": "published", "country": ""},
    )

    assert response.status_code == 303
    await db.refresh(job)
    assert job.category_id is None
    assert job.country is None
    assert job.city is None
    assert job.remote is False
    assert job.description == ""


async def test_editor_errors_show_next_to_fields_and_keep_what_was_typed(
    db: AsyncSession, world: World
) -> None:
    theirs = await factories.make_category(db, world.other_org, name="Theirs")
    job = await factories.make_job(db, world.org, title="Kept")
    await db.commit()
    url = f"{jobs_page(world)}/{job.id}"
    browser = world.browser("member")

    bad_country = await browser.post(
        url, data={"title": "New", "country": "Atlantis", "description": "typed text"}
    )
    foreign_category = await browser.post(url, data={"title": "New", "categoryId": theirs.id})

    assert bad_country.status_code == 422
    assert "Choose a country from the list" in bad_country.text
    assert 'value="Atlantis"' in bad_country.text
    assert "typed text</textarea>" in bad_country.text
    assert foreign_category.status_code == 422
    assert "Category does not exist" in foreign_category.text
    await db.refresh(job)
    assert job.title == "Kept"


async def test_the_preview_renders_markdown_safely(world: World, db: AsyncSession) -> None:
    job = await factories.make_job(db, world.org)
    await db.commit()

    response = await world.browser("member").post(
        f"{jobs_page(world)}/{job.id}/preview",
        data={"description": "**Hi** <img src=x onerror=alert(1)>"},
        headers={"hx-request": "true"},
    )

    assert response.status_code == 200
    assert "<strong>Hi</strong>" in response.text
    assert "onerror" not in response.text
    assert "<html" not in response.text


async def test_deleting_needs_the_title_typed_and_says_what_goes(
    db: AsyncSession, world: World
) -> None:
    job = await factories.make_job(db, world.org, title="Backend Engineer")
    for _ in range(3):
        await factories.make_applicant(db, job)
    await db.commit()
    browser = world.browser("member")
    url = f"{jobs_page(world)}/{job.id}"

    editor = await browser.get(url)
    wrong = await browser.post(f"{url}/delete", data={"confirm": "Backend"})
    right = await browser.post(f"{url}/delete", data={"confirm": "Backend Engineer"})
    after = await browser.get(jobs_page(world))

    assert "its 3 applicants</strong>" in editor.text
    assert 'data-expected="Backend Engineer"' in editor.text
    assert wrong.status_code == 422
    assert "Type the job&#39;s title exactly as shown to delete it" in wrong.text
    assert right.status_code == 303
    assert "Deleted “Backend Engineer” and its 3 applicants." in after.text
    assert await db.get(Job, job.id, populate_existing=True) is None
    left = await db.scalars(select(Applicant.id).where(Applicant.organization_id == world.org.id))
    assert list(left) == []


async def test_another_organizations_job_is_not_found_in_the_editor(
    db: AsyncSession, world: World
) -> None:
    theirs = await factories.make_job(db, world.other_org, title="Theirs")
    await db.commit()
    browser = world.browser("member")

    assert (await browser.get(f"{jobs_page(world)}/{theirs.id}")).status_code == 404
    saved = await browser.post(f"{jobs_page(world)}/{theirs.id}", data={"title": "Mine now"})
    deleted = await browser.post(
        f"{jobs_page(world)}/{theirs.id}/delete", data={"confirm": "Theirs"}
    )
    assert saved.status_code == 404
    assert deleted.status_code == 404
    await db.refresh(theirs)
    assert theirs.title == "Theirs"


async def test_a_draft_has_a_publish_button_and_a_published_job_its_link(
    db: AsyncSession, world: World
) -> None:
    draft = await factories.make_job(db, world.org, title="Barista", status=JobStatus.DRAFT)
    live = await factories.make_job(db, world.org, title="Baker")
    await db.commit()
    browser = world.browser("member")
    public = f"http://testserver/careers/{world.org.slug}/jobs/{live.id}"

    listing = (await browser.get(jobs_page(world))).text
    assert f'action="/dashboard/{world.org.slug}/jobs/{draft.id}/publish"' in listing
    assert f'data-copy="{public}"' in listing
    assert f'href="{public}">View' in listing
    assert f"/jobs/{live.id}/publish" not in listing
    assert 'data-copy="http://testserver/careers/' + world.org.slug + f'/jobs/{draft.id}"' not in (
        listing
    )

    editor = (await browser.get(f"{jobs_page(world)}/{draft.id}")).text
    assert f'action="/dashboard/{world.org.slug}/jobs/{draft.id}/publish"' in editor
    published = await browser.post(f"{jobs_page(world)}/{draft.id}/publish")
    assert published.status_code == 303
    assert published.headers["location"] == f"{jobs_page(world)}/{draft.id}"
    await db.refresh(draft)
    assert draft.status is JobStatus.PUBLISHED
    assert draft.published_at is not None
    editor = (await browser.get(f"{jobs_page(world)}/{draft.id}")).text
    assert "Published. The job is live on your careers page." in editor
    assert "View on careers page" in editor
    assert f'data-copy="http://testserver/careers/{world.org.slug}/jobs/{draft.id}"' in editor
