"""Public pages are served from memory and as 304s while nothing changes, and a change shows on
the very next request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message

from tests import factories
from tests.fixtures.app import BASE_URL, make_settings
from tests.fixtures.database import FreshDatabase
from tests.fixtures.world import World
from wegotwork.app import create_app
from wegotwork.careers.http_cache import (
    Entry,
    RenderCache,
    careers_host_path,
    careers_host_slug,
    etag_matches,
)
from wegotwork.careers.versions import ContentVersions, Version
from wegotwork.db import Database, create_engine
from wegotwork.models import Job, JobStatus, Organization

pytestmark = pytest.mark.usefixtures("dialect")


async def test_an_unchanged_page_answers_304_to_a_conditional_request(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    await factories.make_job(db, world.org, title="Backend Engineer")
    await db.commit()
    page = f"/careers/{world.org.slug}"

    first = await client.get(page)
    again = await client.get(page, headers={"if-none-match": first.headers["etag"]})

    assert first.status_code == 200
    assert first.headers["etag"].startswith('W/"')
    assert first.headers["cache-control"] == "public, max-age=0, must-revalidate"
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


async def test_a_change_to_a_job_shows_on_the_very_next_request(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, title="Backend Engineer")
    await db.commit()
    page = f"/careers/{world.org.slug}"
    job_page = f"{page}/jobs/{job.id}"
    first = await client.get(page)
    first_job = await client.get(job_page)

    response = await world.api("member").patch(
        f"/api/v1/jobs/{job.id}", json={"title": "Platform Engineer"}
    )
    assert response.status_code == 200

    after = await client.get(page, headers={"if-none-match": first.headers["etag"]})
    after_job = await client.get(job_page, headers={"if-none-match": first_job.headers["etag"]})
    assert after.status_code == 200
    assert "Platform Engineer" in after.text
    assert "Backend Engineer" not in after.text
    assert after.headers["etag"] != first.headers["etag"]
    assert after_job.status_code == 200
    assert "Platform Engineer" in after_job.text

    await world.api("member").patch(f"/api/v1/jobs/{job.id}", json={"status": "closed"})
    closed = await client.get(job_page)
    assert "no longer accepts applications" in closed.text
    assert "Platform Engineer" not in (await client.get(page)).text


async def test_category_changes_show_on_the_next_request_too(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    first = await factories.make_category(db, world.org, name="Alpha team", position=0)
    second = await factories.make_category(db, world.org, name="Beta team", position=1)
    await factories.make_job(db, world.org, category=first)
    await factories.make_job(db, world.org, category=second)
    await db.commit()
    page = f"/careers/{world.org.slug}"
    before = (await client.get(page)).text
    assert before.index("Alpha team") < before.index("Beta team")
    ids = [
        item["id"]
        for item in (
            await world.api("member").get(f"/api/v1/organizations/{world.org.id}/categories")
        ).json()["categories"]
    ]
    ids.remove(second.id)

    await world.api("member").put(
        f"/api/v1/organizations/{world.org.id}/categories/order", json={"ids": [second.id, *ids]}
    )

    after = (await client.get(page)).text
    assert after.index("Beta team") < after.index("Alpha team")


async def test_each_filter_and_variant_has_its_own_etag(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    await factories.make_job(db, world.org, title="Backend Engineer")
    await db.commit()
    page = f"/careers/{world.org.slug}"

    plain = await client.get(page)
    searched = await client.get(page, params={"q": "backend"})
    fragment = await client.get(page, headers={"hx-request": "true"})
    stale = await client.get(
        page, params={"q": "backend"}, headers={"if-none-match": plain.headers["etag"]}
    )

    etags = {plain.headers["etag"], searched.headers["etag"], fragment.headers["etag"]}
    assert len(etags) == 3
    assert stale.status_code == 200


async def test_the_public_api_is_conditional_too(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org)
    await db.commit()

    for url in (f"/api/v1/public/organizations/{world.org.slug}", f"/api/v1/public/jobs/{job.id}"):
        first = await client.get(url)
        again = await client.get(url, headers={"if-none-match": first.headers["etag"]})
        assert first.status_code == 200
        assert again.status_code == 304


async def test_not_found_pages_are_neither_cached_nor_tagged(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    draft = await factories.make_job(db, world.org, status=JobStatus.DRAFT)
    await db.commit()
    url = f"/careers/{world.org.slug}/jobs/{draft.id}"

    hidden = await client.get(url)
    await world.api("member").patch(f"/api/v1/jobs/{draft.id}", json={"status": "published"})
    shown = await client.get(url)

    assert hidden.status_code == 404
    assert "etag" not in hidden.headers
    assert shown.status_code == 200


async def test_head_requests_get_headers_only(world: World, client: httpx.AsyncClient) -> None:
    page = f"/careers/{world.org.slug}"
    await client.get(page)
    response = await client.head(page)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["etag"]


# -- careers hosts ---------------------------------------------------------------------------


def test_careers_hosts_are_recognised() -> None:
    assert careers_host_slug("acme.jobs.example.com", "jobs.example.com") == "acme"
    assert careers_host_slug("ACME.jobs.example.com:8443", "jobs.example.com") == "acme"
    assert careers_host_slug("jobs.example.com", "jobs.example.com") is None
    assert careers_host_slug("a.b.jobs.example.com", "jobs.example.com") is None
    assert careers_host_slug("acme.example.com", "jobs.example.com") is None
    assert careers_host_slug("acme.jobs.example.com", "") is None
    assert careers_host_slug("acme.localhost:8000", "localhost:8000") == "acme"


def test_careers_host_paths_map_onto_the_careers_site() -> None:
    assert careers_host_path("/", "acme") == "/careers/acme"
    assert careers_host_path("/jobs/abc", "acme") == "/careers/acme/jobs/abc"
    assert careers_host_path("/jobs/abc/apply", "acme") == "/careers/acme/jobs/abc/apply"
    assert careers_host_path("/feed.xml", "acme") == "/careers/acme/feed.xml"
    assert careers_host_path("/static/css/app.css", "acme") == "/static/css/app.css"
    assert careers_host_path("/api/v1/public/jobs/abc", "acme") == "/api/v1/public/jobs/abc"
    assert careers_host_path("/jobs", "acme") == "/jobs"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"careers_domain": "jobs.example.com"}


async def test_a_careers_host_serves_the_careers_site_at_its_root(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org, title="Backend Engineer")
    await db.commit()
    host = {"host": f"{world.org.slug}.jobs.example.com"}

    home = await client.get("/", headers=host)
    filtered = await client.get("/", params={"q": "nothing-matches"}, headers=host)
    job_page = await client.get(f"/jobs/{job.id}", headers=host)
    feed = await client.get("/feed.xml", headers=host)
    static = await client.get("/healthz", headers=host)
    main_site = await client.get("/")

    assert home.status_code == 200
    assert f'href="/jobs/{job.id}"' in home.text
    assert 'action="/"' in home.text
    assert "No job matches these filters" in filtered.text
    assert job_page.status_code == 200
    assert "Backend Engineer" in job_page.text
    canonical = (
        f'<link rel="canonical" href="http://{world.org.slug}.jobs.example.com/jobs/{job.id}">'
    )
    assert canonical in job_page.text
    assert feed.headers["content-type"].startswith("application/rss+xml")
    assert static.json() == {"status": "ok"}
    assert "Hire your next teammate" in main_site.text
    # The same page on the main site links within /careers/{slug}.
    regular = await client.get(f"/careers/{world.org.slug}")
    assert f'href="/careers/{world.org.slug}/jobs/{job.id}"' in regular.text
    unknown = await client.get("/", headers={"host": "nobody.jobs.example.com"})
    assert unknown.status_code == 404


# -- the pieces ------------------------------------------------------------------------------


def test_if_none_match_uses_weak_comparison() -> None:
    assert etag_matches('W/"3-abc"', 'W/"3-abc"')
    assert etag_matches('"3-abc"', 'W/"3-abc"')
    assert etag_matches('W/"1-x", W/"3-abc"', 'W/"3-abc"')
    assert etag_matches("*", 'W/"3-abc"')
    assert not etag_matches('W/"2-abc"', 'W/"3-abc"')


def test_the_render_cache_is_bounded_and_forgets_superseded_versions() -> None:
    cache = RenderCache(max_entries=3, max_bytes=1000)
    page = Entry(b"text/html", b"x" * 100, None)

    cache.put(("org", 1, "a"), page)
    cache.put(("org", 1, "b"), page)
    cache.put(("other", 1, "a"), page)
    cache.get(("org", 1, "a"))
    cache.put(("other", 1, "b"), page)  # evicts the least recently used: ("org", 1, "b")

    assert cache.get(("org", 1, "b")) is None
    assert cache.get(("org", 1, "a")) is page
    cache.put(("org", 2, "a"), page)
    assert cache.get(("org", 1, "a")) is None
    cache.put(("org", 1, "c"), page)  # rendered from an old version: not kept
    assert cache.get(("org", 1, "c")) is None
    cache.put(("big", 1, "a"), Entry(b"text/html", b"x" * 2000, None))
    assert cache.get(("big", 1, "a")) is None
    assert cache.bytes <= 1000
    assert len(cache) <= 3


async def test_concurrent_requests_share_reads_but_never_see_a_version_older_than_themselves(
    database: Database,
) -> None:
    versions = ContentVersions(database)
    current = 1
    reads = 0
    release = asyncio.Event()

    async def fetch() -> Version:
        nonlocal reads
        reads += 1
        seen = current
        await release.wait()
        return ("org", seen)

    first = asyncio.ensure_future(versions._shared(("slug", "acme"), fetch))
    while reads == 0:
        await asyncio.sleep(0)
    current = 2  # a change commits while the first read is in flight
    later = [asyncio.ensure_future(versions._shared(("slug", "acme"), fetch)) for _ in range(10)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(first, *later)

    assert results[0] == ("org", 1)
    assert set(results[1:]) == {("org", 2)}
    assert reads == 2
    assert versions._flights == {}


async def test_a_failed_read_reaches_every_waiter(database: Database) -> None:
    versions = ContentVersions(database)

    async def fetch() -> Version:
        raise RuntimeError("database down")

    results = await asyncio.gather(
        *(versions._shared(("slug", "acme"), fetch) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(result, RuntimeError) for result in results)
    assert versions._flights == {}


@asynccontextmanager
async def running(app: ASGIApp) -> AsyncIterator[None]:
    """Start and stop the app through the ASGI lifespan protocol, as a server does."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
        await task


