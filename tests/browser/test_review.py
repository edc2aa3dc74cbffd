"""Team review in a browser, at phone and desktop size: two members review the same candidate.
The first writes a note mentioning the second (it reaches their notifications menu and the SMTP
server) and submits a scorecard; the second cannot see it until they submit their own. j / k
walk the filtered list, and never fire while typing. The stage changes without a reload."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.ext.asyncio import async_sessionmaker

from tests import factories
from tests.browser.workspace import SIZES, new_context
from tests.fixtures.live import LiveServer
from tests.fixtures.mail import SmtpSink
from wegotwork.db import create_engine, utcnow
from wegotwork.models import Role, ScorecardAttribute

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", list(SIZES))
async def test_two_members_review_the_same_candidate(
    live_server: LiveServer, browser: Browser, smtp_sink: SmtpSink, size: str
) -> None:
    engine = create_engine(live_server.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            owner = await factories.make_user(db, name="Olivia Owner")
            first = await factories.make_user(db, name="Ada Reviewer", email="ada@review.test")
            second = await factories.make_user(db, name="Bo Reviewer", email="bo@review.test")
            org = await factories.make_org(db, owner, name="Lovelace Labs")
            await factories.add_member(db, org, first, Role.MEMBER)
            await factories.add_member(db, org, second, Role.MEMBER)
            job = await factories.make_job(db, org, title="Engine Programmer")
            elsewhere = await factories.make_job(db, org, title="Office Manager")
            now = utcnow()
            grace = await factories.make_applicant(db, job, name="Grace Hopper")
            await factories.make_applicant(db, elsewhere, name="Not In This List")
            alan = await factories.make_applicant(db, job, name="Alan Turing")
            grace.created_at, alan.created_at = now, now - timedelta(minutes=5)
            assert grace.stage_id is not None
            db.add(
                ScorecardAttribute(
                    organization_id=org.id,
                    stage_id=grace.stage_id,
                    name="Systems thinking",
                    description="Sees how the parts fit",
                )
            )
            first_session = await factories.make_session(db, first)
            second_session = await factories.make_session(db, second)
            await db.commit()
    finally:
        await engine.dispose()
    width = SIZES[size][0]
    listing = f"{live_server.url}/dashboard/{org.slug}/applicants?job={job.id}"

    ada = await new_context(browser, live_server, size, first_session.token)
    bo = await new_context(browser, live_server, size, second_session.token)
    try:
        page = await ada.new_page()
        await page.goto(listing)
        await page.get_by_role("link", name="Grace Hopper").click()
        await expect(page.get_by_role("heading", name="Grace Hopper", level=1)).to_be_visible()
        await page.wait_for_load_state()  # the shortcuts' script runs once the page is parsed
        # n writes a note; typing j in it does not walk away.
        await page.keyboard.press("n")
        await expect(page.get_by_label("Add a note")).to_be_focused()
        # @ and the start of a name suggests teammates; Enter takes the highlighted one.
        await page.keyboard.type("Strong systems answers. @bo")
        suggestion = page.get_by_role("option", name="Bo Reviewer")
        await expect(suggestion).to_be_visible()
        await page.keyboard.press("Enter")
        await expect(suggestion).to_be_hidden()
        await page.keyboard.type("join the next round? j")
        await expect(page.get_by_label("Add a note")).to_have_value(
            "Strong systems answers. @Bo Reviewer join the next round? j"
        )
        await page.get_by_role("button", name="Add note").click()
        await expect(page.locator(".flash")).to_have_text("Note added.")
        await expect(page.locator(".note-body").first).to_contain_text("Strong systems answers.")

        await page.get_by_label("Systems thinking").select_option("4")
        await page.get_by_label("Strong yes").check()
        await page.get_by_role("button", name="Submit scorecard").click()
        await expect(page.locator(".flash")).to_have_text("Scorecard submitted.")
        assert await page.evaluate("document.documentElement.scrollWidth") <= width

        [mail] = await smtp_sink.wait_for("bo@review.test", timeout=20)
        assert mail.subject == "You were mentioned in a note at Lovelace Labs"

        other = await bo.new_page()
        await other.goto(f"{live_server.url}/dashboard/{org.slug}")
        menu = other.locator(".notifications-menu")
        await expect(menu.locator(".notifications-count")).to_contain_text("1")
        await menu.locator("summary").click()
        await menu.get_by_role("link", name="Ada Reviewer mentioned you about Grace Hopper").click()
        await expect(other.get_by_role("heading", name="Grace Hopper", level=1)).to_be_visible()
        scorecards = other.locator("#scorecards")
        await expect(scorecards).to_contain_text("1 scorecard from teammates is hidden")
        await expect(scorecards).not_to_contain_text("Strong yes ·")
        await other.get_by_label("No", exact=True).check()
        await other.get_by_role("button", name="Submit scorecard").click()
        await expect(other.locator(".flash")).to_have_text("Scorecard submitted.")
        await expect(scorecards).to_contain_text("Ada Reviewer: Strong yes")
        await expect(scorecards).to_contain_text("You: No")

        await page.reload()
        await expect(page.locator("#scorecards")).to_contain_text("Bo Reviewer: No")

        # j / k walk the job's list, newest first: Grace, then Alan; the other job's is not in it.
        await page.locator("body").click(position={"x": 1, "y": 1})
        await page.keyboard.press("j")
        await expect(page.get_by_role("heading", name="Alan Turing", level=1)).to_be_visible()
        await page.keyboard.press("j")  # the end of the list: nothing happens
        await expect(page.get_by_role("heading", name="Alan Turing", level=1)).to_be_visible()
        await page.keyboard.press("k")
        await expect(page.get_by_role("heading", name="Grace Hopper", level=1)).to_be_visible()
    finally:
        await ada.close()
        await bo.close()


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_stage_changes_without_a_reload(
    live_server: LiveServer, browser: Browser, size: str
) -> None:
    engine = create_engine(live_server.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            owner = await factories.make_user(db, name="Olivia Owner")
            org = await factories.make_org(db, owner, name="Lovelace Labs")
            pipeline = await factories.make_pipeline(db, org, template="technical")
            job = await factories.make_job(
                db, org, title="Engine Programmer", pipeline_id=pipeline.id
            )
            grace = await factories.make_applicant(db, job, name="Grace Hopper")
            session = await factories.make_session(db, owner)
            await db.commit()
    finally:
        await engine.dispose()
    width = SIZES[size][0]

    context = await new_context(browser, live_server, size, session.token)
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        url = f"{live_server.url}/dashboard/{org.slug}/applicants/{grace.id}"
        await page.goto(url)
        badge = page.locator("#applicant-stage-badge")
        await expect(badge).to_have_text("Applied")
        await page.evaluate("window.__marker = 1")

        # s focuses the stage selector; choose a stage and save it.
        await page.locator("body").click(position={"x": 1, "y": 1})
        await page.keyboard.press("s")
        await expect(page.get_by_label("Move to")).to_be_focused()
        await page.get_by_label("Move to").select_option(label="Take-home")
        await page.get_by_role("button", name="Save stage").click()

        # Said in the stage card's status region (screen readers hear it).
        feedback = page.locator("#stage-feedback[role=status]")
        await expect(feedback).to_have_text("Grace Hopper moved to Take-home.")
        await expect(badge).to_have_text("Take-home")
        # The focus stays on the button that saved it.
        await expect(page.get_by_role("button", name="Save stage")).to_be_focused()
        await expect(page.locator("#applicant-timeline")).to_contain_text(
            "Olivia Owner moved from Applied to Take-home"
        )
        # The same document: no reload, no navigation.
        assert await page.evaluate("window.__marker") == 1
        assert page.url == url

        # Once more, to the next stage: the form still works in place.
        await page.get_by_label("Move to").select_option(label="Interview")
        await page.get_by_role("button", name="Save stage").click()
        await expect(feedback).to_have_text("Grace Hopper moved to Interview.")
        await expect(badge).to_have_text("Interview")
        assert await page.evaluate("window.__marker") == 1
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        assert errors == [], errors
    finally:
        await context.close()
