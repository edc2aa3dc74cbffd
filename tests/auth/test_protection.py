"""Protection: the trusted-origin checks, login CSRF, callback URLs, rate limits, and bad input
that must get the documented error (never a 500, never a session)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.auth.conftest import Browser, set_cookies
from tests.fixtures.app import BASE_URL, make_settings
from wegotwork.app import create_app
from wegotwork.clock import FrozenClock
from wegotwork.db import Database
from wegotwork.models import Session, User

pytestmark = pytest.mark.usefixtures("dialect")


async def _sessions(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Session)) or 0)


# Origins ----------------------------------------------------------------------------------------


async def test_cookie_carrying_requests_need_a_trusted_origin(ada: Browser, browser_maker) -> None:
    await ada.sign_up("ada@example.com")
    cookies = dict(ada.client.cookies.items())
    evil: Browser = browser_maker(origin="https://evil.example")
    evil.client.cookies.update(cookies)
    response = await evil.post("/api/auth/update-user", json={"name": "Mallory"})
    assert response.status_code == 403
    assert response.json() == {"message": "Invalid origin", "code": "INVALID_ORIGIN"}

    blind: Browser = browser_maker(origin=None)
    blind.client.cookies.update(cookies)
    missing = await blind.post("/api/auth/update-user", json={"name": "Mallory"})
    assert missing.json() == {"message": "Missing or null Origin", "code": "MISSING_OR_NULL_ORIGIN"}
    referer = await blind.post(
        "/api/auth/update-user", json={"name": "Ada"}, headers={"referer": f"{BASE_URL}/account"}
    )
    assert referer.status_code == 200
    same = await blind.post(
        "/api/auth/update-user",
        json={"name": "Ada"},
        headers={"origin": "null", "sec-fetch-site": "same-origin"},
    )
    assert same.status_code == 200
    # Without cookies there is no ambient authority to abuse: not checked (but no session, which
    # is said before anything about the body; Better Auth would answer 400 VALIDATION_ERROR).
    anonymous = await browser_maker(origin="https://evil.example").post(
        "/api/auth/revoke-session", json={}
    )
    assert anonymous.status_code == 401
    assert anonymous.json() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}


async def test_sign_in_refuses_cross_site_form_logins(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    await ada.sign_up("ada@example.com")
    before = await _sessions(db)
    attacker: Browser = browser_maker(origin=None)
    navigate = await attacker.sign_in(
        "ada@example.com",
        headers={"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"},
    )
    assert navigate.status_code == 403
    assert navigate.json()["code"] == "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED"
    foreign = await browser_maker(origin="https://evil.example").sign_in("ada@example.com")
    assert foreign.json() == {"message": "Invalid origin", "code": "INVALID_ORIGIN"}
    fetch_without_origin = await attacker.client.post(
        "/api/auth/sign-in/email",
        json={"email": "ada@example.com", "password": "a long enough password"},
        headers={"sec-fetch-site": "same-origin"},
    )
    assert fetch_without_origin.json()["code"] == "MISSING_OR_NULL_ORIGIN"
    assert await _sessions(db) == before
    # A server-to-server call (no browser headers at all) is allowed.
    assert (await attacker.sign_in("ada@example.com")).status_code == 200
    # Validation comes first, as in Better Auth.
    bad = await browser_maker(origin="https://evil.example").sign_up("not-an-email")
    assert bad.status_code == 400
    assert bad.json()["code"] == "VALIDATION_ERROR"


async def test_callback_urls_must_stay_on_trusted_origins(ada: Browser, browser_maker) -> None:
    await ada.sign_up("ada@example.com")
    anonymous: Browser = browser_maker(origin=None)
    for url in ("https://evil.example/x", "//evil.example", "/\\evil.example", "/%2F%2Fevil"):
        response = await anonymous.sign_in("ada@example.com", callbackURL=url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "INVALID_CALLBACK_URL"
    reset = await anonymous.post(
        "/api/auth/request-password-reset",
        json={"email": "ada@example.com", "redirectTo": "https://evil.example"},
    )
    assert reset.json() == {"message": "Invalid redirectURL", "code": "INVALID_REDIRECT_URL"}
    link = await anonymous.get(
        "/api/auth/reset-password/abc", params={"callbackURL": "https://evil.example"}
    )
    assert link.json()["code"] == "INVALID_CALLBACK_URL"
    ok = await anonymous.sign_in("ada@example.com", callbackURL=f"{BASE_URL}/dashboard")
    assert ok.status_code == 200


# Bad input --------------------------------------------------------------------------------------


async def test_bad_input_gets_the_documented_error_and_no_session(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    await ada.sign_up("ada@example.com")
    visitor: Browser = browser_maker()
    before = await _sessions(db)
    cases: list[tuple[httpx.Response, int, dict[str, object]]] = []

    malformed = await visitor.post(
        "/api/auth/sign-in/email",
        content=b'{"email": ',
        headers={"content-type": "application/json"},
    )
    cases.append(
        (malformed, 400, {"message": "Invalid JSON in request body", "code": "BAD_REQUEST"})
    )
    missing = await visitor.post("/api/auth/sign-up/email", json={"email": "x@example.com"})
    cases.append(
        (
            missing,
            400,
            {
                "message": "[body.name] Invalid input: expected string, received undefined; "
                "[body.password] Invalid input: expected string, received undefined",
                "code": "VALIDATION_ERROR",
            },
        )
    )
    no_body = await visitor.post("/api/auth/sign-in/email")
    cases.append(
        (
            no_body,
            400,
            {
                "message": "[body] Invalid input: expected object, received undefined",
                "code": "VALIDATION_ERROR",
            },
        )
    )
    text = await visitor.post(
        "/api/auth/sign-in/email", content=b"hello", headers={"content-type": "text/plain"}
    )
    cases.append(
        (
            text,
            415,
            {
                "message": 'Content-Type "text/plain" is not allowed. Allowed types: '
                "application/json, application/x-www-form-urlencoded",
                "code": "UNSUPPORTED_MEDIA_TYPE",
            },
        )
    )
    wrong_type = await visitor.post(
        "/api/auth/sign-in/email", json={"email": 42, "password": ["x"]}
    )
    cases.append(
        (
            wrong_type,
            400,
            {
                "message": "[body.email] Invalid input: expected string, received number; "
                "[body.password] Invalid input: expected string, received array",
                "code": "VALIDATION_ERROR",
            },
        )
    )
    huge_email = "a" * 10_000 + "@example.com"
    sign_up_huge = await visitor.sign_up(huge_email)
    cases.append(
        (
            sign_up_huge,
            400,
            {"message": "[body.email] Invalid email address", "code": "VALIDATION_ERROR"},
        )
    )
    sign_in_huge = await visitor.sign_in(huge_email)
    cases.append((sign_in_huge, 400, {"message": "Invalid email", "code": "INVALID_EMAIL"}))
    megabyte = "p" * 1_000_000
    for response in (
        await visitor.sign_up("big@example.com", password=megabyte),
        await visitor.sign_in("ada@example.com", password=megabyte),
    ):
        cases.append((response, 400, {"message": "Password too long", "code": "PASSWORD_TOO_LONG"}))
    too_big = await visitor.post(
        "/api/auth/sign-in/email",
        content=b'{"email":"ada@example.com","password":"' + b"p" * (1024 * 1024) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert too_big.status_code == 413
    array = await visitor.post("/api/auth/sign-in/email", json=[1, 2])
    cases.append(
        (
            array,
            400,
            {
                "message": "[body] Invalid input: expected object, received array",
                "code": "VALIDATION_ERROR",
            },
        )
    )
    for response, status, expected in cases:
        assert response.status_code == status, response.text
        assert response.json() == expected
        assert "better-auth.session_token" not in set_cookies(response)
    assert await _sessions(db) == before
    assert await db.scalar(select(User).where(User.email == "big@example.com")) is None


async def test_forms_are_accepted_where_better_auth_accepts_them(
    ada: Browser, browser_maker
) -> None:
    await ada.sign_up("ada@example.com")
    visitor: Browser = browser_maker()
    response = await visitor.post(
        "/api/auth/sign-in/email",
        data={
            "email": "ada@example.com",
            "password": "a long enough password",
            "rememberMe": "false",
        },
    )
    assert response.status_code == 200
    assert "better-auth.dont_remember" in set_cookies(response)
    form_elsewhere = await ada.post("/api/auth/update-user", data={"name": "x"})
    assert form_elsewhere.status_code == 415


async def test_an_expired_reset_token_is_refused(
    ada: Browser, db: AsyncSession, frozen_clock: FrozenClock
) -> None:
    from wegotwork.models import OutboxMessage

    await ada.sign_up("ada@example.com")
    await ada.post("/api/auth/request-password-reset", json={"email": "ada@example.com"})
    message = await db.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "ada@example.com")
    )
    assert message is not None
    token = message.text_body.split("/api/auth/reset-password/")[1].split("?")[0]
    frozen_clock.advance(timedelta(hours=1, minutes=1))
    response = await ada.post(
        "/api/auth/reset-password", json={"token": token, "newPassword": "new password 123"}
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid token", "code": "INVALID_TOKEN"}
    link = await ada.get(
        f"/api/auth/reset-password/{token}", params={"callbackURL": "/reset-password"}
    )
    assert link.headers["location"] == "/reset-password?error=INVALID_TOKEN"


# Rate limits ------------------------------------------------------------------------------------


def _limited_app(tmp_path, database: Database, storage: str) -> FastAPI:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, rate_limit=True, rate_limit_storage=storage)
    return create_app(settings, database=database, background=False)


def _client(app: FastAPI, address: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers={"origin": BASE_URL})


@pytest.mark.parametrize("storage", ["memory", "database"])
async def test_sign_in_is_limited_to_three_tries_in_ten_seconds(
    tmp_path, database: Database, storage: str, frozen_clock: FrozenClock
) -> None:
    app = _limited_app(tmp_path, database, storage)
    async with _client(app) as attacker, _client(app, "198.51.100.9") as other:
        statuses = []
        for _ in range(4):
            response = await attacker.post(
                "/api/auth/sign-in/email",
                json={"email": "ada@example.com", "password": "guess1234"},
            )
            statuses.append(response.status_code)
        assert statuses == [401, 401, 401, 429]
        assert response.json() == {"message": "Too many requests. Please try again later."}
        assert 1 <= int(response.headers["retry-after"]) <= 10
        assert response.headers["x-retry-after"] == response.headers["retry-after"]
        # Someone else is not affected, nor are other endpoints.
        assert (await other.post("/api/auth/sign-in/email", json={})).status_code == 400
        assert (await attacker.get("/api/auth/get-session")).status_code == 200
        # The sign-in page's form shares the rule.
        pages = [
            (await attacker.post("/sign-in", data={"email": "a@b.cd", "password": "x"})).status_code
            for _ in range(4)
        ]
        assert pages[-1] == 429
        if storage == "database":
            frozen_clock.advance(timedelta(seconds=11))
            again = await attacker.post("/api/auth/sign-in/email", json={})
            assert again.status_code == 400


async def test_the_general_window_is_a_hundred_requests(tmp_path, database: Database) -> None:
    app = _limited_app(tmp_path, database, "memory")
    async with _client(app) as client:
        statuses = [(await client.get("/api/auth/ok")).status_code for _ in range(101)]
    assert statuses.count(200) == 100
    assert statuses[-1] == 429


async def test_mail_endpoints_allow_three_a_minute(tmp_path, database: Database) -> None:
    app = _limited_app(tmp_path, database, "memory")
    async with _client(app) as client:
        statuses = [
            (
                await client.post(
                    "/api/auth/request-password-reset", json={"email": "x@example.com"}
                )
            ).status_code
            for _ in range(4)
        ]
    assert statuses == [200, 200, 200, 429]
