"""A visitor opens the landing page in a real browser."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.fixtures.live import LiveServer

pytestmark = pytest.mark.browser


async def test_a_visitor_sees_what_the_product_does(live_server: LiveServer, page: Page) -> None:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    await page.goto(live_server.url + "/")
    await expect(page).to_have_title("WeGotWork · Hiring for small teams")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Hire your next teammate")
    await expect(page.get_by_role("link", name="Create your workspace")).to_be_visible()
    await expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    # The stylesheet loaded (the primary button is not the browser's default).
    background = await page.get_by_role("link", name="Create your workspace").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert errors == [], errors


async def test_the_landing_page_fits_a_phone(live_server: LiveServer, phone: Page) -> None:
    await phone.goto(live_server.url + "/")
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    await expect(phone.get_by_role("link", name="Create your workspace")).to_be_visible()
