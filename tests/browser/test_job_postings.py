"""In Chromium, the whole story of a job posting: a member posts a hybrid senior job with a
visible salary range in EUR per year; the careers page filters it, the job page shows the pay,
its JobPosting data validates against Google's properties, the job-board feed parses and lists
it, a candidate applies through a tracked LinkedIn link, and the applicant shows the source
"LinkedIn" and appears in the funnel."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import jsonschema
import pytest
from lxml import etree
from playwright.async_api import Browser, Page, expect
from sqlalchemy.ext.asyncio import async_sessionmaker

from tests import factories
from tests.applicants.helpers import pdf_bytes
from tests.browser.test_jobs_and_careers import signed_in, watch_errors
from tests.careers.test_structured_data_and_feed import ITEM_LIST, JOB_POSTING
from tests.fixtures.live import LiveServer, LiveServers
from wegotwork.db import create_engine

pytestmark = pytest.mark.browser


@pytest.fixture
async def quick_server(live_servers: LiveServers) -> AsyncIterator[LiveServer]:
    """A server that flushes its page-view counts every half second."""
    async with live_servers.fresh({"WEGOTWORK_VIEW_FLUSH_SECONDS": "0.5"}) as server:
        yield server


async def json_ld(page: Page) -> object:
    text = await page.locator('script[type="application/ld+json"]').text_content()
    return json.loads(text or "null")


async def test_a_hybrid_senior_job_with_pay_from_posting_to_the_funnel(
    quick_server: LiveServer, browser: Browser, page: Page, tmp_path: Path
) -> None:
    live = quick_server
    engine = create_engine(live.database_url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        owner = await factories.make_user(session, name="Olivia Owner")
        organization = await factories.make_org(
            session, owner, name="Acme Cloud", slug="acme-cloud"
        )
        token = (await factories.make_session(session, owner)).token
        await session.commit()
    await engine.dispose()
    slug = organization.slug
    member_context = await signed_in(browser, live, token)
    member = await member_context.new_page()
    member_errors = watch_errors(member)

    # The member posts a hybrid senior job with a visible salary range in EUR per year.
    await member.goto(f"{live.url}/dashboard/{slug}/jobs")
    await member.get_by_label("Job title").fill("Senior Platform Engineer")
    await member.get_by_role("button", name="Create job").click()
    await expect(member).to_have_url(re.compile(rf"/dashboard/{slug}/jobs/\w+$"))
    job_id = member.url.rsplit("/", 1)[1]
    await member.get_by_label("Country").fill("Germany")
    await member.get_by_label("City").fill("Berlin")
    await member.get_by_label("Work mode").select_option("hybrid")
    await member.get_by_label("Experience level").select_option("senior")
    await member.get_by_label("Minimum").fill("70000")
    await member.get_by_label("Maximum").fill("90000")
    await member.get_by_label("Currency").select_option("EUR")
    await member.get_by_label("Per", exact=True).select_option("year")
    await member.get_by_label("Show the pay on the careers page").check()
    await member.get_by_label(re.compile("^Description")).fill(
        "Run our platform. Hybrid: two days a week in Berlin."
    )
    await member.get_by_label("Status").select_option("published")
    await member.get_by_role("button", name="Save").click()
    await expect(
        member.get_by_text("Published. The job is live on your careers page.")
    ).to_be_visible()

    # ...and a tracked link for LinkedIn.
    await member.goto(f"{live.url}/dashboard/{slug}/analytics")
    await member.get_by_label("New tracked link").fill("LinkedIn")
    await member.get_by_role("button", name="Create link").click()
    await expect(member.locator(".source-url")).to_have_text(
        f"{live.url}/careers/{slug}?src=linkedin"
    )

    # The careers page filters it by work mode and level and lists it in its ItemList.
    visitor_errors = watch_errors(page)
    await page.goto(f"{live.url}/careers/{slug}")
    jsonschema.validate(await json_ld(page), ITEM_LIST)
    results = page.locator("#results")
    await page.get_by_text("Filters", exact=True).click()  # the folded filter panel
    await page.get_by_label("Work mode").select_option("hybrid")
    await expect(results.get_by_role("link")).to_have_text(re.compile("Senior Platform Engineer"))
    await page.get_by_label("Level").select_option("senior")
    await expect(results.get_by_role("link")).to_contain_text("70.000\u00a0€–90.000\u00a0€ a year")

    # The job page shows the pay, and Google's JobPosting properties validate.
    await page.goto(f"{live.url}/careers/{slug}/jobs/{job_id}")
    await expect(page.locator(".job-salary")).to_have_text("70.000\u00a0€–90.000\u00a0€ a year")
    posting = await json_ld(page)
    jsonschema.validate(posting, JOB_POSTING)
    assert isinstance(posting, dict)
    assert posting["baseSalary"]["currency"] == "EUR"
    assert posting["baseSalary"]["value"]["unitText"] == "YEAR"

    # The job-board feed parses and lists it.
    feed = await page.request.get(f"{live.url}/careers/{slug}/jobs.xml")
    root = etree.fromstring(await feed.body())
    [listed] = root.findall("job")
    assert listed.findtext("referencenumber") == job_id
    assert listed.findtext("remotetype") == "Hybrid remote"

    # A candidate arrives through the tracked LinkedIn link and applies.
    await page.goto(f"{live.url}/careers/{slug}?src=linkedin")
    await (
        page.locator("#results")
        .get_by_role("link", name=re.compile("Senior Platform Engineer"))
        .click()
    )
    await expect(page).to_have_url(re.compile(r"\?src=linkedin$"))
    resume = tmp_path / "cv.pdf"
    resume.write_bytes(pdf_bytes())
    await page.get_by_label("Full name").fill("Ada Lovelace")
    await page.get_by_label("Email").fill("ada@example.com")
    await page.get_by_label("Résumé").set_input_files(str(resume))
    await page.wait_for_timeout(2100)  # a person takes a moment (the render-time check)
    await page.get_by_role("button", name=re.compile("Send application|Apply")).click()
    await expect(page).to_have_url(re.compile(r"/applied"))

    # The applicant shows the source "LinkedIn"...
    await member.goto(f"{live.url}/dashboard/{slug}/applicants")
    await expect(member.locator(".cell-source")).to_have_text("LinkedIn")
    await member.get_by_role("link", name="Ada Lovelace").click()
    await expect(member.locator(".applicant-source")).to_have_text("LinkedIn")

    # ...and appears in the funnel, views included once the counts are flushed.
    analytics = f"{live.url}/dashboard/{slug}/analytics"
    for _attempt in range(20):
        await member.goto(analytics)
        text = await member.locator(".analytics-figures").text_content() or ""
        if re.search(r"[1-9]\d* page views", text):
            break
        await member.wait_for_timeout(300)
    figures = member.locator(".analytics-figures")
    await expect(figures).to_contain_text("1 applications")
    await expect(figures).to_contain_text(re.compile(r"[1-9]\d* page views"))
    by_source = member.locator("#by-source-heading + .table-wrap tbody")
    await expect(by_source.get_by_role("row", name=re.compile("LinkedIn"))).to_contain_text("1")
    await expect(member.locator("svg.chart")).to_have_count(2)

    # On a phone the careers and analytics pages fit the screen.
    phone = await browser.new_page(viewport={"width": 390, "height": 844})
    await phone.goto(f"{live.url}/careers/{slug}/jobs/{job_id}")
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
    await phone.close()
    assert visitor_errors == []
    assert member_errors == []
