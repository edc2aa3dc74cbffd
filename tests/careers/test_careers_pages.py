"""A visitor finds jobs on an organization's careers page, without signing in."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork import cookies as signed
from wegotwork.clock import FrozenClock
from wegotwork.content import bump_content_version
from wegotwork.deps import Services
from wegotwork.models import JobStatus, JobType
from wegotwork.templating import FLASH_COOKIE

pytestmark = pytest.mark.usefixtures("dialect")


def job_titles(html: str) -> list[str]:
    return re.findall(r'<span class="job-title">([^<]*)</span>', html)


def group_names(html: str) -> list[str]:
    return re.findall(r'<h3 id="g\d+">([^<]*)</h3>', html)


async def test_the_careers_page_groups_jobs_by_category_in_order_newest_first(
    db: AsyncSession, world: World, client: httpx.AsyncClient, frozen_clock: FrozenClock
) -> None:
    org = world.org
    org.description = "We make tools for bakers."
    org.website = "https://alpha.example"
    design = await factories.make_category(db, org, name="Design", position=-1)
    platform = await factories.make_category(db, org, name="Platform", position=50)
    await factories.make_category(db, org, name="Empty team", position=60)
    await factories.make_job(db, org, title="Old platform job", category=platform)
    frozen_clock.advance(timedelta(hours=1))
    await factories.make_job(db, org, title="New platform job", category=platform)
    await factories.make_job(db, org, title="Designer", category=design)
    await factories.make_job(db, org, title="Generalist")
    await factories.make_job(db, org, title="Secret draft", status=JobStatus.DRAFT)
    await factories.make_job(db, org, title="Closed role", status=JobStatus.CLOSED)
    await factories.make_job(db, world.other_org, title="Someone else's job")
    await db.commit()

    response = await client.get(f"/careers/{org.slug}")

    assert response.status_code == 200
    html = response.text
    assert f'<h1 id="careers-title">Careers at {org.name}</h1>' in html
    assert "We make tools for bakers." in html
    assert 'href="https://alpha.example"' in html
    assert group_names(html) == ["Design", "Platform", "Other jobs"]
    assert job_titles(html) == ["Designer", "New platform job", "Old platform job", "Generalist"]
    assert "4 open positions" in html
    assert "Empty team" not in html
    assert "Secret draft" not in html
    assert "Closed role" not in html
    assert "Someone else" not in html


async def test_the_slug_is_matched_whatever_its_case_and_unknown_ones_are_404(
    world: World, client: httpx.AsyncClient
) -> None:
    assert (await client.get(f"/careers/{world.org.slug.upper()}")).status_code == 200
    missing = await client.get("/careers/no-such-company")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]


async def test_filters_work_as_a_plain_get_form(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    org = world.org
    platform = await factories.make_category(db, org, name="Platform")
    await factories.make_job(
        db, org, title="Backend Engineer", category=platform, description="We use Python."
    )
    await factories.make_job(
        db, org, title="Designer", country="FR", city="Paris", type=JobType.PARTTIME
    )
    await factories.make_job(db, org, title="Support", country="DE", city=None, remote=True)
    await db.commit()
    page = f"/careers/{org.slug}"

    async def titles(**params: str) -> list[str]:
        response = await client.get(page, params=params)
        assert response.status_code == 200
        return sorted(job_titles(response.text))

    assert await titles(q="python") == ["Backend Engineer"]
    assert await titles(q="DESIGN") == ["Designer"]
    assert await titles(category=platform.id) == ["Backend Engineer"]
    assert await titles(location="Paris, FR") == ["Designer"]
    assert await titles(location="DE") == ["Support"]
    assert await titles(type="parttime") == ["Designer"]
    assert await titles(remote="true") == ["Support"]
    assert await titles(q="python", type="parttime") == []
    # Unknown values mean "no filter" so that old links still show jobs.
    assert await titles(type="forever") == ["Backend Engineer", "Designer", "Support"]
    form = (await client.get(page)).text
    assert 'method="get"' in form
    for name in ("q", "category", "location", "type", "remote"):
        assert f'name="{name}"' in form
    assert '<option value="Paris, FR">Paris, France</option>' in form
    empty = (await client.get(page, params={"q": "astronaut"})).text
    assert "No job matches these filters" in empty
    assert "Show all 3 open positions" in empty


async def test_htmx_gets_only_the_results(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    await factories.make_job(db, world.org, title="Backend Engineer")
    await db.commit()

    response = await client.get(
        f"/careers/{world.org.slug}", params={"q": "backend"}, headers={"hx-request": "true"}
    )
    restore = await client.get(
        f"/careers/{world.org.slug}",
        headers={"hx-request": "true", "hx-history-restore-request": "true"},
    )

    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    # A live region outside the swapped results announces the new count.
    assert (
        '<p id="results-status" class="visually-hidden" role="status" hx-swap-oob="true">'
        "1 of 1 open position</p>"
    ) in response.text
    assert restore.text.count('id="results-status"') == 1
    assert job_titles(response.text) == ["Backend Engineer"]
    assert "Vary" in response.headers or "vary" in response.headers
    assert "HX-Request" in response.headers["vary"]
    assert "<html" in restore.text


async def test_an_organization_without_jobs_shows_an_empty_state(
    world: World, client: httpx.AsyncClient
) -> None:
    response = await client.get(f"/careers/{world.org.slug}")
    assert "No open positions right now" in response.text
    assert "0 open positions" in response.text


async def test_the_job_page_shows_the_job_and_its_details(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    category = await factories.make_category(db, world.org, name="Platform")
    job = await factories.make_job(
        db,
        world.org,
        title="Backend Engineer",
        category=category,
        description="## Stack\n\n- Python\n- [Our blog](https://blog.example)",
        type=JobType.CONTRACT,
        remote=True,
    )
    await db.commit()

    response = await client.get(f"/careers/{world.org.slug}/jobs/{job.id}")

    assert response.status_code == 200
    html = response.text
    assert '<h1 id="job-title">Backend Engineer</h1>' in html
    assert "Berlin, Germany · Remote" in html
    assert "<dd>Contract</dd>" in html
    assert "<dd>Platform</dd>" in html
    assert "<h2>Stack</h2>" in html  # the outline goes on from the h1: no level skipped
    assert '<a href="https://blog.example" rel="nofollow noopener">Our blog</a>' in html
    assert 'id="apply"' in html
    assert "no longer accepts applications" not in html


async def test_a_closed_job_says_it_no_longer_accepts_applications(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, title="Old role", status=JobStatus.CLOSED)
    await db.commit()

    response = await client.get(f"/careers/{world.org.slug}/jobs/{job.id}")

    assert response.status_code == 410
    assert "This job is closed." in response.text
    assert "no longer accepts applications" in response.text
    assert 'id="apply"' not in response.text
    assert f'href="/careers/{world.org.slug}">See open jobs at Alpha Works</a>' in response.text


async def test_drafts_and_other_organizations_jobs_have_no_public_page(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    draft = await factories.make_job(db, world.org, status=JobStatus.DRAFT)
    theirs = await factories.make_job(db, world.other_org)
    await db.commit()

    assert (await client.get(f"/careers/{world.org.slug}/jobs/{draft.id}")).status_code == 404
    assert (await client.get(f"/careers/{world.org.slug}/jobs/{theirs.id}")).status_code == 404
    assert (await client.get(f"/careers/{world.org.slug}/jobs/nope")).status_code == 404


async def test_an_unknown_job_answers_with_the_organizations_own_404(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    draft = await factories.make_job(db, world.org, status=JobStatus.DRAFT)
    await db.commit()
    for job_id in ("a-mistyped-id", draft.id):
        response = await client.get(f"/careers/{world.org.slug}/jobs/{job_id}")
        assert response.status_code == 404
        assert 'class="careers-header"' in response.text  # the company's header, not ours
        assert "We could not find that job" in response.text
        assert f'href="/careers/{world.org.slug}">See open jobs at Alpha Works</a>' in (
            response.text
        )
        assert '<meta name="robots" content="noindex">' in response.text
    # An organization that does not exist has no careers page to point at.
    missing = await client.get("/careers/no-such-company/jobs/a-mistyped-id")
    assert missing.status_code == 404
    assert 'class="careers-header"' not in missing.text


async def test_one_group_of_uncategorized_jobs_has_no_other_jobs_heading(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    await factories.make_job(db, world.org, title="Only Job")
    await db.commit()
    page = (await client.get(f"/careers/{world.org.slug}")).text
    assert "Only Job" in page
    assert "Other jobs" not in page


async def test_a_logo_is_shown_only_when_the_organization_has_one(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    without = (await client.get(f"/careers/{world.org.slug}")).text
    assert "<img" not in without
    org = world.org
    org.logo = f"logos/{org.id}/logo-abc.png"
    # Saving a profile bumps the content version (as the organization settings do).
    await bump_content_version(db, org.id)
    await db.commit()

    with_logo = (await client.get(f"/careers/{org.slug}")).text

    assert f'src="/media/logos/{org.id}/logo-abc.png"' in with_logo
    assert f'content="http://testserver/media/logos/{org.id}/logo-abc.png"' in with_logo


class _Landmarks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.labels: set[str] = set()
        self.inputs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if tag == "label" and values.get("for"):
            self.labels.add(str(values["for"]))
        if tag in {"input", "select"} and values.get("type") not in {"checkbox", "hidden"}:
            self.inputs.append(str(values.get("id")))


async def test_the_careers_page_is_accessible_and_small(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    categories = [await factories.make_category(db, world.org, name=f"Team {n}") for n in range(5)]
    for number in range(50):
        await factories.make_job(
            db,
            world.org,
            title=f"Senior Software Engineer {number}",
            category=categories[number % 5],
            remote=number % 3 == 0,
            description="## About the role\n\n" + "Join a small team that ships. " * 20,
        )
    await db.commit()

    response = await client.get(f"/careers/{world.org.slug}", headers={"accept-encoding": "gzip"})

    html = response.text
    assert len(job_titles(html)) == 50
    assert len(html.encode()) <= 40 * 1024
    assert response.headers["content-encoding"] == "gzip"
    parsed = _Landmarks()
    parsed.feed(html)
    for landmark in ("header", "main", "footer", "form"):
        assert landmark in parsed.tags
    assert set(parsed.inputs) <= parsed.labels
    assert '<html lang="en">' in html
    assert 'name="viewport"' in html
    assert "style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)", html) is None


async def test_the_feed_lists_published_jobs(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    await factories.make_job(db, world.org, title="Backend <Engineer>", description="**Hi**")
    await factories.make_job(db, world.org, title="Draft", status=JobStatus.DRAFT)
    await factories.make_job(db, world.org, title="Closed", status=JobStatus.CLOSED)
    await db.commit()

    response = await client.get(f"/careers/{world.org.slug}/feed.xml")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/rss+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own output
    channel = root.find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Backend <Engineer>"]
    assert items[0].findtext("description") == "<p><strong>Hi</strong></p>\n"
    link = items[0].findtext("link") or ""
    assert link.startswith(f"http://testserver/careers/{world.org.slug}/jobs/")
    date = items[0].findtext("pubDate") or ""
    assert re.match(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT", date)
    assert (await client.get("/careers/nobody/feed.xml")).status_code == 404


async def test_the_sitemap_lists_every_page_that_takes_applications(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    published = await factories.make_job(db, world.org)
    closed = await factories.make_job(db, world.org, status=JobStatus.CLOSED)
    draft = await factories.make_job(db, world.org, status=JobStatus.DRAFT)
    await db.commit()

    response = await client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    body = response.text
    assert f"<loc>http://testserver/careers/{world.org.slug}</loc>" in body
    assert f"<loc>http://testserver/careers/{world.other_org.slug}</loc>" in body
    assert f"/careers/{world.org.slug}/jobs/{published.id}</loc>" in body
    assert closed.id not in body  # its page is gone (410)
    assert draft.id not in body
    robots = await client.get("/robots.txt")
    assert "Sitemap: http://testserver/sitemap.xml" in robots.text


async def test_open_graph_tags_describe_the_page(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(
        db, world.org, title="Backend Engineer", description="Build **great** things."
    )
    await db.commit()

    html = (await client.get(f"/careers/{world.org.slug}/jobs/{job.id}")).text

    url = f"http://testserver/careers/{world.org.slug}/jobs/{job.id}"
    assert f'<meta property="og:title" content="Backend Engineer at {world.org.name}">' in html
    assert '<meta property="og:description" content="Build great things.">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert f'<link rel="canonical" href="{url}">' in html


async def test_a_flash_message_is_shown_to_its_visitor_only(
    db: AsyncSession, world: World, client: httpx.AsyncClient, services: Services
) -> None:
    # A flash cookie makes the page personal: it is rendered fresh and never stored.
    job = await factories.make_job(db, world.org)
    await db.commit()
    flash = signed.sign('[{"message":"Thanks for applying!","kind":"success"}]', services.secret)
    page = f"/careers/{world.org.slug}/jobs/{job.id}"

    client.cookies.set(FLASH_COOKIE, flash)
    mine = await client.get(page)
    client.cookies.clear()
    theirs = await client.get(page)

    assert "Thanks for applying!" in mine.text
    assert "etag" not in mine.headers
    assert "Thanks for applying!" not in theirs.text
