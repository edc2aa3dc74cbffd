"""Sign-in with an ID token (Better Auth's ``idToken`` on /api/auth/sign-in/social), against a
real OpenID Connect provider on loopback: signature against its JWKS (fetched once, cached,
refreshed when it rotates keys), issuer, audience, expiry and nonce; accounts are created and
linked as the redirect flow does."""

from __future__ import annotations

import base64
import time

import pytest
from joserfc.jwk import RSAKey
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
from wegotwork.auth.oauth import Provider
from wegotwork.deps import Services
from wegotwork.models import Account, User

pytestmark = pytest.mark.usefixtures("dialect")


@pytest.fixture
def settings_overrides(oidc: OidcProvider) -> dict[str, object]:
    return provider_settings(oidc, github_client_id="gh-id", github_client_secret="gh-secret")


async def _sign_in(browser: Browser, token: str, **extra: object) -> object:
    return await browser.post(
        "/api/auth/sign-in/social",
        json={"provider": "oidc", "idToken": {"token": token, **extra}},
    )


def _unsigned(oidc: OidcProvider) -> str:
    """The provider's claims with ``alg: none`` and no signature."""
    claims = oidc.id_token().split(".")[1]
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return f"{header}.{claims}."


async def _users(db: AsyncSession) -> int:
    db.expire_all()
    return int(await db.scalar(select(func.count()).select_from(User)) or 0)


async def test_a_verified_id_token_signs_in_and_the_keys_are_cached(
    ada: Browser, browser_maker, oidc: OidcProvider, db: AsyncSession
) -> None:
    fetched = oidc.jwks_requests
    response = await _sign_in(ada, oidc.id_token(nonce="n-1"), nonce="n-1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["redirect"] is False
    assert "url" not in body
    assert body["user"]["email"] == "grace@example.com"
    assert body["user"]["emailVerified"] is True
    assert "better-auth.session_token" in set_cookies(response)
    session = await ada.session()
    assert isinstance(session, dict)
    assert session["session"]["token"] == body["token"]
    account = await db.scalar(select(Account).where(Account.provider_id == "oidc"))
    assert account is not None
    assert account.account_id == "user-1"

    # The same person again, from another device: the same user, the keys from the cache.
    again = await _sign_in(browser_maker(), oidc.id_token())
    assert again.json()["user"]["id"] == body["user"]["id"]
    assert oidc.jwks_requests == fetched + 1
    assert await _users(db) == 1


async def test_an_existing_user_is_linked_only_when_the_provider_vouches(
    ada: Browser, browser_maker, oidc: OidcProvider, db: AsyncSession
) -> None:
    user = await factories.make_user(db, email="grace@example.com", verified=False)
    user_id = user.id
    await db.commit()
    unverified = Identity(sub="user-2", email_verified=False)
    refused = await _sign_in(ada, oidc.id_token(unverified))
    assert refused.status_code == 401
    assert refused.json() == {"message": "account not linked", "code": "OAUTH_LINK_ERROR"}
    linked = await _sign_in(browser_maker(), oidc.id_token(Identity(sub="user-2")))
    assert linked.json()["user"]["id"] == user_id
    assert linked.json()["user"]["emailVerified"] is True


@pytest.mark.parametrize(
    ("case", "claims", "nonce"),
    [
        ("another audience", {"aud": "someone-else"}, None),
        ("another issuer", {"iss": "https://evil.example"}, None),
        ("expired", {"exp": int(time.time()) - 3600}, None),
        ("not valid yet", {"nbf": int(time.time()) + 3600}, None),
        ("a different nonce", {"nonce": "n-1"}, "n-2"),
        ("no nonce where one was expected", {}, "n-2"),
        ("no subject", {"sub": ""}, None),
    ],
)
async def test_a_token_that_fails_a_check_is_refused(
    ada: Browser,
    oidc: OidcProvider,
    db: AsyncSession,
    case: str,
    claims: dict[str, object],
    nonce: str | None,
) -> None:
    token = oidc.id_token(**claims)
    extra = {"nonce": nonce} if nonce else {}
    response = await _sign_in(ada, token, **extra)
    assert response.status_code == 401, case
    assert response.json() == {"message": "Invalid token", "code": "INVALID_TOKEN"}
    assert await _users(db) == 0
    assert "set-cookie" not in response.headers


async def test_forged_tokens_are_refused_without_hammering_the_provider(
    ada: Browser, oidc: OidcProvider, db: AsyncSession
) -> None:
    assert (await _sign_in(ada, oidc.id_token())).status_code == 200
    fetched = oidc.jwks_requests
    stranger = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    for forged in (
        oidc.id_token(key=stranger),
        _unsigned(oidc),
        "not.a.token",
    ):
        response = await _sign_in(ada, forged)
        assert response.status_code == 401
        assert response.json()["code"] == "INVALID_TOKEN"
    # One refresh at most (the first unknown signature), never one per forged token.
    assert oidc.jwks_requests <= fetched + 1


async def test_a_rotated_key_is_fetched_again(
    ada: Browser, browser_maker, oidc: OidcProvider, services: Services
) -> None:
    assert (await _sign_in(ada, oidc.id_token())).status_code == 200
    provider = services.extras["auth.oauth"]["oidc"]
    assert isinstance(provider, Provider)
    provider._keys_at = time.monotonic() - 120  # the last fetch was two minutes ago
    old_key = oidc.key
    oidc.rotate_key()
    try:
        rotated = await _sign_in(browser_maker(), oidc.id_token())
        assert rotated.status_code == 200, rotated.text
    finally:
        oidc.key = old_key


async def test_providers_without_id_tokens_and_unknown_ones(
    ada: Browser, oidc: OidcProvider
) -> None:
    github = await ada.post(
        "/api/auth/sign-in/social",
        json={"provider": "github", "idToken": {"token": oidc.id_token()}},
    )
    assert github.status_code == 404
    assert github.json() == {"message": "id_token not supported", "code": "ID_TOKEN_NOT_SUPPORTED"}
    unknown = await ada.post(
        "/api/auth/sign-in/social",
        json={"provider": "myspace", "idToken": {"token": oidc.id_token()}},
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "PROVIDER_NOT_FOUND"


async def test_google_tokens_use_googles_issuer_names(
    ada: Browser, oidc: OidcProvider, services: Services
) -> None:
    """Google signs with ``https://accounts.google.com`` or ``accounts.google.com``; here its
    keys are the local provider's."""
    services.extras.setdefault("auth.oauth", {})
    from wegotwork.auth.oauth import providers

    registry = providers(services)
    registry["google"] = Provider(
        id="google",
        name="Google",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=["openid"],
        jwks_url=f"{oidc.url}/jwks",
        issuer="https://accounts.google.com",
        issuers=("accounts.google.com",),
    )
    for issuer in ("https://accounts.google.com", "accounts.google.com"):
        response = await ada.post(
            "/api/auth/sign-in/social",
            json={"provider": "google", "idToken": {"token": oidc.id_token(iss=issuer)}},
        )
        assert response.status_code == 200, (issuer, response.text)
    wrong = await ada.post(
        "/api/auth/sign-in/social",
        json={"provider": "google", "idToken": {"token": oidc.id_token()}},
    )
    assert wrong.status_code == 401
