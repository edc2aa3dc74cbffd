"""Email and password on Better Auth's wire: sign-up, sign-in, sign-out, profile and password
changes, as the JavaScript client sees them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.auth.conftest import PASSWORD, Browser, set_cookies
from wegotwork.models import Account, Session, User

pytestmark = pytest.mark.usefixtures("dialect")

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def test_sign_up_creates_the_user_and_signs_them_in(ada: Browser, db: AsyncSession) -> None:
    response = await ada.sign_up("Ada@Example.COM")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    user = body["user"]
    assert user["email"] == "ada@example.com"
    assert user["name"] == "Ada Lovelace"
    assert user["emailVerified"] is False
    assert user["image"] is None
    assert ISO_MS.match(user["createdAt"])
    assert re.fullmatch(r"[A-Za-z0-9]{32}", body["token"])
    cookies = set_cookies(response)
    assert cookies["better-auth.session_token"].endswith(
        "; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax"
    )
    assert "Max-Age=3600; Path=/; HttpOnly; SameSite=Lax" in cookies["better-auth.session_data"]

    session = await ada.session()
    assert isinstance(session, dict)
    assert session["user"]["id"] == user["id"]
    assert session["session"]["token"] == body["token"]
    assert session["session"]["activeOrganizationId"] is None

    row = await db.scalar(select(User).where(User.email == "ada@example.com"))
    assert row is not None
    account = await db.scalar(select(Account).where(Account.user_id == row.id))
    assert account is not None
    assert account.provider_id == "credential"
    assert account.password is not None
    assert account.password.startswith("$argon2id$")


async def test_a_second_sign_up_with_the_same_email_is_refused(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    await ada.sign_up("ada@example.com")
    again = await browser_maker().sign_up("ADA@example.com", name="Someone Else")
    assert again.status_code == 422
    assert again.json() == {
        "message": "User already exists. Use another email.",
        "code": "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
    }
    assert "set-cookie" not in again.headers
    count = await db.scalar(
        select(func.count()).select_from(User).where(User.email == "ada@example.com")
    )
    assert count == 1


async def test_password_length_rules(ada: Browser) -> None:
    short = await ada.sign_up("short@example.com", password="seven77")
    assert short.status_code == 400
    assert short.json()["code"] == "PASSWORD_TOO_SHORT"
    long = await ada.sign_up("long@example.com", password="x" * 129)
    assert long.json() == {"message": "Password too long", "code": "PASSWORD_TOO_LONG"}


async def test_sign_in_with_the_right_password_and_not_with_a_wrong_one(
    ada: Browser, browser_maker
) -> None:
    await ada.sign_up("ada@example.com")
    laptop: Browser = browser_maker()
    wrong = await laptop.sign_in("ada@example.com", "not the password")
    unknown = await laptop.sign_in("nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "message": "Invalid email or password",
            "code": "INVALID_EMAIL_OR_PASSWORD",
        }
    )
    assert "set-cookie" not in wrong.headers
    assert await laptop.session() is None

    right = await laptop.sign_in("ADA@example.com")
    assert right.status_code == 200
    body = right.json()
    assert body["redirect"] is False
    assert body["user"]["email"] == "ada@example.com"
    session = await laptop.session()
    assert isinstance(session, dict)
    assert session["session"]["token"] == body["token"]


async def test_sign_in_with_a_callback_url_says_where_to_go(ada: Browser) -> None:
    await ada.sign_up("ada@example.com")
    response = await ada.sign_in("ada@example.com", callbackURL="/dashboard")
    assert response.json()["redirect"] is True
    assert response.json()["url"] == "/dashboard"
    assert response.headers["location"] == "/dashboard"


async def test_not_remembered_sessions_last_a_day_in_browser_only_cookies(
    ada: Browser, db: AsyncSession
) -> None:
    await ada.sign_up("ada@example.com")
    response = await ada.sign_in("ada@example.com", rememberMe=False)
    cookies = set_cookies(response)
    assert "Max-Age" not in cookies["better-auth.session_token"]
    assert "Max-Age" not in cookies["better-auth.session_data"]
    assert "better-auth.dont_remember" in cookies
    session = await db.scalar(select(Session).where(Session.token == response.json()["token"]))
    assert session is not None
    lifetime = session.expires_at - session.created_at
    assert lifetime.days == 1


async def test_sign_out_ends_the_session(ada: Browser, db: AsyncSession) -> None:
    token = (await ada.sign_up("ada@example.com")).json()["token"]
    response = await ada.post("/api/auth/sign-out", json={})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    cookies = set_cookies(response)
    assert cookies["better-auth.session_token"] == (
        "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
    )
    assert await ada.session() is None
    assert await db.scalar(select(Session).where(Session.token == token)) is None


async def test_update_user_changes_the_name_and_refreshes_the_cache(ada: Browser) -> None:
    await ada.sign_up("ada@example.com")
    response = await ada.post("/api/auth/update-user", json={"name": "Countess Lovelace"})
    assert response.json() == {"status": True}
    assert "better-auth.session_data" in set_cookies(response)
    session = await ada.session()
    assert isinstance(session, dict)
    assert session["user"]["name"] == "Countess Lovelace"

    email = await ada.post("/api/auth/update-user", json={"email": "x@example.com"})
    assert email.status_code == 400
    assert email.json()["code"] == "EMAIL_CAN_NOT_BE_UPDATED"
    nothing = await ada.post("/api/auth/update-user", json={})
    assert nothing.status_code == 400
    assert nothing.json() == {"message": "No fields to update"}


async def test_change_password(ada: Browser, browser_maker, db: AsyncSession) -> None:
    await ada.sign_up("ada@example.com")
    wrong = await ada.post(
        "/api/auth/change-password",
        json={"currentPassword": "not it at all", "newPassword": "brand new password"},
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"message": "Invalid password", "code": "INVALID_PASSWORD"}

    phone: Browser = browser_maker()
    phone_token = (await phone.sign_in("ada@example.com")).json()["token"]
    changed = await ada.post(
        "/api/auth/change-password",
        json={"currentPassword": PASSWORD, "newPassword": "brand new password"},
    )
    assert changed.status_code == 200
    assert changed.json()["token"] is None
    assert await phone.session()  # other sessions are kept unless asked

    revoked = await ada.post(
        "/api/auth/change-password",
        json={
            "currentPassword": "brand new password",
            "newPassword": "an even newer password",
            "revokeOtherSessions": True,
        },
    )
    new_token = revoked.json()["token"]
    assert new_token
    assert await phone.session(disableCookieCache="true") is None
    assert await db.scalar(select(Session).where(Session.token == phone_token)) is None
    session = await ada.session()
    assert isinstance(session, dict)
    assert session["session"]["token"] == new_token
    assert (
        await browser_maker().sign_in("ada@example.com", "an even newer password")
    ).status_code == 200


async def test_list_and_revoke_sessions(ada: Browser, browser_maker) -> None:
    await ada.sign_up("ada@example.com")
    phone: Browser = browser_maker()
    phone_token = (await phone.sign_in("ada@example.com")).json()["token"]
    listed = await ada.get("/api/auth/list-sessions")
    assert listed.status_code == 200
    assert len(listed.json()) == 2
    assert phone_token not in listed.text  # other devices' tokens are not handed out

    # A token the caller knows (here the phone's own) is still taken, as in Better Auth.
    revoke = await ada.post("/api/auth/revoke-session", json={"token": phone_token})
    assert revoke.json() == {"status": True}
    assert await phone.session(disableCookieCache="true") is None
    # A revoked session can change nothing, even with its cookie cache.
    refused = await phone.post("/api/auth/update-user", json={"name": "Mallory"})
    assert refused.status_code == 401
    assert refused.json() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}

    laptop: Browser = browser_maker()
    await laptop.sign_in("ada@example.com")
    others = await ada.post("/api/auth/revoke-other-sessions")
    assert others.json() == {"status": True}
    assert await laptop.session(disableCookieCache="1") is None
    assert await ada.session()

    everything = await ada.post("/api/auth/revoke-sessions")
    assert everything.json() == {"status": True}
    assert await ada.session() is None


async def test_delete_user_with_password(ada: Browser, db: AsyncSession) -> None:
    await ada.sign_up("ada@example.com")
    wrong = await ada.post("/api/auth/delete-user", json={"password": "not the password"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "INVALID_PASSWORD"
    response = await ada.post("/api/auth/delete-user", json={"password": PASSWORD})
    assert response.json() == {"success": True, "message": "User deleted"}
    assert await db.scalar(select(User).where(User.email == "ada@example.com")) is None
    assert await ada.session() is None


async def test_bearer_tokens_work_for_api_clients(ada: Browser, clients) -> None:  # type: ignore[no-untyped-def]
    token = (await ada.sign_up("ada@example.com")).json()["token"]
    api = clients.bearer(token)
    response = await api.get("/api/auth/get-session")
    assert response.json()["user"]["email"] == "ada@example.com"
    assert "set-cookie" not in response.headers


async def test_health_and_unknown_paths(ada: Browser) -> None:
    assert (await ada.get("/api/auth/ok")).json() == {"ok": True}
    unknown = await ada.get("/api/auth/nothing-here")
    assert unknown.status_code == 404
    assert unknown.content == b""
    trailing = await ada.get("/api/auth/ok/")
    assert trailing.status_code == 404
    assert (await ada.get("/api/auth/forget-password")).status_code == 404
    post = await ada.post("/api/auth/get-session")
    assert post.status_code == 405
    assert post.json()["code"] == "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED"
    signed_out = await ada.get("/api/auth/get-session")
    assert signed_out.content == b"null"
    assert signed_out.headers["cache-control"] == "no-store"
