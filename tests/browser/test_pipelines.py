"""Pipelines in a browser, at phone and desktop size: the owner creates a "Technical" pipeline
from the template and adds a stage, the job is put on it, a candidate applies, and a member moves
the card across three stages (drag and drop with a mouse or a finger, the arrow keys, the card's
move menu) on the job's board, then reads the timeline; an old API client's ``PATCH {status}``
still works."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect
from sqlalchemy.ext.asyncio import async_sessionmaker

from tests import factories
from tests.applicants.helpers import Upload, apply, candidate, pdf_bytes
from tests.browser.workspace import SIZES, new_context
from tests.fixtures.live import LiveServer
from wegotwork.db import create_engine
from wegotwork.models import Role
from wegotwork.pipelines.rules import TEMPLATES

pytestmark = pytest.mark.browser

TECHNICAL = [stage.name for stage in TEMPLATES["technical"]]


def column(page: Page, name: str) -> Locator:
    """The board column of the stage ``name`` (its heading also holds the count)."""
    heading = page.get_by_role("heading", name=re.compile(rf"^{re.escape(name)} \d+$"))
    return page.locator("section.board-column", has=heading)


async def touch_drag(page: Page, source: Locator, target: Locator) -> None:
    """A finger's drag through Chromium's touch input: press on ``source``, hold, move onto
    the visible part of ``target`` (on a phone the next column shows at the screen's edge) in a
    few steps, lift."""
    cdp = await page.context.new_cdp_session(page)
    start, end = await source.bounding_box(), await target.bounding_box()
    assert start is not None
    assert end is not None
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    viewport = page.viewport_size
    assert viewport is not None
    to_x = min(end["x"] + end["width"] / 2, (end["x"] + viewport["width"]) / 2)
    to_y = end["y"] + end["height"] / 2

    async def send(kind: str, points: list[dict[str, float]]) -> None:
        await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    await send("touchStart", [{"x": x, "y": y}])
    await page.wait_for_timeout(500)  # the hold that tells a drag from a scroll
    for step in range(1, 6):
        await send("touchMove", [{"x": x + (to_x - x) * step / 5, "y": y + (to_y - y) * step / 5}])
    await send("touchEnd", [])
    await cdp.detach()


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_candidate_crosses_three_stages_of_a_technical_pipeline(
    live_server: LiveServer, browser: Browser, size: str
) -> None:
    engine = create_engine(live_server.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            owner = await factories.make_user(db, name="Olivia Owner")
            member = await factories.make_user(db, name="Morgan Member")
            org = await factories.make_org(db, owner, name="Lovelace Labs")
            await factories.add_member(db, org, member, Role.MEMBER)
            job = await factories.make_job(db, org, title="Engine Programmer")
            owner_session = await factories.make_session(db, owner)
            member_session = await factories.make_session(db, member)
            await db.commit()
    finally:
        await engine.dispose()
    width = SIZES[size][0]

    owner_context = await new_context(browser, live_server, size, owner_session.token)
    try:
        page = await owner_context.new_page()
        await page.goto(f"{live_server.url}/dashboard/{org.slug}/pipelines")
        await page.get_by_label("Name", exact=True).fill("Technical")
        await page.get_by_label("Start from").select_option("technical")
        await page.get_by_role("button", name="Create pipeline").click()
        await expect(page.locator(".flash")).to_have_text("Created the pipeline “Technical”.")
        await page.get_by_label("New stage in Technical").fill("Culture chat")
        await page.get_by_label("What the new stage means").last.select_option("INTERVIEW")
        await page.get_by_role("button", name="Add stage").last.click()
        await expect(page.locator(".flash")).to_have_text("Added the stage “Culture chat”.")
        stages = page.get_by_role("list", name="Stages of Technical")
        # The working stages of the template, the new one last among them, then the end states.
        await expect(stages.locator(".pipeline-stage strong")).to_have_text(
            [*TECHNICAL[:5], "Culture chat", *TECHNICAL[5:]]
        )
        # Reorder by dragging a stage's handle onto the row above it: the order is saved whole.
        handle = stages.locator(".pipeline-stage", has_text="Culture chat").locator(".drag-handle")
        above = stages.locator(".pipeline-stage", has_text=TECHNICAL[4])
        await handle.drag_to(above, target_position={"x": 20, "y": 3})
        await expect(page.locator(".flash")).to_have_text("Stage order saved.")
        await expect(stages.locator(".pipeline-stage strong")).to_have_text(
            [*TECHNICAL[:4], "Culture chat", *TECHNICAL[4:]]
        )
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        await owner_context.close()

    async with httpx.AsyncClient(
        base_url=live_server.url, headers={"authorization": f"Bearer {owner_session.token}"}
    ) as api:
        listed = (await api.get(f"/api/v1/organizations/{org.id}/pipelines")).json()
        technical = next(p for p in listed["pipelines"] if p["name"] == "Technical")
        assigned = await api.patch(f"/api/v1/jobs/{job.id}", json={"pipelineId": technical["id"]})
        assert assigned.status_code == 200, assigned.text
        sent = await apply(
            api,
            job.id,
            candidate(email="ada@example.com", name="Ada Lovelace"),
            Upload("Ada Lovelace.pdf", pdf_bytes("Ada Lovelace")),
        )
        assert sent.status_code == 201, sent.text

    context = await new_context(browser, live_server, size, member_session.token)
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(f"{live_server.url}/dashboard/{org.slug}/board?job={job.id}")
        announcer = page.locator("#board-announcer")
        card = page.locator(".board-card", has_text="Ada Lovelace")
        applied = column(page, "Applied")
        screen, take_home = column(page, "Screen"), column(page, "Take-home")
        interview = column(page, "Interview")
        await expect(applied.locator(".board-card")).to_have_count(1)

        # 1. To Screen: drag and drop with a mouse; on a phone, with a finger (touch and hold,
        # drag, lift).
        if size == "desktop":
            await card.drag_to(screen)
        else:
            await touch_drag(page, card.locator("time"), screen.get_by_role("heading"))
        await expect(announcer).to_have_text("Ada Lovelace moved to Screen.")
        await expect(screen.locator("[data-count]")).to_have_text("1")
        await expect(applied.locator("[data-count]")).to_have_text("0")
        # 2. The arrow key to the next stage, Take-home; the card keeps the focus.
        await card.focus()
        await page.keyboard.press("ArrowRight")
        await expect(announcer).to_have_text("Ada Lovelace moved to Take-home.")
        await expect(take_home.locator(".board-card")).to_have_count(1)
        await expect(card).to_be_focused()
        # 3. The card's move menu, to Interview.
        await card.get_by_label("Move Ada Lovelace to").select_option(label="Interview")
        await card.get_by_role("button", name="Move").click()
        await expect(announcer).to_have_text("Ada Lovelace moved to Interview.")
        await expect(interview.locator(".board-card")).to_have_count(1)
        # The columns scroll inside the board; the page never widens.
        assert await page.evaluate("document.documentElement.scrollWidth") <= width

        await page.reload()
        await expect(interview.locator(".board-card")).to_contain_text("Ada Lovelace")

        await card.get_by_role("link", name="Ada Lovelace").click()
        timeline = page.locator(".history")
        await expect(timeline).to_contain_text("Morgan Member moved from Applied to Screen")
        await expect(timeline).to_contain_text("Morgan Member moved from Screen to Take-home")
        await expect(timeline).to_contain_text("Morgan Member moved from Take-home to Interview")
        await expect(timeline).to_contain_text("Applied into Applied")
        assert errors == [], errors
    finally:
        await context.close()

    async with httpx.AsyncClient(
        base_url=live_server.url, headers={"authorization": f"Bearer {member_session.token}"}
    ) as api:
        applicants = (await api.get(f"/api/v1/jobs/{job.id}/applicants")).json()["applicants"]
        old_client = await api.patch(
            f"/api/v1/applicants/{applicants[0]['id']}", json={"status": "OFFER"}
        )
        assert old_client.status_code == 200
        assert old_client.json()["applicant"]["stage"]["name"] == "Offer"


@pytest.mark.parametrize("size", list(SIZES))
async def test_ticked_cards_move_together_on_a_jobs_board(
    live_server: LiveServer, browser: Browser, size: str
) -> None:
    engine = create_engine(live_server.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            owner = await factories.make_user(db, name="Olivia Owner")
            member = await factories.make_user(db, name="Morgan Member")
            org = await factories.make_org(db, owner, name="Lovelace Labs")
            await factories.add_member(db, org, member, Role.MEMBER)
            pipeline = await factories.make_pipeline(db, org, template="technical")
            job = await factories.make_job(
                db, org, title="Engine Programmer", pipeline_id=pipeline.id
            )
            for name in ("Ada Lovelace", "Grace Hopper", "Linus Torvalds"):
                await factories.make_applicant(db, job, name=name)
            member_session = await factories.make_session(db, member)
            await db.commit()
    finally:
        await engine.dispose()
    width = SIZES[size][0]

    context = await new_context(browser, live_server, size, member_session.token)
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        board_url = f"{live_server.url}/dashboard/{org.slug}/board?job={job.id}"
        await page.goto(board_url)
        applied, take_home = column(page, "Applied"), column(page, "Take-home")
        await expect(applied.locator(".board-card")).to_have_count(3)
        bar = page.locator("#board-bulk")
        move = bar.get_by_role("button", name="Move selected")
        await expect(move).to_be_disabled()

        # Ticking a card selects it and never drags it anywhere.
        await page.get_by_label("Select Ada Lovelace").check()
        await page.get_by_label("Select Grace Hopper").check()
        await expect(bar.locator("[data-selected-count]")).to_have_text("2 applicants selected.")
        await expect(applied.locator(".board-card")).to_have_count(3)
        await expect(bar).to_have_class(re.compile(r"\bis-selecting\b"))

        await bar.get_by_label("Move selected to").select_option(label="Take-home")
        await move.click()
        await expect(page.locator(".flash")).to_have_text("2 applicants moved to Take-home.")
        assert page.url == board_url
        await expect(take_home.locator(".board-card")).to_have_count(2)
        await expect(take_home.locator("[data-count]")).to_have_text("2")
        await expect(applied.locator(".board-card")).to_have_text(re.compile("Linus Torvalds"))
        await expect(applied.locator("[data-count]")).to_have_text("1")
        # Nothing stays ticked after the move.
        await expect(page.locator(".board-select input:checked")).to_have_count(0)

        # A single card still drags on its own (desktop mouse; a finger on a phone), to the next
        # column (on a phone, the one showing at the screen's edge). The board is opened afresh:
        # Chromium's drag emulation does not start a drag on a page a form's click navigated to.
        await page.goto(board_url)
        linus = page.locator(".board-card", has_text="Linus Torvalds")
        screen = column(page, "Screen")
        if size == "desktop":
            # Dragging from the card's checkbox moves nothing.
            await page.get_by_label("Select Linus Torvalds").drag_to(screen)
            await expect(applied.locator("[data-count]")).to_have_text("1")
            await expect(screen.locator(".board-card")).to_have_count(0)
            await linus.drag_to(screen)
        else:
            await linus.scroll_into_view_if_needed()
            await touch_drag(page, linus.locator("time"), screen.get_by_role("heading"))
        await expect(page.locator("#board-announcer")).to_have_text(
            "Linus Torvalds moved to Screen."
        )
        await expect(screen.locator("[data-count]")).to_have_text("1")
        await expect(applied.locator("[data-count]")).to_have_text("0")
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        assert errors == [], errors
    finally:
        await context.close()
