"""Applicants in a real browser against a real server: a member reviews an application on a
phone (résumé in the page's PDF viewer, download, a move on the board by keyboard, the history),
and moves cards by drag and drop on a desktop."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests import factories
from tests.applicants.helpers import Upload, apply, candidate, pdf_bytes
from tests.fixtures.live import LiveServer
from tests.fixtures.mail import SmtpSink
from wegotwork.auth import cookies
from wegotwork.db import Database, create_engine

pytestmark = pytest.mark.browser

LIVE_SECRET = "live-test-secret-0123456789-abcdefghijklmnop"


@dataclass
class Team:
    slug: str
    job_id: str
    job_title: str
    org_name: str
    member_email: str
    token: str


@pytest.fixture
async def team(live_server: LiveServer) -> AsyncIterator[Team]:
    """An organization with a published job and a signed-in member, in the server's database."""
    database = Database(create_engine(live_server.database_url, pool_size=1))
    try:
        async with database.sessionmaker() as db:
            member = await factories.make_user(db, name="Morgan Member")
            organization = await factories.make_org(db, member, name="Lovelace Labs")
            job = await factories.make_job(db, organization, title="Engine Programmer")
            session = await factories.make_session(db, member)
            await db.commit()
            yield Team(
                organization.slug,
                job.id,
                job.title,
                organization.name,
                member.email,
                session.token,
            )
    finally:
        await database.dispose()


async def sign_in(page: Page, server: LiveServer, team: Team) -> None:
    await page.context.add_cookies(
        [
            {
                "name": cookies.cookie_name("session_token", secure=False),
                "value": cookies.sign(team.token, LIVE_SECRET),
                "url": server.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


async def send_application(server: LiveServer, team: Team, email: str, name: str) -> bytes:
    resume = pdf_bytes(name)
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await apply(
            http, team.job_id, candidate(email=email, name=name), Upload(f"{name}.pdf", resume)
        )
    assert response.status_code == 201, response.text
    return resume


async def test_a_member_reviews_an_application_on_a_phone(
    live_server: LiveServer, team: Team, phone: Page, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    resume = await send_application(live_server, team, "ada@example.com", "Ada Lovelace")
    [confirmation] = await smtp_sink.wait_for("ada@example.com")
    assert confirmation.subject == (
        f"We received your application for {team.job_title} at {team.org_name}"
    )
    [notice] = await smtp_sink.wait_for(team.member_email)
    assert notice.subject == f"New applicant for {team.job_title}: Ada Lovelace"

    await sign_in(phone, live_server, team)
    await phone.goto(f"{live_server.url}/dashboard/{team.slug}/applicants")
    # The résumé loads into the page's viewer (a PDF, inline, sandboxed) and downloads.
    async with phone.expect_response(lambda r: "/resume?inline=1" in r.url) as shown:
        await phone.get_by_role("link", name="Ada Lovelace").click()
        await expect(phone.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
        viewer = phone.locator("iframe.resume-viewer")
        await expect(viewer).to_have_attribute("title", "Résumé of Ada Lovelace")
        await viewer.scroll_into_view_if_needed()
    response = await shown.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    async with phone.expect_download() as info:
        await phone.get_by_role("link", name="Download").click()
    download = await info.value
    assert download.suggested_filename == "Ada Lovelace.pdf"
    saved = tmp_path / "resume.pdf"
    await download.save_as(saved)
    assert saved.read_bytes() == resume

    # On the board, the card moves two columns to the right with the keyboard.
    await phone.goto(f"{live_server.url}/dashboard/{team.slug}/board")
    card = phone.locator(".board-card", has_text="Ada Lovelace")
    await expect(phone.locator("[data-status=SUBMITTED] .board-card")).to_have_count(1)
    await card.focus()
    await phone.keyboard.press("ArrowRight")
    await expect(phone.locator("#board-announcer")).to_have_text(
        "Ada Lovelace moved to Under review."
    )
    await phone.keyboard.press("ArrowRight")
    await expect(phone.locator("#board-announcer")).to_have_text("Ada Lovelace moved to Interview.")
    await expect(phone.locator("[data-status=INTERVIEW] .board-card")).to_have_text(
        re.compile("Ada Lovelace")
    )
    await expect(phone.locator("[data-status=INTERVIEW] [data-count]")).to_have_text("1")
    await expect(card).to_be_focused()

    # The history records both moves, by the member.
    await phone.goto(f"{live_server.url}/dashboard/{team.slug}")
    await phone.get_by_role("link", name="Ada Lovelace").click()
    history = phone.locator(".history")
    await expect(history).to_contain_text("Morgan Member moved from Submitted to Under review")
    await expect(history).to_contain_text("Morgan Member moved from Under review to Interview")
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert errors == [], errors


async def test_a_member_drags_a_card_to_another_column(
    live_server: LiveServer, team: Team, page: Page
) -> None:
    await send_application(live_server, team, "grace@example.com", "Grace Hopper")
    await sign_in(page, live_server, team)
    await page.goto(f"{live_server.url}/dashboard/{team.slug}/board")
    card = page.locator(".board-card", has_text="Grace Hopper")
    await card.drag_to(page.locator("[data-status=OFFER]"))
    await expect(page.locator("#board-announcer")).to_have_text("Grace Hopper moved to Offer.")
    await page.reload()
    await expect(page.locator("[data-status=OFFER] .board-card")).to_contain_text("Grace Hopper")
    await expect(page.locator("[data-status=SUBMITTED] [data-count]")).to_have_text("0")


async def test_the_board_works_without_javascript(
    live_server: LiveServer, team: Team, browser: object
) -> None:
    from playwright.async_api import Browser

    assert isinstance(browser, Browser)
    await send_application(live_server, team, "kat@example.com", "Katherine Johnson")
    context = await browser.new_context(java_script_enabled=False)
    try:
        page = await context.new_page()
        await sign_in(page, live_server, team)
        await page.goto(f"{live_server.url}/dashboard/{team.slug}/board")
        await page.get_by_label("Move Katherine Johnson to").select_option("HIRED")
        await page.get_by_role("button", name="Move").click()
        await expect(page.locator("[data-status=HIRED] .board-card")).to_contain_text(
            "Katherine Johnson"
        )
        await expect(page.locator(".flash")).to_have_text("Katherine Johnson moved to Hired.")
    finally:
        await context.close()
