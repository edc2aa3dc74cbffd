"""Social sign-in against an OpenID Connect provider running on loopback: the authorization-code
flow with PKCE, state and nonce, account linking by verified email, and failures."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.auth.conftest import Browser, set_cookies
from tests.auth.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    Identity,
    OidcProvider,
    provider_settings,
)
from wegotwork.auth.oauth import Provider, providers_from
from wegotwork.deps import Services
from wegotwork.models import Account, User

pytestmark = pytest.mark.usefixtures("dialect")


@pytest.fixture
def settings_overrides(oidc: OidcProvider) -> dict[str, object]:
    return provider_settings(oidc, oidc_name="Acme SSO")


async def _sign_in_with(
    browser: Browser, provider: str = "oidc", **extra: object
) -> httpx.Response:
    """Start at /api/auth/sign-in/social, let the provider approve, come back to the callback."""
    start = await browser.post(
        "/api/auth/sign-in/social",
        json={"provider": provider, "callbackURL": "/dashboard", **extra},
    )
    assert start.status_code == 200, start.text
    body = start.json()
    assert body["redirect"] is True
    assert start.headers["location"] == body["url"]
    assert "Max-Age=300" in set_cookies(start)["better-auth.state"]
    async with httpx.AsyncClient() as outside:
        approved = await outside.get(body["url"])
    assert approved.status_code == 302, approved.text
    back = urlsplit(approved.headers["location"])
    return await browser.get(f"{back.path}?{back.query}")


async def test_a_new_user_signs_in_with_openid_connect(
    ada: Browser, oidc: OidcProvider, db: AsyncSession
) -> None:
    response = await _sign_in_with(ada)
    assert response.status_code == 302
    assert response.headers["location"] == "/dashboard"
    cookies = set_cookies(response)
    assert "better-auth.session_token" in cookies
    assert cookies["better-auth.state"].startswith("better-auth.state=; Max-Age=0")
    session = await ada.session()
    assert isinstance(session, dict)
    assert session["user"]["email"] == "grace@example.com"
    assert session["user"]["emailVerified"] is True
    assert session["user"]["name"] == "Grace Hopper"
    account = await db.scalar(select(Account).where(Account.provider_id == "oidc"))
    assert account is not None
    assert account.account_id == "user-1"
    assert account.id_token
    assert account.access_token
    assert account.scope == "openid,email,profile"


async def test_the_authorization_url_carries_pkce_state_and_nonce(
    ada: Browser, oidc: OidcProvider
) -> None:
    start = await ada.post(
        "/api/auth/sign-in/social", json={"provider": "oidc", "disableRedirect": True}
    )
    assert start.json()["redirect"] is False
    assert "location" not in start.headers
    query = parse_qs(urlsplit(start.json()["url"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) == 32
    assert query["nonce"][0]
    assert query["redirect_uri"] == ["http://testserver/api/auth/callback/oidc"]


async def test_an_existing_account_is_linked_by_verified_email(
    ada: Browser, db: AsyncSession, oidc: OidcProvider
) -> None:
    user = await factories.make_user(db, email="grace@example.com", verified=False)
    user_id = user.id
    await db.commit()
    response = await _sign_in_with(ada)
    assert response.headers["location"] == "/dashboard"
    session = await ada.session()
    assert isinstance(session, dict)
    assert session["user"]["id"] == user_id
    count = await db.scalar(
        select(func.count()).select_from(User).where(User.email == "grace@example.com")
    )
    assert count == 1
    accounts = await db.scalar(
        select(func.count()).select_from(Account).where(Account.user_id == user_id)
    )
    assert accounts == 2  # the password and the provider


async def test_an_unverified_email_is_not_linked(
    ada: Browser, db: AsyncSession, oidc: OidcProvider
) -> None:
    await factories.make_user(db, email="grace@example.com")
    await db.commit()
    oidc.identity = Identity(email_verified=False)
    response = await _sign_in_with(ada)
    assert response.status_code == 302
    assert (
        response.headers["location"] == "http://testserver/api/auth/error?error=account_not_linked"
    )
    assert await ada.session() is None
    page = await ada.get("/api/auth/error", params={"error": "account_not_linked"})
    assert "account_not_linked" in page.text


async def test_a_callback_without_the_state_cookie_is_refused(
    ada: Browser, browser_maker, oidc: OidcProvider
) -> None:
    start = await ada.post("/api/auth/sign-in/social", json={"provider": "oidc"})
    async with httpx.AsyncClient() as outside:
        approved = await outside.get(start.json()["url"])
    back = urlsplit(approved.headers["location"])
    victim: Browser = browser_maker()
    response = await victim.get(f"{back.path}?{back.query}")
    assert response.headers["location"].endswith("error=state_mismatch")
    assert await victim.session() is None
    missing = await victim.get("/api/auth/callback/oidc?code=abc")
    assert missing.headers["location"].endswith("error=state_not_found")


async def test_unknown_providers_and_foreign_callbacks(ada: Browser) -> None:
    unknown = await ada.post("/api/auth/sign-in/social", json={"provider": "myspace"})
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Provider not found", "code": "PROVIDER_NOT_FOUND"}
    foreign = await ada.post(
        "/api/auth/sign-in/social", json={"provider": "oidc", "callbackURL": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert foreign.json()["code"] == "INVALID_CALLBACK_URL"


async def test_github_sign_in_uses_the_primary_verified_address(
    ada: Browser, services: Services, oidc: OidcProvider, db: AsyncSession
) -> None:
    from wegotwork.auth.oauth import providers

    providers(services)["github"] = Provider(
        id="github",
        name="GitHub",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=["read:user", "user:email"],
        authorize_url=f"{oidc.url}/login/oauth/authorize",
        token_url=f"{oidc.url}/login/oauth/access_token",
        userinfo_url=f"{oidc.url}/user",
        emails_url=f"{oidc.url}/user/emails",
        kind="github",
    )
    oidc.identity = Identity(sub="gh-42", email="Octo@Example.com")
    response = await _sign_in_with(ada, "github")
    assert response.headers["location"] == "/dashboard"
    session = await ada.session()
    assert isinstance(session, dict)
    assert session["user"]["email"] == "octo@example.com"
    account = await db.scalar(select(Account).where(Account.provider_id == "github"))
    assert account is not None
    assert account.account_id == "42"


async def test_google_is_enabled_by_its_two_settings(settings) -> None:  # type: ignore[no-untyped-def]
    assert "google" not in providers_from(settings)
    configured = settings.model_copy(
        update={"google_client_id": "id.apps.googleusercontent.com", "google_client_secret": "s"}
    )
    google = providers_from(configured)["google"]
    assert google.authorize_url == "https://accounts.google.com/o/oauth2/v2/auth"
    assert google.scopes == ["email", "profile", "openid"]


async def test_the_sign_in_page_offers_configured_providers(
    ada: Browser, oidc: OidcProvider
) -> None:
    page = await ada.get("/sign-in?next=/dashboard/acme")
    assert "Continue with Acme SSO" in page.text
    start = await ada.post("/sign-in/social/oidc", data={"next": "/dashboard/acme"})
    assert start.status_code == 303
    async with httpx.AsyncClient() as outside:
        approved = await outside.get(start.headers["location"])
    back = urlsplit(approved.headers["location"])
    done = await ada.get(f"{back.path}?{back.query}")
    assert done.headers["location"] == "/dashboard/acme"


async def test_the_providers_http_client_is_closed_on_shutdown(settings, database) -> None:  # type: ignore[no-untyped-def]
    from wegotwork.app import create_app
    from wegotwork.auth.oauth import _http

    app = create_app(settings, database=database, background=False)
    services: Services = app.state.services
    async with app.router.lifespan_context(app):
        client = _http(services)
        assert not client.is_closed
    assert client.is_closed
    assert "auth.http" not in services.extras
