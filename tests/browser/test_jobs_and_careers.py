"""In Chromium: a member writes and publishes a job, a visitor finds it on the careers page, the
member closes it; categories reorder by drag and drop and by keyboard; no hostile description
runs script."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories
from tests.fixtures.live import LiveServer
from tests.jobs.xss_corpus import PAYLOADS
from wegotwork import cookies
from wegotwork.content import bump_content_version
from wegotwork.db import create_engine
from wegotwork.jobs.markdown import render_markdown
from wegotwork.models import JobCategory, JobStatus, Organization

pytestmark = pytest.mark.browser

LIVE_SECRET = "live-test-secret-0123456789-abcdefghijklmnop"  # as in tests/fixtures/live.py
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__csp.push(event.violatedDirective + " " + event.blockedURI);
});
"""

# Fire the events hostile markup hooks into, on every element (without following links).
POKE_EVERYTHING = """
for (const el of document.querySelectorAll("body *")) {
  for (const type of ["mouseover", "mouseenter", "click", "focus", "toggle", "load", "error"]) {
    const event = new Event(type, {bubbles: true, cancelable: true});
    if (type === "click") el.addEventListener("click", (e) => e.preventDefault(), {once: true});
    el.dispatchEvent(event);
  }
}
"""


@dataclass
class Team:
    organization: Organization
    token: str


async def arrange(live_server: LiveServer) -> tuple[AsyncSession, Team]:
    engine = create_engine(live_server.database_url)
    session = async_sessionmaker(engine, expire_on_commit=False)()
    owner = await factories.make_user(session, name="Olivia Owner")
    organization = await factories.make_org(session, owner, name="Acme Bakery", slug="acme-bakery")
    token = (await factories.make_session(session, owner)).token
    await session.commit()
    return session, Team(organization, token)


@pytest.fixture
async def live_db(live_server: LiveServer) -> AsyncIterator[tuple[AsyncSession, Team]]:
    session, team = await arrange(live_server)
    try:
        yield session, team
    finally:
        await session.close()
        await session.bind.dispose()  # type: ignore[union-attr]


async def signed_in(browser: Browser, live_server: LiveServer, token: str) -> BrowserContext:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    await context.add_cookies(
        [
            {
                "name": cookies.cookie_name("session_token", secure=False),
                "value": cookies.sign(token, LIVE_SECRET),
                "url": live_server.url,
            }
        ]
    )
    return context


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


