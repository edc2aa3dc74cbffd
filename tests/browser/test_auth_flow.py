"""A person signs up, signs out, signs in again, changes their password and signs out a session
on another device, in Chromium against a real server."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.fixtures.live import LiveServer
from tests.fixtures.mail import SmtpSink

pytestmark = pytest.mark.browser

EMAIL = "grace@example.com"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


async def test_sign_up_sign_in_change_password_and_revoke_a_session(
    live_server: LiveServer, page: Page, smtp_sink: SmtpSink
) -> None:
    errors: list[str] = []
    # Form pages answer 422 with the errors, which Chromium logs as failed loads; anything else
    # logged is a real problem.
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if "/static/" in r.url and r.status >= 400
            else None
        ),
    )
    base = live_server.url

    # Sign up.
    await page.goto(f"{base}/sign-up")
    await page.get_by_label("Your name").fill("Grace Hopper")
    await page.get_by_label("Work email").fill(EMAIL)
    await page.get_by_label("Password").fill("first password 1")
    await page.get_by_role("button", name="Create account").click()
    # A new user without a workspace is asked to create one.
    await page.wait_for_url(f"{base}/onboarding")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    (welcome,) = await smtp_sink.wait_for(EMAIL)
    assert welcome.subject == "Verify your email address for WeGotWork"

    # Sign out from the account page.
    await page.goto(f"{base}/account")
    await expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    await page.locator("header.page-head").get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{base}/")
    await expect(page.get_by_role("status")).to_contain_text("You are signed out.")

    # Sign in again; an account visit goes through sign-in and lands back.
    await page.goto(f"{base}/account")
    await page.wait_for_url(f"{base}/sign-in?next=%2Faccount")
    await page.get_by_label("Email").fill(EMAIL)
    await page.get_by_label("Password").fill("wrong password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("do not match")
    await expect(page.get_by_label("Email")).to_have_value(EMAIL)
    await page.get_by_label("Password").fill("first password 1")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base}/account")

    # Change the password.
    await page.get_by_label("Current password").fill("first password 1")
    await page.get_by_label("New password").fill("second password 2")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("status")).to_contain_text("Your password is changed.")

    # Another device signs in; sign it out from here.
    async with httpx.AsyncClient(base_url=base, headers={"origin": base}) as other:
        signed_in = await other.post(
            "/api/auth/sign-in/email",
            json={"email": EMAIL, "password": "second password 2"},
            headers={"user-agent": FIREFOX},
        )
        assert signed_in.status_code == 200
        await page.reload()
        row = page.locator(".session-item", has_text="Firefox on Linux")
        await expect(row).to_be_visible()
        await row.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("status")).to_contain_text("That session is signed out.")
        await expect(page.locator(".session-item")).to_have_count(1)
        gone = await other.get("/api/auth/get-session", params={"disableCookieCache": "true"})
        assert gone.json() is None
    assert errors == [], errors


async def test_the_sign_in_pages_fit_a_phone(live_server: LiveServer, phone: Page) -> None:
    for path in ("/sign-in", "/sign-up", "/forgot-password"):
        await phone.goto(live_server.url + path)
        width = await phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, path
        await expect(phone.get_by_role("heading", level=1)).to_be_visible()
