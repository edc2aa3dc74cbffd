"""Passwords kept from a Better Auth deployment, password resets and email verification by mail
(read from the outbox the app writes in the same transaction)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.auth.conftest import PASSWORD, Browser
from wegotwork.clock import FrozenClock
from wegotwork.models import Account, OutboxMessage, User

pytestmark = pytest.mark.usefixtures("dialect")

# Made by better-auth 1.7.25's own hashPassword("Straße passwort ✓").
BETTER_AUTH_HASH = (
    "ec62b970834ce34b0cd940972852cc9b:877cd083e5586946e4cb508518035f756eb3f477efd0a8127760ddf9"
    "88f148acb07fc56863272cfa051af42552e4ef90986ad39615b9db2e24c52a587a57914d"
)
BETTER_AUTH_PASSWORD = "Straße passwort ✓"


async def _mail(db: AsyncSession, to: str, kind: str) -> OutboxMessage:
    db.expire_all()
    messages = list(
        await db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == to, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.created_at)
        )
    )
    assert messages, f"no {kind} mail to {to}"
    return messages[-1]


def _link(message: OutboxMessage) -> str:
    return next(word for word in message.text_body.split() if word.startswith("http"))


async def test_a_better_auth_password_is_accepted_and_upgraded(
    db: AsyncSession, browser_maker
) -> None:
    user = await factories.make_user(db, email="grace@example.com", password=None)
    db.add(
        Account(
            account_id=user.id, provider_id="credential", user_id=user.id, password=BETTER_AUTH_HASH
        )
    )
    user_id = user.id
    await db.commit()
    visitor: Browser = browser_maker()
    assert (await visitor.sign_in("grace@example.com", "Straße passwort X")).status_code == 401
    response = await visitor.sign_in("grace@example.com", BETTER_AUTH_PASSWORD)
    assert response.status_code == 200
    db.expire_all()
    account = await db.scalar(select(Account).where(Account.user_id == user_id))
    assert account is not None
    assert account.password is not None
    assert account.password.startswith("$argon2id$")
    again = await browser_maker().sign_in("grace@example.com", BETTER_AUTH_PASSWORD)
    assert again.status_code == 200


async def test_password_reset_by_mail(ada: Browser, browser_maker, db: AsyncSession) -> None:
    await ada.sign_up("ada@example.com")
    stranger: Browser = browser_maker()
    unknown = await stranger.post(
        "/api/auth/request-password-reset", json={"email": "nobody@example.com"}
    )
    known = await stranger.post(
        "/api/auth/request-password-reset",
        json={"email": "ada@example.com", "redirectTo": "/reset-password"},
    )
    assert (
        unknown.json()
        == known.json()
        == {
            "status": True,
            "message": "If this email exists in our system, check your email for the reset link",
        }
    )
    assert (
        await db.scalar(
            select(OutboxMessage).where(OutboxMessage.to_address == "nobody@example.com")
        )
        is None
    )

    message = await _mail(db, "ada@example.com", "reset-password")
    assert message.subject == "Reset your WeGotWork password"
    assert message.html_body
    assert "Choose a new password" in message.html_body
    link = urlsplit(_link(message))
    assert link.path.startswith("/api/auth/reset-password/")
    opened = await stranger.get(f"{link.path}?{link.query}")
    assert opened.status_code == 302
    target = urlsplit(opened.headers["location"])
    assert target.path == "/reset-password"
    token = parse_qs(target.query)["token"][0]
    assert len(token) == 24

    short = await stranger.post(
        "/api/auth/reset-password", json={"token": token, "newPassword": "short"}
    )
    assert short.json()["code"] == "PASSWORD_TOO_SHORT"
    done = await stranger.post(
        "/api/auth/reset-password", json={"token": token, "newPassword": "my new password"}
    )
    assert done.json() == {"status": True}
    reused = await stranger.post(
        "/api/auth/reset-password", json={"token": token, "newPassword": "another password"}
    )
    assert reused.status_code == 400
    assert reused.json()["code"] == "INVALID_TOKEN"
    assert (await stranger.sign_in("ada@example.com", PASSWORD)).status_code == 401
    assert (await stranger.sign_in("ada@example.com", "my new password")).status_code == 200
    assert await ada.session(disableCookieCache="true") is None  # a reset ends every session


async def test_email_verification_by_mail(
    ada: Browser, db: AsyncSession, frozen_clock: FrozenClock
) -> None:
    await ada.sign_up("ada@example.com")
    mismatch = await ada.post(
        "/api/auth/send-verification-email", json={"email": "other@example.com"}
    )
    assert mismatch.json() == {"message": "Email mismatch", "code": "EMAIL_MISMATCH"}
    sent = await ada.post(
        "/api/auth/send-verification-email",
        json={"email": "ada@example.com", "callbackURL": "/verify-email"},
    )
    assert sent.json() == {"status": True}
    message = await _mail(db, "ada@example.com", "verify-email")
    assert message.subject == "Verify your email address for WeGotWork"
    link = urlsplit(_link(message))
    token = parse_qs(link.query)["token"][0]

    bad = await ada.get("/api/auth/verify-email", params={"token": token[:-2] + "xx"})
    assert bad.status_code == 401
    assert bad.json() == {"message": "Invalid token", "code": "INVALID_TOKEN"}

    opened = await ada.get(f"{link.path}?{link.query}")
    assert opened.status_code == 302
    assert opened.headers["location"] == "/verify-email"
    page = await ada.get("/verify-email")
    assert "verified" in page.text
    user = await db.scalar(select(User).where(User.email == "ada@example.com"))
    assert user is not None
    assert user.email_verified is True
    fresh = await ada.session(disableCookieCache="true")
    assert fresh["user"]["emailVerified"] is True  # type: ignore[index]
    again = await ada.post("/api/auth/send-verification-email", json={"email": "ada@example.com"})
    assert again.json()["code"] == "EMAIL_ALREADY_VERIFIED"

    frozen_clock.advance(timedelta(hours=2))
    expired = await ada.get("/api/auth/verify-email", params={"token": token})
    assert expired.json() == {"message": "Token expired", "code": "TOKEN_EXPIRED"}
    with_callback = await ada.get(
        "/api/auth/verify-email", params={"token": token, "callbackURL": "/verify-email"}
    )
    assert with_callback.headers["location"] == "/verify-email?error=TOKEN_EXPIRED"


async def test_signed_out_verification_requests_reveal_nothing(
    browser_maker, db: AsyncSession
) -> None:
    await factories.make_user(db, email="late@example.com", verified=False)
    await db.commit()
    visitor: Browser = browser_maker()
    for email in ("late@example.com", "nobody@example.com"):
        response = await visitor.post("/api/auth/send-verification-email", json={"email": email})
        assert response.json() == {"status": True}
    assert (await _mail(db, "late@example.com", "verify-email")).to_address == "late@example.com"
