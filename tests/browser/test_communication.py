"""Candidate communication in Chromium against a live server and the SMTP sink: a candidate
applies, gets the confirmation with the status link and sees "Received"; the team rejects with
a reason and a mail scheduled a few seconds ahead; the mail arrives at its time and the status
page says "Decision made" with the message. A second candidate withdraws from the status page
and the team sees it in the timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.applicants.helpers import Upload, apply, candidate, pdf_bytes
from tests.browser.test_applicants import Team, sign_in
from tests.browser.test_applicants import live_server as live_server
from tests.browser.test_applicants import team as team
from tests.fixtures.live import LiveServer
from tests.fixtures.mail import SmtpSink

pytestmark = pytest.mark.browser

STATUS_LINK = re.compile(r"https?://\S+/status/[A-Za-z0-9_-]{32}")


def _status_path(text: str) -> str:
    match = STATUS_LINK.search(text)
    assert match, text
    return "/status/" + match.group(0).rsplit("/status/", 1)[1]


async def _apply(server: LiveServer, team: Team, email: str, name: str) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await apply(
            http, team.job_id, candidate(email=email, name=name), Upload("cv.pdf", pdf_bytes(name))
        )
    assert response.status_code == 201, response.text


async def _applicant_id(server: LiveServer, team: Team, email: str) -> str:
    async with httpx.AsyncClient(base_url=server.url) as http:
        listed = await http.get(
            f"/api/v1/jobs/{team.job_id}/applicants",
            headers={"authorization": f"Bearer {team.token}"},
        )
    return next(item["id"] for item in listed.json()["applicants"] if item["email"] == email)


async def test_a_rejection_scheduled_by_the_team_reaches_the_candidate_and_the_status_page(
    live_server: LiveServer,
    team: Team,
    page: Page,
    phone: Page,
    smtp_sink: SmtpSink,
) -> None:
    await _apply(live_server, team, "ada@example.com", "Ada Lovelace")
    [confirmation] = await smtp_sink.wait_for("ada@example.com")
    status = _status_path(confirmation.text)
    assert 'href="http' in confirmation.html

    await phone.goto(f"{live_server.url}{status}")
    await expect(phone.locator(".status-phase")).to_have_text("Received")
    await expect(phone.get_by_role("heading", level=1)).to_have_text(team.job_title)
    robots = phone.locator('meta[name="robots"]')
    await expect(robots).to_have_attribute("content", "noindex, nofollow")

    applicant_id = await _applicant_id(live_server, team, "ada@example.com")
    await sign_in(page, live_server, team)
    await page.goto(f"{live_server.url}/dashboard/{team.slug}/applicants/{applicant_id}")
    await page.get_by_role("link", name="Messages and decision").click()
    await page.get_by_label("Reason").select_option(label="Position filled")
    await page.get_by_role("radio", name="At a time").last.check()
    soon = (datetime.now(UTC) + timedelta(seconds=4)).strftime("%Y-%m-%dT%H:%M:%S")
    await page.locator("#reject-send-at").fill(soon)
    await page.get_by_role("button", name="Reject", exact=True).click()
    await expect(page.locator(".flash")).to_contain_text("Rejected")
    await expect(page.locator(".message-status").first).to_have_text("scheduled")

    # Until the mail goes, the page tells nothing new; then it says the decision is made.
    await phone.reload()
    await expect(phone.locator(".status-phase")).to_have_text("In review")
    mails = await smtp_sink.wait_for("ada@example.com", count=2, timeout=30)
    rejection = mails[1]
    assert rejection.subject == f"Your application for {team.job_title} at {team.org_name}"
    assert rejection.message["Reply-To"] == team.member_email
    await phone.reload()
    await expect(phone.locator(".status-phase")).to_have_text("Decision made")
    await expect(phone.locator(".status-messages")).to_contain_text(rejection.subject)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


async def test_a_candidate_withdraws_and_the_team_sees_it(
    live_server: LiveServer,
    team: Team,
    page: Page,
    phone: Page,
    smtp_sink: SmtpSink,
) -> None:
    await _apply(live_server, team, "grace@example.com", "Grace Hopper")
    [confirmation] = await smtp_sink.wait_for("grace@example.com")
    await phone.goto(f"{live_server.url}{_status_path(confirmation.text)}")
    await phone.get_by_role("button", name="Withdraw my application").click()
    await expect(phone.locator(".flash")).to_contain_text("Your application is withdrawn")
    await expect(phone.locator(".status-phase")).to_have_text("Decision made")

    applicant_id = await _applicant_id(live_server, team, "grace@example.com")
    await sign_in(page, live_server, team)
    await page.goto(f"{live_server.url}/dashboard/{team.slug}/applicants/{applicant_id}")
    await expect(page.locator(".history")).to_contain_text("The candidate withdrew")
    await expect(page.locator(".history")).to_contain_text("Rejected: Withdrawn")


async def _reject_two_from_the_list(
    server: LiveServer, team: Team, smtp_sink: SmtpSink, screen: Page
) -> None:
    """Tick two applicants of the job's list, reject them with a reason and the rejection
    template sent now: both get the mail, the third waits on."""
    people = [
        ("ada@example.com", "Ada Lovelace"),
        ("grace@example.com", "Grace Hopper"),
        ("linus@example.com", "Linus Torvalds"),
    ]
    for email, name in people:
        await _apply(server, team, email, name)
    await sign_in(screen, server, team)
    await screen.goto(f"{server.url}/dashboard/{team.slug}/jobs/{team.job_id}/applicants")
    # Enhanced: the bar's buttons wait until something is selected.
    await expect(screen.get_by_role("button", name="Move selected")).to_be_disabled()
    await screen.get_by_label("Select Ada Lovelace").check()
    await screen.get_by_label("Select Grace Hopper").check()
    await expect(screen.locator("[data-selected-count]")).to_have_text("2 selected")
    await screen.locator("summary", has_text="Reject selected").click()
    await screen.get_by_label("Reason").select_option(label="Position filled")
    await screen.get_by_label("Mail to the candidates").select_option(index=1)
    await screen.get_by_role("radio", name="Now").check()
    await screen.get_by_role("button", name="Reject selected").click()
    await expect(screen.locator(".flash")).to_contain_text("2 applicants rejected.")
    rows = screen.locator(".applicant-table tbody tr")
    await expect(rows.filter(has_text="Ada Lovelace")).to_contain_text("Rejected")
    await expect(rows.filter(has_text="Grace Hopper")).to_contain_text("Rejected")
    await expect(rows.filter(has_text="Linus Torvalds")).not_to_contain_text("Rejected")
    for email in ("ada@example.com", "grace@example.com"):
        mails = await smtp_sink.wait_for(email, count=2, timeout=30)
        assert mails[1].subject == f"Your application for {team.job_title} at {team.org_name}"


async def test_the_team_rejects_two_selected_applicants_at_once_on_a_phone(
    live_server: LiveServer, team: Team, phone: Page, smtp_sink: SmtpSink
) -> None:
    await _reject_two_from_the_list(live_server, team, smtp_sink, phone)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


async def test_the_team_rejects_two_selected_applicants_at_once_on_a_desktop(
    live_server: LiveServer, team: Team, page: Page, smtp_sink: SmtpSink
) -> None:
    await _reject_two_from_the_list(live_server, team, smtp_sink, page)