async def test_a_real_deployment_sees_commits_from_elsewhere_on_the_next_request(
    dialect: str, fresh_databases: FreshDatabase, tmp_path: Path
) -> None:
    """Against a database of its own (no test transaction), as a server process runs: the
    direct version read on PostgreSQL, the session read on SQLite."""
    url = await fresh_databases.create_migrated(dialect)
    engine = create_engine(url)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as session:
        organization = await factories.make_org(session, name="Gamma", slug="gamma-co")
        job = await factories.make_job(session, organization, title="First title")
        await session.commit()
    app = create_app(make_settings(tmp_path, database_url=url), background=False)
    try:
        async with (
            running(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as visitor,
        ):
            first = await visitor.get("/careers/gamma-co")
            assert "First title" in first.text
            cached = await visitor.get(
                "/careers/gamma-co", headers={"if-none-match": first.headers["etag"]}
            )
            assert cached.status_code == 304

            # Another process changes the job and bumps the version in one transaction.
            async with maker() as session:
                stored = await session.scalar(select(Job).where(Job.id == job.id))
                assert stored is not None
                stored.title = "Second title"
                organization_row = await session.get(Organization, organization.id)
                assert organization_row is not None
                organization_row.content_version += 1
                await session.commit()

            after = await visitor.get(
                "/careers/gamma-co", headers={"if-none-match": first.headers["etag"]}
            )
            assert after.status_code == 200
            assert "Second title" in after.text
            by_job = await visitor.get(f"/api/v1/public/jobs/{job.id}")
            assert by_job.json()["job"]["title"] == "Second title"
            careers_data = await visitor.get("/api/v1/public/organizations/gamma-co")
            assert careers_data.status_code == 200
            assert "Second title" in careers_data.text
            assert (await visitor.get("/careers/no-such-co")).status_code == 404
    finally:
        await engine.dispose()
