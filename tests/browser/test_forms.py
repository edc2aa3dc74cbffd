"""Application forms in Chromium: a member builds a five-question form with one knockout in the
job editor's form builder, a candidate applies from a phone with a file answer, a second
candidate is knocked out (and thanked the same), and the reviewer sees the answers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.applicants.helpers import pdf_bytes
from tests.browser.test_applicants import Team, live_server, sign_in, team
from tests.fixtures.live import LiveServer

__all__ = ["live_server", "team"]

pytestmark = pytest.mark.browser

QUESTIONS = [
    ("Do you have the right to work in Germany?", "yes_no", {"rejectIf": "no"}, True),
    ("Years of Python", "number", {}, True),
    ("Preferred work mode", "single_choice", {"options": "Remote\nHybrid"}, True),
    ("Portfolio", "url", {}, False),
    ("Work sample", "file", {}, False),
]


async def build_form(page: Page, server: LiveServer, team: Team) -> None:
    await page.goto(f"{server.url}/dashboard/{team.slug}/jobs/{team.job_id}")
    await page.get_by_role("link", name="Application form").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Application form")
    for label, kind, extra, required in QUESTIONS:
        form = page.locator("form[data-add-question]")
        await form.get_by_label("Question", exact=True).fill(label)
        await form.get_by_label("Kind of answer").select_option(kind)
        if required:
            await form.get_by_label("Required").check()
        if "options" in extra:
            await form.get_by_label("Options, one a line").fill(extra["options"])
        if "rejectIf" in extra:
            await form.get_by_label("Answers that disqualify, one a line").fill(extra["rejectIf"])
        await form.get_by_role("button", name="Add question").click()
        await expect(page.locator(".question-list")).to_contain_text(label)
    await expect(page.locator(".question-item")).to_have_count(5)
    await expect(page.locator(".question-item .badge")).to_have_count(1)


async def apply(
    page: Page,
    server: LiveServer,
    team: Team,
    name: str,
    right_to_work: str,
    folder: Path,
    sample: Path | None = None,
) -> None:
    await page.goto(f"{server.url}/careers/{team.slug}/jobs/{team.job_id}")
    started = time.monotonic()
    await page.get_by_label("Full name").fill(name)
    await page.get_by_label("Email").fill(f"{name.split()[0].lower()}@example.com")
    cv = folder / f"{name}.pdf"
    cv.write_bytes(pdf_bytes(name))
    await page.get_by_label("Résumé").set_input_files(cv)
    group = page.get_by_role("group", name="Do you have the right to work in Germany?")
    await group.get_by_label(right_to_work.capitalize()).check()
    await page.get_by_label("Years of Python").fill("6")
    await page.get_by_role("group", name="Preferred work mode").get_by_label("Remote").check()
    await page.get_by_label("Portfolio (optional)").fill("https://ada.example")
    if sample is not None:
        await page.get_by_label("Work sample (optional)").set_input_files(sample)
    # A person takes a moment: the form refuses anything sent within two seconds of its render.
    elapsed = time.monotonic() - started
    if elapsed < 2.2:
        await page.wait_for_timeout(int((2.2 - elapsed) * 1000))
    await page.get_by_role("button", name="Send application").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you, your application was sent"
    )
    assert time.monotonic() - started < 60


async def test_a_member_builds_a_form_and_candidates_apply_from_a_phone(
    live_server: LiveServer, team: Team, browser: Browser, tmp_path: Path
) -> None:
    desk = await browser.new_context(viewport={"width": 1280, "height": 800})
    member = await desk.new_page()
    await sign_in(member, live_server, team)
    await build_form(member, live_server, team)

    phone_context = await browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = await phone_context.new_page()
    sample = tmp_path / "sample.pdf"
    sample.write_bytes(pdf_bytes("A work sample"))
    await apply(phone, live_server, team, "Ada Lovelace", "yes", tmp_path, sample)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    await apply(phone, live_server, team, "Bob Bystander", "no", tmp_path)

    # The reviewer finds the knocked-out candidate under the filter, and the answers.
    await member.goto(
        f"{live_server.url}/dashboard/{team.slug}/jobs/{team.job_id}/applicants?knockedOut=true"
    )
    await expect(member.locator("#applicant-results")).to_contain_text("Bob Bystander")
    await expect(member.locator("#applicant-results")).not_to_contain_text("Ada Lovelace")
    await member.goto(f"{live_server.url}/dashboard/{team.slug}/jobs/{team.job_id}/applicants")
    await member.get_by_role("link", name="Ada Lovelace").first.click()
    answers = member.locator("#answers")
    await expect(answers).to_contain_text("Do you have the right to work in Germany?")
    await expect(answers).to_contain_text("Remote")
    await expect(answers.get_by_role("link", name="sample.pdf")).to_be_visible()
    await desk.close()
    await phone_context.close()
