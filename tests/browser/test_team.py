"""A team forms, in Chromium against a real server: an owner signs up and creates a workspace,
invites a teammate from the team page; the teammate opens the mailed link, signs up from it and
lands in the workspace; the owner changes the teammate's role and removes them."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.fixtures.live import LiveServer
from tests.fixtures.mail import SmtpSink

pytestmark = pytest.mark.browser

OWNER = "ada@example.com"
TEAMMATE = "grace@example.com"


def watch_for_errors(page: Page, errors: list[str]) -> None:
    """Collect script errors and failed static files (form pages answering 422 are fine)."""
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if "/static/" in r.url and r.status >= 400
            else None
        ),
    )


async def test_an_owner_builds_a_team_and_changes_it(
    live_server: LiveServer, page: Page, browser: Browser, smtp_sink: SmtpSink
) -> None:
    base = live_server.url
    errors: list[str] = []
    watch_for_errors(page, errors)

    # The owner signs up and is asked to create a workspace.
    await page.goto(f"{base}/sign-up")
    await page.get_by_label("Your name").fill("Ada Lovelace")
    await page.get_by_label("Work email").fill(OWNER)
    await page.get_by_label("Password").fill("analytical engine 1")
    await page.get_by_role("button", name="Create account").click()
    await page.wait_for_url(f"{base}/onboarding")

    # The address follows the name, and says where the careers page will be.
    await page.get_by_label("Organization name").fill("Analytical Engines")
    slug = page.get_by_label("Address")
    await expect(slug).to_have_value("analytical-engines")
    await expect(page.locator("#slug-check")).to_contain_text("/careers/analytical-engines")
    await page.get_by_role("button", name="Create workspace").click()
    await page.wait_for_url(f"{base}/dashboard/analytical-engines")
    await expect(page.get_by_role("status").first).to_contain_text("Welcome to Analytical Engines")

    # Only a verified address sends invitations: the owner opens the link mailed at sign-up.
    (verification,) = await smtp_sink.wait_for(OWNER)
    await page.goto(next(word for word in verification.text.split() if "verify-email" in word))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("verified")
    await page.goto(f"{base}/dashboard/analytical-engines")

    # The team page: the owner invites a teammate.
    await (
        page.get_by_role("navigation", name="Organization").get_by_role("link", name="Team").click()
    )
    await page.wait_for_url(f"{base}/dashboard/analytical-engines/team")
    await page.get_by_label("Email address").fill(TEAMMATE)
    await page.get_by_label("Role", exact=True).select_option("member")
    await page.get_by_role("button", name="Send invitation").click()
    await expect(page.get_by_role("status").first).to_contain_text(f"Invitation sent to {TEAMMATE}")
    pending = page.locator("section.team-pending")
    await expect(pending.locator("tr", has_text=TEAMMATE)).to_contain_text(
        "invited by Ada Lovelace"
    )

    # The teammate reads the mail in another browser, follows the link and signs up from it.
    (mail,) = await smtp_sink.wait_for(TEAMMATE)
    assert mail.subject == "You are invited to join Analytical Engines on WeGotWork"
    link = next(word for word in mail.text.split() if "/invite/" in word)
    assert link.startswith(f"{base}/invite/")
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(10_000)
    teammate = await context.new_page()
    watch_for_errors(teammate, errors)
    await teammate.goto(link)
    await expect(teammate.get_by_role("heading", level=1)).to_have_text("Join Analytical Engines")
    await teammate.get_by_role("link", name="Create an account").click()
    await expect(teammate.get_by_label("Work email")).to_have_value(TEAMMATE)
    await teammate.get_by_label("Your name").fill("Grace Hopper")
    await teammate.get_by_label("Password").fill("compiler compiler 1")
    await teammate.get_by_role("button", name="Create account").click()
    await teammate.wait_for_url(link)
    await teammate.get_by_role("button", name="Accept and join").click()
    await teammate.wait_for_url(f"{base}/dashboard/analytical-engines")
    await expect(teammate.get_by_role("status").first).to_contain_text(
        "Welcome to Analytical Engines"
    )
    # The header says where they are; the user menu, as what.
    await expect(teammate.locator(".brand-org")).to_have_text("Analytical Engines")
    await teammate.locator(".user-menu summary").click()
    current = teammate.locator(".user-menu [aria-current=true]")
    await expect(current).to_contain_text("Analytical Engines")
    await expect(current).to_contain_text("member")
    await teammate.keyboard.press("Escape")
    # On a phone the dashboard fits the screen: nothing to scroll sideways.
    width = await teammate.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width

    # The owner sees the new member, makes them an admin, then removes them.
    await page.reload()
    row = page.locator("tr", has_text=TEAMMATE)
    await expect(row).to_contain_text("Grace Hopper")
    await expect(page.locator("section.team-pending")).to_contain_text("No pending invitations")
    await row.get_by_label("Role of Grace Hopper").select_option("admin")
    await row.get_by_role("button", name="Change").click()
    await expect(page.get_by_role("status").first).to_contain_text("Grace Hopper is now admin")
    await expect(
        page.locator("tr", has_text=TEAMMATE).get_by_label("Role of Grace Hopper")
    ).to_have_value("admin")
    await page.locator("tr", has_text=TEAMMATE).get_by_role("button", name="Remove").click()
    confirm = page.get_by_role("dialog", name="Are you sure?")
    await expect(confirm).to_contain_text("Remove Grace Hopper from Analytical Engines?")
    await confirm.get_by_role("button", name="Remove Grace Hopper").click()
    await expect(page.get_by_role("status").first).to_contain_text(
        "Grace Hopper was removed from Analytical Engines"
    )
    await expect(page.locator("tr", has_text=TEAMMATE)).to_have_count(0)

    # The teammate no longer gets in.
    response = await teammate.goto(f"{base}/dashboard/analytical-engines")
    assert response is not None
    assert response.status == 404
    await context.close()
    assert errors == []
