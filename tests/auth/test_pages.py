"""The sign-in pages and the account page, driven as a browser without JavaScript would: forms,
303 redirects, flashes, errors next to fields, and ``next`` honoured only for paths on this site."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.auth.conftest import PASSWORD, Browser
from wegotwork.models import OutboxMessage, Session, User

pytestmark = pytest.mark.usefixtures("dialect")


async def _sign_up(browser: Browser, email: str = "ada@example.com") -> None:
    response = await browser.post(
        "/sign-up", data={"name": "Ada Lovelace", "email": email, "password": PASSWORD}
    )
    assert response.status_code == 303, response.text


async def test_a_dashboard_visit_goes_through_sign_in_and_lands_back(ada: Browser) -> None:
    await ada.sign_up("ada@example.com")
    await ada.post("/api/auth/sign-out", json={})
    visit = await ada.get("/account?tab=sessions")
    assert visit.status_code == 303
    assert visit.headers["location"] == "/sign-in?next=%2Faccount%3Ftab%3Dsessions"
    page = await ada.get(visit.headers["location"])
    assert 'name="next" value="/account?tab=sessions"' in page.text
    response = await ada.post(
        "/sign-in",
        data={"email": "ada@example.com", "password": PASSWORD, "next": "/account?tab=sessions"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account?tab=sessions"
    assert (await ada.get("/account")).status_code == 200


@pytest.mark.parametrize(
    "unsafe",
    [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/%2F%2Fevil",
        "",
    ],
)
async def test_sign_in_never_sends_anyone_off_site(ada: Browser, unsafe: str) -> None:
    await ada.sign_up("ada@example.com")
    await ada.post("/api/auth/sign-out", json={})
    response = await ada.post(
        "/sign-in", data={"email": "ada@example.com", "password": PASSWORD, "next": unsafe}
    )
    assert response.headers["location"] == "/dashboard"


async def test_wrong_credentials_show_an_error_and_keep_the_email(ada: Browser) -> None:
    await ada.sign_up("ada@example.com")
    await ada.post("/api/auth/sign-out", json={})
    response = await ada.post(
        "/sign-in", data={"email": "ada@example.com", "password": "nope nope nope"}
    )
    assert response.status_code == 422
    assert "That email and password do not match an account." in response.text
    assert 'value="ada@example.com"' in response.text
    assert "nope nope nope" not in response.text
    missing = await ada.post("/sign-in", data={"email": "ada@example.com"})
    assert 'id="f-password-error"' in missing.text


async def test_sign_up_page(ada: Browser, browser_maker, db: AsyncSession) -> None:
    page = await ada.get("/sign-up")
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in page.text
    short = await ada.post(
        "/sign-up", data={"name": "Ada", "email": "ada@example.com", "password": "short"}
    )
    assert short.status_code == 422
    assert "Use at least 8 characters." in short.text
    assert 'value="Ada"' in short.text
    bad_email = await ada.post(
        "/sign-up", data={"name": "Ada", "email": "ada", "password": PASSWORD}
    )
    assert "Invalid email address" in bad_email.text

    await _sign_up(ada)
    session = await ada.session()
    assert isinstance(session, dict)
    assert session["user"]["name"] == "Ada Lovelace"
    mail = await db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "verify-email"))
    assert mail is not None
    assert mail.to_address == "ada@example.com"
    welcome = await ada.get("/account")
    assert "We sent a link to ada@example.com" in welcome.text

    other: Browser = browser_maker()
    taken = await other.post(
        "/sign-up", data={"name": "Eve", "email": "ADA@example.com", "password": PASSWORD}
    )
    assert "An account with this email already exists." in taken.text


async def test_cross_site_sign_in_forms_are_refused(browser_maker) -> None:
    attacker: Browser = browser_maker(origin="https://evil.example")
    response = await attacker.post(
        "/sign-in", data={"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 403


async def test_forgot_and_reset_password_pages(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    await _sign_up(ada)
    visitor: Browser = browser_maker()
    known = await visitor.post("/forgot-password", data={"email": "ada@example.com"})
    unknown = await visitor.post("/forgot-password", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert "we just sent it a link" in known.text
    assert "we just sent it a link" in unknown.text
    message = await db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "reset-password"))
    assert message is not None
    link = next(word for word in message.text_body.split() if word.startswith("http"))
    opened = await visitor.get(link.removeprefix("http://testserver"))
    page = await visitor.get(opened.headers["location"])
    assert "Choose a new password" in page.text
    token = opened.headers["location"].split("token=")[1]
    short = await visitor.post("/reset-password", data={"token": token, "newPassword": "short"})
    assert "Use at least 8 characters." in short.text
    done = await visitor.post(
        "/reset-password", data={"token": token, "newPassword": "a brand new password"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/sign-in"
    again = await visitor.post(
        "/reset-password", data={"token": token, "newPassword": "a brand new password"}
    )
    assert "This link is invalid, used or expired." in again.text
    broken = await visitor.get("/reset-password?error=INVALID_TOKEN")
    assert "Ask for a new link" in broken.text


async def test_the_account_page(ada: Browser, browser_maker, db: AsyncSession) -> None:
    await _sign_up(ada)
    phone: Browser = browser_maker()
    await phone.client.post(
        "/api/auth/sign-in/email",
        json={"email": "ada@example.com", "password": PASSWORD},
        headers={
            "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
        },
    )
    page = await ada.get("/account")
    assert page.status_code == 200
    assert "Safari on iPhone" in page.text
    assert "this device" in page.text
    assert "Where you are signed in" in page.text

    renamed = await ada.post("/account/profile", data={"name": "Countess Lovelace"})
    assert renamed.status_code == 303
    assert (await ada.session())["user"]["name"] == "Countess Lovelace"  # type: ignore[index]
    empty = await ada.post("/account/profile", data={"name": ""})
    assert empty.status_code == 422

    wrong = await ada.post(
        "/account/password", data={"currentPassword": "not it!!", "newPassword": "new password 1"}
    )
    assert wrong.status_code == 422
    assert "That is not the right password." in wrong.text
    changed = await ada.post(
        "/account/password",
        data={
            "currentPassword": PASSWORD,
            "newPassword": "new password 1",
            "revokeOtherSessions": "true",
        },
    )
    assert changed.status_code == 303
    assert await phone.session(disableCookieCache="1") is None
    assert await ada.session()

    await phone.sign_in("ada@example.com", "new password 1")
    sessions = list(await db.scalars(select(Session).order_by(Session.created_at)))
    phone_session = sessions[-1]
    revoked = await ada.post(f"/account/sessions/{phone_session.id}/revoke")
    assert revoked.status_code == 303
    assert await phone.session(disableCookieCache="1") is None

    deleted_wrong = await ada.post("/account/delete", data={"password": "nope nope"})
    assert "That is not the right password." in deleted_wrong.text
    deleted = await ada.post("/account/delete", data={"password": "new password 1"})
    assert deleted.status_code == 303
    assert await db.scalar(select(func.count()).select_from(User)) == 0
    assert (await ada.get("/account")).status_code == 303


async def test_the_account_page_includes_the_notifications_partial_when_present(
    ada: Browser,
    services,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from jinja2 import ChoiceLoader, DictLoader

    await _sign_up(ada)
    services.templates.env.loader = ChoiceLoader(
        [
            DictLoader({"account/notifications.html": "<p>NOTIFY-PARTIAL</p>"}),
            services.templates.env.loader,
        ]
    )
    assert "NOTIFY-PARTIAL" in (await ada.get("/account")).text
