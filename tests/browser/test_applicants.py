"""Applicants in a real browser against a real server: a candidate applies on the careers page
from a phone and a member reviews it there (résumé in the page's PDF viewer, download, a move on
the board by keyboard, the history); without JavaScript, on an organization's careers host, a
refused application comes back with what was typed; a member moves cards by drag and drop on a
desktop."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests import factories
from tests.applicants.helpers import Upload, apply, candidate, pdf_bytes, png_bytes
from tests.fixtures.live import LiveServer, LiveServers
from tests.fixtures.mail import SmtpSink
from wegotwork import cookies
from wegotwork.db import Database, create_engine

pytestmark = pytest.mark.browser

LIVE_SECRET = "live-test-secret-0123456789-abcdefghijklmnop"


@pytest.fixture
async def live_server(live_servers: LiveServers) -> AsyncIterator[LiveServer]:
    """The server on SQLite, mailing to the SMTP sink, with careers hosts at
    ``{slug}.localhost`` (Chromium sends every ``*.localhost`` name to loopback)."""
    async with live_servers.fresh({"WEGOTWORK_CAREERS_DOMAIN": "localhost"}) as server:
        yield server


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


async def page_width(page: Page) -> int:
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    return width


async def test_a_candidate_applies_on_a_phone_and_a_member_reviews_it_there(
    live_server: LiveServer, team: Team, phone: Page, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    errors: list[str] = []
    refused = "the server responded with a status of 422"  # the one refusal below, on purpose
    phone.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and refused not in m.text else None,
    )

    # The candidate finds the job on the careers page and applies with a PDF.
    await phone.goto(f"{live_server.url}/careers/{team.slug}")
    await phone.get_by_role("link", name=team.job_title).click()
    await expect(phone.get_by_role("heading", level=1)).to_have_text(team.job_title)
    await phone.get_by_label("Full name").fill("Ada Lovelace")
    await phone.get_by_label("Email").fill("ada@example.com")
    await phone.get_by_label("Why this job?").fill("I wrote the first program for an engine.")
    await phone.get_by_label("LinkedIn").fill("https://example.com/in/ada-lovelace")
    resume = pdf_bytes("Ada Lovelace")
    chosen = tmp_path / "Ada Lovelace.pdf"
    chosen.write_bytes(resume)
    await phone.get_by_label("Résumé").set_input_files(chosen)
    assert await page_width(phone) <= 390
    # A person takes a moment: the form refuses what is sent within two seconds of its render.
    await phone.wait_for_timeout(2100)
    await phone.get_by_role("button", name="Send application").click()

    # A link that is not LinkedIn's comes back marked, focused, with everything else kept.
    await expect(phone.locator("#f-linkedIn-error")).to_have_text(
        "Enter your LinkedIn profile link, like https://www.linkedin.com/in/your-name"
    )
    await expect(phone.get_by_label("LinkedIn")).to_be_focused()
    await expect(phone.get_by_label("Why this job?")).to_have_value(
        "I wrote the first program for an engine."
    )
    await phone.get_by_label("LinkedIn").fill("https://www.linkedin.com/in/ada-lovelace")
    await phone.get_by_label("Résumé").set_input_files(chosen)
    await phone.get_by_role("button", name="Send application").click()
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your application was sent"
    )
    assert phone.url.startswith(f"{live_server.url}/careers/{team.slug}/jobs/{team.job_id}/applied")
    await expect(phone.locator("main")).to_contain_text(
        f"{team.org_name} received your application for {team.job_title}."
    )
    assert await page_width(phone) <= 390

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
    assert await page_width(phone) <= 390  # the columns scroll inside the board

    # The history records both moves, by the member.
    await phone.goto(f"{live_server.url}/dashboard/{team.slug}")
    await phone.get_by_role("link", name="Ada Lovelace").click()
    history = phone.locator(".history")
    await expect(history).to_contain_text("Morgan Member moved from Submitted to Under review")
    await expect(history).to_contain_text("Morgan Member moved from Under review to Interview")
    assert await page_width(phone) <= 390
    assert errors == [], errors


async def test_without_javascript_a_refused_application_comes_back_on_the_careers_host(
    live_server: LiveServer, team: Team, browser: Browser, tmp_path: Path
) -> None:
    """On ``{slug}.localhost`` the job page lives at ``/jobs/{id}``; the form posts there,
    the refusal shows the same page with the errors and what was typed, and the confirmation
    stays on that host."""
    port = live_server.url.rsplit(":", 1)[1]
    host = f"http://{team.slug}.localhost:{port}"
    context = await browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    context.set_default_timeout(10_000)
    try:
        page = await context.new_page()
        await page.goto(f"{host}/")
        await page.get_by_role("link", name=team.job_title).click()
        assert page.url == f"{host}/jobs/{team.job_id}"
        await page.get_by_label("Full name").fill("Grace Hopper")
        await page.get_by_label("Email").fill("grace@example.com")
        await page.get_by_label("Why this job?").fill("Compilers,\nand nanoseconds.")
        await page.get_by_label("GitHub").fill("https://gitlab.com/grace")
        picture = tmp_path / "cv.pdf"
        picture.write_bytes(png_bytes())  # a picture under a résumé's name
        await page.get_by_label("Résumé").set_input_files(picture)
        await page.wait_for_timeout(2100)  # a person takes a moment (the render-time check)
        async with page.expect_navigation() as sent:
            await page.get_by_role("button", name="Send application").click()
        refused = await sent.value
        assert refused is not None
        assert refused.status == 415
        assert page.url == f"{host}/jobs/{team.job_id}/apply#apply"
        await expect(page.get_by_role("alert")).to_have_text(
            "Please correct the fields marked below."
        )
        await expect(page.locator("#f-resume-error")).to_have_text(
            "The résumé must be a PDF, DOC or DOCX file"
        )
        await expect(page.locator("#f-github-error")).to_have_text(
            "Enter your GitHub profile link, like https://github.com/your-name"
        )
        await expect(page.get_by_label("Full name")).to_have_value("Grace Hopper")
        await expect(page.get_by_label("Why this job?")).to_have_value(
            "Compilers,\nand nanoseconds."
        )
        assert await page_width(page) <= 390

        await page.get_by_label("GitHub").fill("https://github.com/grace")
        resume = tmp_path / "Grace Hopper.pdf"
        resume.write_bytes(pdf_bytes("Grace Hopper"))
        await page.get_by_label("Résumé").set_input_files(resume)
        await page.get_by_role("button", name="Send application").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Thank you, your application was sent"
        )
        assert page.url.startswith(f"{host}/jobs/{team.job_id}/applied")
        await page.get_by_role("link", name=f"More jobs at {team.org_name}").click()
        assert page.url == f"{host}/"
    finally:
        await context.close()


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
    live_server: LiveServer, team: Team, browser: Browser
) -> None:
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
