"""Account safety: a password reset ends every other session, the account page's password
change signs out everywhere else by default, list-sessions hands out no other session's token,
and a profile picture must be an http(s) URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.auth.conftest import PASSWORD, Browser
from wegotwork.models import OutboxMessage, Session

pytestmark = pytest.mark.usefixtures("dialect")


async def _sessions(db: AsyncSession, user_id: str) -> int:
    db.expire_all()
    count = await db.scalar(
        select(func.count()).select_from(Session).where(Session.user_id == user_id)
    )
    return int(count or 0)


async def _reset_token(ada: Browser, db: AsyncSession, stranger: Browser) -> str:
    await stranger.post(
        "/api/auth/request-password-reset",
        json={"email": "ada@example.com", "redirectTo": "/reset-password"},
    )
    db.expire_all()
    message = (
        await db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "reset-password")
            .order_by(OutboxMessage.created_at.desc())
        )
    ).first()
    assert message is not None
    link = urlsplit(next(w for w in message.text_body.split() if w.startswith("http")))
    opened = await stranger.get(f"{link.path}?{link.query}")
    return parse_qs(urlsplit(opened.headers["location"]).query)["token"][0]


async def test_a_password_reset_ends_every_session(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    user_id = (await ada.sign_up("ada@example.com")).json()["user"]["id"]
    thief: Browser = browser_maker()
    assert (await thief.sign_in("ada@example.com")).status_code == 200
    assert await _sessions(db, user_id) == 2

    stranger: Browser = browser_maker()
    token = await _reset_token(ada, db, stranger)
    done = await stranger.post(
        "/api/auth/reset-password", json={"token": token, "newPassword": "my new password"}
    )
    assert done.json() == {"status": True}
    # Both the owner's and the intruder's sessions are gone.
    assert await _sessions(db, user_id) == 0
    assert await thief.session(disableCookieCache="true") is None
    refused = await thief.post("/api/auth/update-user", json={"name": "Mallory"})
    assert refused.status_code == 401


async def test_the_reset_page_ends_every_session_too(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    user_id = (await ada.sign_up("ada@example.com")).json()["user"]["id"]
    stranger: Browser = browser_maker()
    token = await _reset_token(ada, db, stranger)
    done = await stranger.post(
        "/reset-password", data={"token": token, "newPassword": "my new password"}
    )
    assert done.status_code == 303
    assert await _sessions(db, user_id) == 0


async def test_the_account_page_signs_out_everywhere_else_by_default(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    user_id = (await ada.sign_up("ada@example.com")).json()["user"]["id"]
    phone: Browser = browser_maker()
    await phone.sign_in("ada@example.com")

    page = await ada.get("/account")
    assert 'name="revokeOtherSessions" value="true" checked' in page.text
    changed = await ada.post(
        "/account/password",
        data={
            "currentPassword": PASSWORD,
            "newPassword": "new password 1",
            "revokeOtherSessions": "true",
        },
    )
    assert changed.status_code == 303
    assert await _sessions(db, user_id) == 1
    assert await phone.session(disableCookieCache="true") is None
    assert await ada.session(disableCookieCache="true")

    # Unticked, the other sessions stay (the choice is the user's).
    await phone.sign_in("ada@example.com", "new password 1")
    kept = await ada.post(
        "/account/password",
        data={"currentPassword": "new password 1", "newPassword": "new password 2"},
    )
    assert kept.status_code == 303
    assert await _sessions(db, user_id) == 2

    # The API keeps Better Auth's default: other sessions stay unless asked.
    api = await ada.post(
        "/api/auth/change-password",
        json={"currentPassword": "new password 2", "newPassword": "new password 3"},
    )
    assert api.status_code == 200
    assert await _sessions(db, user_id) == 2


async def test_list_sessions_hands_out_no_other_sessions_token(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    own = (await ada.sign_up("ada@example.com")).json()["token"]
    phone: Browser = browser_maker()
    phone_token = (await phone.sign_in("ada@example.com")).json()["token"]

    listed = await ada.get("/api/auth/list-sessions")
    assert listed.status_code == 200
    tokens = {entry["token"] for entry in listed.json()}
    assert own in tokens  # the caller's own, which it already holds
    assert phone_token not in listed.text  # never another device's credential
    phone_entry = next(entry for entry in listed.json() if entry["token"] != own)
    assert phone_entry["token"] == phone_entry["id"]

    # What list-sessions gives is what revoke-session takes, as the client expects.
    revoked = await ada.post("/api/auth/revoke-session", json={"token": phone_entry["token"]})
    assert revoked.json() == {"status": True}
    assert await phone.session(disableCookieCache="true") is None
    assert await ada.session(disableCookieCache="true")


@pytest.mark.parametrize(
    "image",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "//evil.example/x.png",
        "/relative.png",
        "http://",
        "ftp://example.com/a.png",
        " https://example.com/a.png",
    ],
)
async def test_a_profile_picture_must_be_an_http_url(ada: Browser, image: str) -> None:
    await ada.sign_up("ada@example.com")
    refused = await ada.post("/api/auth/update-user", json={"image": image})
    assert refused.status_code == 400
    assert refused.json()["code"] == "VALIDATION_ERROR"
    assert refused.json()["message"].startswith("[body.image]")
    signed_up = await ada.sign_up("other@example.com", image=image)
    assert signed_up.status_code == 400
    session = await ada.session(disableCookieCache="true")
    assert isinstance(session, dict)
    assert session["user"]["image"] is None


async def test_a_profile_picture_may_be_an_https_url_or_nothing(ada: Browser) -> None:
    await ada.sign_up("ada@example.com", image="https://example.com/ada.png")
    assert (await ada.post("/api/auth/update-user", json={"image": None})).status_code == 200
    ok = await ada.post("/api/auth/update-user", json={"image": "http://example.com/a.png"})
    assert ok.status_code == 200
    session = await ada.session(disableCookieCache="true")
    assert isinstance(session, dict)
    assert session["user"]["image"] == "http://example.com/a.png"
