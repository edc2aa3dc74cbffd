"""On https, every auth cookie is ``Secure`` and carries the ``__Secure-`` prefix (and only the
prefixed names are read), as Better Auth does."""

from __future__ import annotations

import pytest

from tests.auth.conftest import Browser, set_cookies
from wegotwork import cookies

pytestmark = pytest.mark.usefixtures("dialect")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"base_url": "https://jobs.example.com", "trusted_origins": ["http://testserver"]}


async def test_cookies_are_secure_on_https(ada: Browser, services) -> None:  # type: ignore[no-untyped-def]
    response = await ada.sign_up("ada@example.com")
    lines = set_cookies(response)
    token_line = lines["__Secure-better-auth.session_token"]
    assert token_line.endswith("; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax")
    assert "Secure; SameSite=Lax" in lines["__Secure-better-auth.session_data"]

    token = response.json()["token"]
    plain = ada.client.__class__(transport=ada.client._transport, base_url="http://testserver")
    plain.cookies.set("better-auth.session_token", cookies.sign(token, services.secret))
    assert (await plain.get("/api/auth/get-session")).content == b"null"
    secure = ada.client.__class__(transport=ada.client._transport, base_url="http://testserver")
    secure.cookies.set("__Secure-better-auth.session_token", cookies.sign(token, services.secret))
    assert (await secure.get("/api/auth/get-session")).json()["user"]["email"] == "ada@example.com"
    await plain.aclose()
    await secure.aclose()
