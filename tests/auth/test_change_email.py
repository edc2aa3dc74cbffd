"""Changing the email address with Better Auth's flow: a link to the new address, the change
on opening it, no oracle for taken addresses, and the option to confirm from the current
address first."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests.auth.conftest import Browser
from wegotwork.models import OutboxMessage, User

pytestmark = pytest.mark.usefixtures("dialect")


@dataclass(frozen=True)
class Mail:
    subject: str
    text_body: str
    kind: str


async def _mails(db: AsyncSession, to: str) -> list[Mail]:
    db.expire_all()
    rows = await db.execute(
        select(OutboxMessage.subject, OutboxMessage.text_body, OutboxMessage.kind)
        .where(OutboxMessage.to_address == to)
        .order_by(OutboxMessage.created_at)
    )
    return [Mail(*row) for row in rows]


def _link(message: Mail) -> str:
    url = urlsplit(next(w for w in message.text_body.split() if w.startswith("http")))
    return f"{url.path}?{url.query}"


def _claims(link: str) -> dict[str, object]:
    token = link.split("token=")[1].split("&")[0]
    body = token.split(".")[1]
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


async def _verified_ada(ada: Browser, db: AsyncSession) -> str:
    user_id: str = (await ada.sign_up("ada@example.com")).json()["user"]["id"]
    await db.execute(update(User).where(User.id == user_id).values(email_verified=True))
    await db.commit()
    return user_id


async def test_a_link_to_the_new_address_changes_it(ada: Browser, db: AsyncSession) -> None:
    user_id = await _verified_ada(ada, db)
    response = await ada.post(
        "/api/auth/change-email",
        json={"newEmail": "Ada.New@Example.com", "callbackURL": "/account"},
    )
    assert response.status_code == 200
    assert response.json() == {"status": True}
    [mail] = await _mails(db, "ada.new@example.com")
    assert mail.subject == "Verify your new email address for WeGotWork"
    assert await _mails(db, "ada@example.com") == []
    link = _link(mail)
    claims = _claims(link)
    assert claims["email"] == "ada@example.com"
    assert claims["updateTo"] == "ada.new@example.com"
    assert claims["requestType"] == "change-email-verification"
    assert claims["userId"] == user_id
    assert link.endswith("&callbackURL=%2Faccount")
    # Nothing changes before the link is opened.
    session = await ada.session(disableCookieCache="true")
    assert isinstance(session, dict)
    assert session["user"]["email"] == "ada@example.com"

    opened = await ada.get(link)
    assert opened.status_code == 302
    assert opened.headers["location"] == "/account"
    # The browser's cookie cache shows the new address at once; it stays verified.
    session = await ada.session()
    assert isinstance(session, dict)
    assert session["user"]["email"] == "ada.new@example.com"
    assert session["user"]["emailVerified"] is True

    again = await ada.get(link.split("&callbackURL")[0])
    assert again.status_code == 401
    assert again.json()["code"] == "INVALID_TOKEN"
    assert (await ada.sign_in("ada.new@example.com")).status_code == 200


async def test_opening_the_link_signed_out_answers_with_the_user(
    ada: Browser, browser_maker, db: AsyncSession
) -> None:
    await ada.sign_up("ada@example.com")
    await ada.post("/api/auth/change-email", json={"newEmail": "ada.new@example.com"})
    [mail] = await _mails(db, "ada.new@example.com")
    stranger: Browser = browser_maker()
    opened = await stranger.get(_link(mail).split("&callbackURL")[0])
    assert opened.status_code == 200
    body = opened.json()
    assert body["status"] is True
    assert body["user"]["email"] == "ada.new@example.com"
    assert body["user"]["emailVerified"] is False  # an unverified account stays unverified


async def test_refusals_and_no_oracle(ada: Browser, browser_maker, db: AsyncSession) -> None:
    other: Browser = browser_maker()
    await other.sign_up("grace@example.com", name="Grace")
    await ada.sign_up("ada@example.com")

    same = await ada.post("/api/auth/change-email", json={"newEmail": "ADA@example.com"})
    assert same.status_code == 400
    assert same.json() == {"message": "Email is the same"}
    bad = await ada.post("/api/auth/change-email", json={"newEmail": "not an address"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "VALIDATION_ERROR"
    # A taken address answers like a free one and mails nobody.
    taken = await ada.post("/api/auth/change-email", json={"newEmail": "grace@example.com"})
    assert taken.json() == {"status": True}
    assert [m.kind for m in await _mails(db, "grace@example.com")] == []
    signed_out = await browser_maker().post(
        "/api/auth/change-email", json={"newEmail": "x@example.com"}
    )
    assert signed_out.status_code == 401

    # Another signed-in user cannot use Ada's link.
    await ada.post("/api/auth/change-email", json={"newEmail": "ada.new@example.com"})
    [mail] = await _mails(db, "ada.new@example.com")
    link = _link(mail).split("&callbackURL")[0]
    refused = await other.get(link)
    assert refused.status_code == 401
    assert refused.json()["code"] == "INVALID_USER"

    # Taken between the request and the click: refused, nobody's address moves.
    await browser_maker().sign_up("ada.new@example.com", name="Squatter")
    late = await ada.get(link)
    assert late.status_code == 401
    assert late.json()["code"] == "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"


class TestConfirmingFromTheCurrentAddress:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"change_email_confirm_current": True}

    async def test_the_current_address_confirms_first(self, ada: Browser, db: AsyncSession) -> None:
        await _verified_ada(ada, db)
        await ada.post("/api/auth/change-email", json={"newEmail": "ada.new@example.com"})
        assert await _mails(db, "ada.new@example.com") == []
        [confirm] = await _mails(db, "ada@example.com")
        assert confirm.subject == "Confirm changing your WeGotWork email address"
        confirm_link = _link(confirm)
        assert _claims(confirm_link)["requestType"] == "change-email-confirmation"

        assert (await ada.get(confirm_link.split("&callbackURL")[0])).status_code == 200
        [verify] = await _mails(db, "ada.new@example.com")
        verify_link = _link(verify)
        assert _claims(verify_link)["requestType"] == "change-email-verification"
        session = await ada.session(disableCookieCache="true")
        assert isinstance(session, dict)
        assert session["user"]["email"] == "ada@example.com"  # not yet
        assert (await ada.get(verify_link)).status_code == 302
        session = await ada.session()
        assert isinstance(session, dict)
        assert session["user"]["email"] == "ada.new@example.com"


async def test_the_account_page_offers_it(ada: Browser, db: AsyncSession) -> None:
    await ada.sign_up("ada@example.com")
    page = await ada.get("/account")
    assert 'action="/account/email"' in page.text
    same = await ada.post("/account/email", data={"newEmail": "ada@example.com"})
    assert same.status_code == 422
    assert "Email is the same" in same.text
    sent = await ada.post("/account/email", data={"newEmail": "ada.new@example.com"})
    assert sent.status_code == 303
    [mail] = await _mails(db, "ada.new@example.com")
    assert (await ada.get(_link(mail))).status_code == 302
    page = await ada.get("/account")
    assert "ada.new@example.com" in page.text
