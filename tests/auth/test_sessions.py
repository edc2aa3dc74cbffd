"""The session timeline, with a clock we move: the cookie cache answers for an hour, the
session slides forward after a day of use, expires after seven idle days, and revocation is
seen at once by every database-checked request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.auth.conftest import Browser, set_cookies
from tests.fixtures.app import BASE_URL, TEST_SECRET
from wegotwork.clock import FrozenClock
from wegotwork.models import Session

pytestmark = pytest.mark.usefixtures("dialect")


async def _row(db: AsyncSession, token: str) -> Session | None:
    db.expire_all()
    return await db.scalar(select(Session).where(Session.token == token))


async def test_the_cookie_cache_answers_for_an_hour_then_the_database_does(
    ada: Browser, db: AsyncSession, frozen_clock: FrozenClock
) -> None:
    token = (await ada.sign_up("ada@example.com")).json()["token"]

    # Revoked behind the browser's back: the cache still answers reads for up to an hour...
    await db.execute(delete(Session).where(Session.token == token))
    await db.commit()
    cached = await ada.get("/api/auth/get-session")
    assert cached.json()["session"]["token"] == token
    assert "set-cookie" not in cached.headers
    # ...but never a request that reads the database,
    assert await ada.session(disableCookieCache="true") is None
    # which also cleared the browser's cookies.
    assert ada.cookie("session_token") is None


async def test_the_cache_expires_after_an_hour(
    ada: Browser, db: AsyncSession, frozen_clock: FrozenClock
) -> None:
    token = (await ada.sign_up("ada@example.com")).json()["token"]
    frozen_clock.advance(timedelta(minutes=59))
    assert "set-cookie" not in (await ada.get("/api/auth/get-session")).headers
    frozen_clock.advance(timedelta(minutes=2))
    response = await ada.get("/api/auth/get-session")
    cookies = set_cookies(response)
    assert "better-auth.session_data" in cookies  # re-issued from the database
    assert "better-auth.session_token" not in cookies  # no refresh within the first day
    await db.execute(delete(Session).where(Session.token == token))
    await db.commit()
    frozen_clock.advance(timedelta(minutes=61))
    assert await ada.session() is None


async def test_a_session_slides_forward_after_a_day_of_use(
    ada: Browser, db: AsyncSession, frozen_clock: FrozenClock
) -> None:
    token = (await ada.sign_up("ada@example.com")).json()["token"]
    first = await _row(db, token)
    assert first is not None
    first_expiry = first.expires_at

    frozen_clock.advance(timedelta(hours=23))
    response = await ada.get("/api/auth/get-session")  # cache expired: database, no refresh
    assert "better-auth.session_token" not in set_cookies(response)
    row = await _row(db, token)
    assert row is not None
    assert row.expires_at == first_expiry

    frozen_clock.advance(timedelta(hours=2))
    response = await ada.get("/api/auth/get-session")
    cookies = set_cookies(response)
    assert "Max-Age=604800" in cookies["better-auth.session_token"]
    row = await _row(db, token)
    assert row is not None
    assert row.expires_at == frozen_clock.current + timedelta(days=7)
    assert response.json()["session"]["expiresAt"].startswith(
        row.expires_at.strftime("%Y-%m-%dT%H:%M:%S")
    )


async def test_any_page_slides_the_session_and_reissues_cookies(
    ada: Browser, db: AsyncSession, frozen_clock: FrozenClock
) -> None:
    token = (await ada.sign_up("ada@example.com")).json()["token"]
    frozen_clock.advance(timedelta(hours=25))
    page = await ada.get("/account")
    assert page.status_code == 200
    cookies = set_cookies(page)
    assert "Max-Age=604800" in cookies["better-auth.session_token"]
    assert "better-auth.session_data" in cookies
    row = await _row(db, token)
    assert row is not None
    assert row.expires_at == frozen_clock.current + timedelta(days=7)


async def test_an_unused_session_expires_after_seven_days(
    ada: Browser, db: AsyncSession, frozen_clock: FrozenClock
) -> None:
    token = (await ada.sign_up("ada@example.com")).json()["token"]
    frozen_clock.advance(timedelta(days=7, minutes=1))
    response = await ada.get("/api/auth/get-session")
    assert response.content == b"null"
    assert set_cookies(response)["better-auth.session_token"].startswith(
        "better-auth.session_token=; Max-Age=0"
    )
    assert await _row(db, token) is None
    page = await ada.get("/account")
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=%2Faccount"


async def test_a_not_remembered_session_never_slides(
    ada: Browser, browser_maker, db: AsyncSession, frozen_clock: FrozenClock
) -> None:
    await ada.sign_up("ada@example.com")
    kiosk: Browser = browser_maker()
    token = (await kiosk.sign_in("ada@example.com", rememberMe=False)).json()["token"]
    frozen_clock.advance(timedelta(hours=20))
    assert await kiosk.session()
    frozen_clock.advance(timedelta(hours=5))
    assert await kiosk.session() is None
    assert await _row(db, token) is None


async def test_revocation_stops_state_changes_at_once(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    await ada.sign_up("ada@example.com")
    phone: Browser = browser_maker()
    phone_token = (await phone.sign_in("ada@example.com")).json()["token"]
    await ada.post("/api/auth/revoke-session", json={"token": phone_token})
    for path, payload in (
        ("/api/auth/change-password", {"currentPassword": "x" * 10, "newPassword": "y" * 10}),
        ("/api/auth/revoke-other-sessions", None),
        ("/api/auth/update-user", {"name": "Mallory"}),
    ):
        response = await phone.post(path, json=payload)
        assert response.status_code == 401, path
    page = await phone.post(
        "/account/profile", data={"name": "Mallory"}, headers={"referer": f"{BASE_URL}/account"}
    )
    assert page.status_code == 303
    assert page.headers["location"] == "/sign-in?next=%2Faccount"  # back to the form's page


def _forge(payload: dict[str, object], expires_at: int, secret: str) -> str:
    text = json.dumps(
        {**payload, "expiresAt": expires_at}, separators=(",", ":"), ensure_ascii=False
    )
    mac = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    outer = json.dumps(
        {"session": payload, "expiresAt": expires_at, "signature": signature},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return base64.urlsafe_b64encode(outer.encode()).rstrip(b"=").decode()


async def test_a_forged_cookie_cache_is_ignored(ada: Browser, frozen_clock: FrozenClock) -> None:
    body = (await ada.sign_up("ada@example.com")).json()
    now_ms = int(frozen_clock.current.timestamp() * 1000)
    session = (await ada.session())["session"]  # type: ignore[index]
    mallory = {**body["user"], "name": "Mallory", "email": "mallory@example.com"}
    payload = {"session": session, "user": mallory, "updatedAt": now_ms, "version": "1"}
    ada.client.cookies.set(
        "better-auth.session_data", _forge(payload, now_ms + 3_600_000, "not-the-secret")
    )
    response = await ada.get("/api/auth/get-session")
    assert response.json()["user"]["email"] == "ada@example.com"
    assert "better-auth.session_data" in set_cookies(response)  # replaced by a genuine one

    garbage = "eyJub3QiOiJqc29uIGF0IGFsbCJ9"  # base64 of unrelated JSON
    ada.client.cookies.set("better-auth.session_data", garbage)
    assert (await ada.session())["user"]["email"] == "ada@example.com"  # type: ignore[index]


async def test_a_cookie_cache_in_better_auths_own_key_order_is_accepted(
    ada: Browser, db: AsyncSession, frozen_clock: FrozenClock
) -> None:
    body = (await ada.sign_up("ada@example.com", name="Zoë Ürban")).json()
    token = body["token"]
    now_ms = int(frozen_clock.current.timestamp() * 1000)
    session = (await ada.session())["session"]  # type: ignore[index]
    # Better Auth writes its own key order; the signature covers that exact text.
    reordered_session = dict(reversed(list(session.items())))
    reordered_user = dict(reversed(list(body["user"].items())))
    payload = {
        "session": reordered_session,
        "user": reordered_user,
        "updatedAt": now_ms,
        "version": "1",
    }
    ada.client.cookies.set(
        "better-auth.session_data", _forge(payload, now_ms + 3_600_000, TEST_SECRET)
    )
    await db.execute(delete(Session).where(Session.token == token))
    await db.commit()
    # Only a cache hit can still answer now that the row is gone.
    cached = await ada.session()
    assert isinstance(cached, dict)
    assert cached["user"]["name"] == "Zoë Ürban"


async def test_a_tampered_session_cookie_is_no_session(ada: Browser) -> None:
    await ada.sign_up("ada@example.com")
    value = ada.cookie("session_token")
    assert value is not None
    ada.client.cookies.clear()
    ada.client.cookies.set("better-auth.session_token", "A" + value[1:])
    response = await ada.get("/api/auth/get-session")
    assert response.content == b"null"
    assert "set-cookie" not in response.headers
    assert (await ada.get("/account")).status_code == 303