async def test_a_job_goes_from_idea_to_careers_page_to_closed(
    live_server: LiveServer,
    live_db: tuple[AsyncSession, Team],
    browser: Browser,
    page: Page,
) -> None:
    session, team = live_db
    slug = team.organization.slug
    member_context = await signed_in(browser, live_server, team.token)
    member = await member_context.new_page()
    member_errors = watch_errors(member)

    # The member adds a category.
    await member.goto(f"{live_server.url}/dashboard/{slug}/categories")
    await member.get_by_label("New category").fill("Platform")
    await member.get_by_role("button", name="Add category").click()
    await expect(member.locator("#category-status")).to_have_text("Added “Platform”.")
    await expect(member.get_by_label("Name of Platform")).to_have_value("Platform")

    # ...starts a job with only a title; the editor opens at once...
    await member.goto(f"{live_server.url}/dashboard/{slug}/jobs")
    await member.get_by_label("Job title").fill("Backend Engineer")
    await member.get_by_role("button", name="Create job").click()
    await expect(member).to_have_url(re.compile(rf"/dashboard/{slug}/jobs/\w+$"))
    job_id = member.url.rsplit("/", 1)[1]
    await expect(member.get_by_role("heading", level=1)).to_have_text("Backend Engineer")

    # ...writes it with a live preview and publishes it.
    await member.get_by_label("Type", exact=True).select_option("contract")
    await member.get_by_label("Category").select_option(label="Platform")
    await member.get_by_label("Country").fill("Germany")
    await member.get_by_label("City").fill("Berlin")
    await member.get_by_label("Work mode").select_option("remote")
    await member.get_by_label(re.compile("^Description")).fill(
        "## The role\n\nYou will build our **ordering system** in Python."
    )
    preview = member.locator("#description-preview")
    await expect(preview.locator("strong")).to_have_text("ordering system")
    await expect(preview.locator("h2")).to_have_text("The role")
    await member.get_by_label("Status").select_option("published")
    await member.get_by_role("button", name="Save").click()
    await expect(
        member.get_by_text("Published. The job is live on your careers page.")
    ).to_be_visible()

    # Another published job, in another category, to filter against.
    finance = await session.scalar(
        select(JobCategory.id).where(
            JobCategory.organization_id == team.organization.id, JobCategory.name == "Finance"
        )
    )
    other = await factories.make_job(
        session,
        team.organization,
        title="Accountant",
        country="FR",
        city="Paris",
        description="Numbers.",
    )
    other.category_id = finance
    await bump_content_version(session, team.organization.id)
    await session.commit()

    # A visitor finds it by search and by filter, with and without a page load.
    visitor_errors = watch_errors(page)
    await page.add_init_script(WATCH_CSP)
    await page.goto(f"{live_server.url}/careers/{slug}")
    results = page.locator("#results")
    await expect(results).to_contain_text("2 open positions")
    await expect(page.get_by_role("heading", name="Platform")).to_be_visible()
    await page.get_by_label("Search jobs").fill("ordering")
    await expect(results).to_contain_text("1 of 2 open positions")
    await expect(results.get_by_role("link")).to_have_count(1)
    await expect(page).to_have_url(re.compile(r"q=ordering"))
    await page.get_by_label("Search jobs").fill("")
    await expect(results).to_contain_text("2 open positions")
    await page.get_by_text("Filters", exact=True).click()  # the folded panel of filters
    await page.get_by_label("Location").select_option(label="Paris, France")
    await expect(results.get_by_role("link")).to_have_text(re.compile("Accountant"))
    await page.get_by_label("Location").select_option("")
    await page.get_by_label("Type", exact=True).select_option("contract")
    await expect(results.get_by_role("link")).to_have_count(1)
    await page.get_by_label("Remote only").check()
    await expect(results.get_by_role("link")).to_have_text(re.compile("Backend Engineer"))
    await results.get_by_role("link", name=re.compile("Backend Engineer")).click()
    await expect(page).to_have_url(f"{live_server.url}/careers/{slug}/jobs/{job_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Backend Engineer")
    await expect(page.locator(".job-description strong")).to_have_text("ordering system")
    await expect(page.get_by_text("no longer accepts applications")).to_have_count(0)
    assert await page.evaluate("window.__csp") == []

    # The member closes it; the visitor sees it closed on the next load.
    await member.goto(f"{live_server.url}/dashboard/{slug}/jobs/{job_id}")
    await member.get_by_label("Status").select_option("closed")
    await member.get_by_role("button", name="Save").click()
    await expect(
        member.get_by_text("Closed. The job no longer accepts applications.")
    ).to_be_visible()
    closed = await page.reload()
    assert closed is not None
    assert closed.status == 410  # gone: the page says so and points at the open jobs
    await expect(page.get_by_text("This job is closed.")).to_be_visible()
    await page.get_by_role("link", name="See open jobs at Acme Bakery").click()
    # Chromium reports any 4xx document as a failed load; that one was meant.
    visitor_errors.remove(
        "Failed to load resource: the server responded with a status of 410 (Gone)"
    )
    await expect(page.locator("#results")).to_contain_text("1 open position")
    assert await page.evaluate("window.__csp") == []
    assert visitor_errors == []
    assert member_errors == []
    await member_context.close()


async def test_reordering_categories_changes_the_public_order(
    live_server: LiveServer,
    live_db: tuple[AsyncSession, Team],
    browser: Browser,
    page: Page,
) -> None:
    session, team = live_db
    slug = team.organization.slug
    rows = await session.execute(
        select(JobCategory.name, JobCategory.id).where(
            JobCategory.organization_id == team.organization.id
        )
    )
    categories = dict(rows.all())
    for name in ("Software Development", "Finance", "Security"):
        job = await factories.make_job(session, team.organization, title=f"Job in {name}")
        job.category_id = categories[name]
    await bump_content_version(session, team.organization.id)
    await session.commit()

    async def public_order() -> list[str]:
        await page.goto(f"{live_server.url}/careers/{slug}")
        return await page.locator(".job-group h3").all_inner_texts()

    assert await public_order() == ["Software Development", "Finance", "Security"]

    member_context = await signed_in(browser, live_server, team.token)
    member = await member_context.new_page()
    await member.goto(f"{live_server.url}/dashboard/{slug}/categories")

    # By keyboard: the move buttons, with focus kept on the button across the swap.
    rows_in_list = member.locator(".category-row")
    await member.get_by_role("button", name="Move Security up").focus()
    for position in (3, 2, 1):
        await member.keyboard.press("Enter")
        await expect(rows_in_list.nth(position)).to_have_attribute(
            "data-id", categories["Security"]
        )
        await expect(member.get_by_role("button", name="Move Security up")).to_be_focused()
    await expect(member.locator("#category-status")).to_have_text("Moved “Security” up.")
    assert await public_order() == ["Software Development", "Security", "Finance"]

    # By drag and drop: Finance's handle onto the first row.
    finance = member.locator(f'.category-row[data-id="{categories["Finance"]}"] .drag-handle')
    first = member.locator(".category-row").first
    await finance.drag_to(first, target_position={"x": 20, "y": 5})
    await expect(member.locator("#category-status")).to_have_text("Saved the new order.")
    assert await public_order() == ["Finance", "Software Development", "Security"]
    await member_context.close()


async def test_no_hostile_description_runs_in_chromium(
    live_server: LiveServer, live_db: tuple[AsyncSession, Team], page: Page
) -> None:
    session, team = live_db
    jobs = []
    for number, payload in enumerate(PAYLOADS):
        jobs.append(
            await factories.make_job(
                session,
                team.organization,
                title=f"Role {number}",
                description=f"Intro\n\n{payload}\n\nOutro",
                status=JobStatus.PUBLISHED,
            )
        )
    await bump_content_version(session, team.organization.id)
    await session.commit()
    dialogs: list[str] = []

    async def dismiss(dialog: object) -> None:
        dialogs.append(dialog.message)  # type: ignore[attr-defined]
        await dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dismiss)
    await page.add_init_script(WATCH_CSP)

    for job in jobs:
        await page.goto(f"{live_server.url}/careers/{team.organization.slug}/jobs/{job.id}")
        await expect(page.get_by_role("heading", level=1)).to_have_text(job.title)
        await page.locator("article").hover()
        await page.evaluate(POKE_EVERYTHING)
        assert await page.evaluate("window.__xss") is None, job.description
        assert await page.evaluate("window.__csp") == [], job.description
    await page.goto(f"{live_server.url}/careers/{team.organization.slug}")
    assert await page.evaluate("window.__xss") is None

    # The sanitizer alone, without the page's Content Security Policy to fall back on.
    await page.goto("about:blank")
    html = "".join(render_markdown(f"Intro\n\n{payload}\n\nOutro") for payload in PAYLOADS)
    await page.set_content(f"<!doctype html><body>{html}</body>")
    await page.evaluate(POKE_EVERYTHING)
    await page.wait_for_timeout(200)
    assert await page.evaluate("window.__xss") is None
    assert dialogs == []


async def test_the_careers_page_fits_a_phone(
    live_server: LiveServer, live_db: tuple[AsyncSession, Team], phone: Page
) -> None:
    session, team = live_db
    for number in range(8):
        await factories.make_job(
            session, team.organization, title=f"A rather long job title number {number}"
        )
    await bump_content_version(session, team.organization.id)
    await session.commit()

    await phone.goto(f"{live_server.url}/careers/{team.organization.slug}")

    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
    await expect(phone.get_by_label("Search jobs")).to_be_visible()
    await phone.get_by_role("link", name=re.compile("number 3")).click()
    await expect(phone.get_by_role("heading", level=1)).to_contain_text("number 3")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
