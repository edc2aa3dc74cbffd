"""Social sign-in: Google, GitHub and any OpenID Connect provider (by issuer URL), with the
authorization-code flow, PKCE (S256), state and, for OpenID providers, a nonce-checked ID token.
Authlib speaks OAuth; the flow state lives in the verification table (``auth-state:<state>``)
and in a signed ``state`` cookie, as Better Auth keeps it. Accounts are linked to an existing
user only when the provider vouches for the email address."""

from __future__ import annotations

import json
import secrets
import string
import time
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.auth.actions import Client
from wegotwork.db import new_id, utcnow
from wegotwork.deps import Services
from wegotwork.identity.sessions import create_session
from wegotwork.models import Account, Session, User, Verification
from wegotwork.settings import Settings

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import AsyncOAuth2Client
    from joserfc.jwk import KeySet

STATE_TTL = timedelta(minutes=10)
STATE_PREFIX = "auth-state:"
_STATE_ALPHABET = string.ascii_letters + string.digits + "-_"
HTTP_TIMEOUT = 10.0
METADATA_TTL = 3600.0
JWKS_TTL = 3600.0
JWKS_MIN_REFRESH = 60.0
CLOCK_SKEW = 60


class OAuthFailure(Exception):
    """A failed callback; ``code`` goes to the error page as ``?error=``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Provider:
    id: str
    name: str
    client_id: str
    client_secret: str
    scopes: list[str]
    authorize_url: str = ""
    token_url: str = ""
    userinfo_url: str = ""
    emails_url: str = ""  # GitHub's list of addresses with their verification state
    jwks_url: str = ""
    issuer: str = ""
    discovery: bool = False  # read the endpoints from the issuer's metadata
    kind: str = "oidc"  # "oidc" or "github"
    extra_params: dict[str, str] = field(default_factory=dict)
    issuers: tuple[str, ...] = ()  # other spellings of ``issuer`` the provider signs with
    _metadata_at: float | None = None
    _keys: KeySet | None = None
    _keys_at: float | None = None

    async def endpoints(self, http: httpx.AsyncClient) -> None:
        fresh = (
            self._metadata_at is not None and time.monotonic() - self._metadata_at < METADATA_TTL
        )
        if not self.discovery or fresh:
            return
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        response = await http.get(url)
        response.raise_for_status()
        meta = response.json()
        self.authorize_url = meta["authorization_endpoint"]
        self.token_url = meta["token_endpoint"]
        self.userinfo_url = meta.get("userinfo_endpoint", "")
        self.jwks_url = meta.get("jwks_uri", "")
        self.issuer = meta.get("issuer", self.issuer)
        self._metadata_at = time.monotonic()
        self._keys = self._keys_at = None

    async def keys(self, http: httpx.AsyncClient, *, refresh: bool = False) -> KeySet:
        """The provider's signing keys, cached for an hour. ``refresh`` (a token signed with a
        key we do not know: the provider rotated its keys) fetches them again, at most once a
        minute, so forged tokens cannot make us hammer the provider."""
        from joserfc.jwk import KeySet

        now = time.monotonic()
        age = now - self._keys_at if self._keys_at is not None else None
        stale = age is None or age >= JWKS_TTL or (refresh and age >= JWKS_MIN_REFRESH)
        if self._keys is None or stale:
            response = await http.get(self.jwks_url)
            response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
            self._keys_at = now
        return self._keys

    def accepts_issuer(self, issuer: object) -> bool:
        return issuer == self.issuer or issuer in self.issuers


def providers_from(settings: Settings) -> dict[str, Provider]:
    found: dict[str, Provider] = {}
    if settings.google_client_id and settings.google_client_secret:
        found["google"] = Provider(
            id="google",
            name="Google",
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret,
            scopes=["email", "profile", "openid"],
            authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
            token_url="https://oauth2.googleapis.com/token",  # noqa: S106 - a URL
            userinfo_url="https://openidconnect.googleapis.com/v1/userinfo",
            jwks_url="https://www.googleapis.com/oauth2/v3/certs",
            issuer="https://accounts.google.com",
            issuers=("accounts.google.com",),
            extra_params={"include_granted_scopes": "true"},
        )
    if settings.github_client_id and settings.github_client_secret:
        found["github"] = Provider(
            id="github",
            name="GitHub",
            client_id=settings.github_client_id,
            client_secret=settings.github_client_secret,
            scopes=["read:user", "user:email"],
            authorize_url="https://github.com/login/oauth/authorize",
            token_url="https://github.com/login/oauth/access_token",  # noqa: S106 - a URL
            userinfo_url="https://api.github.com/user",
            emails_url="https://api.github.com/user/emails",
            kind="github",
        )
    if settings.oidc_issuer and settings.oidc_client_id:
        found[settings.oidc_provider_id] = Provider(
            id=settings.oidc_provider_id,
            name=settings.oidc_name,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            scopes=["openid", "email", "profile"],
            issuer=settings.oidc_issuer.rstrip("/"),
            discovery=True,
        )
    return found


def providers(services: Services) -> dict[str, Provider]:
    """The configured providers (tests may register more under ``auth.oauth``)."""
    registry = services.extras.get("auth.oauth")
    if registry is None:
        registry = services.extras["auth.oauth"] = providers_from(services.settings)
    assert isinstance(registry, dict)
    return registry


async def close_http_client(services: Services) -> None:
    """Close the HTTP client the providers were reached through, if one was opened."""
    client = services.extras.pop("auth.http", None)
    if isinstance(client, httpx.AsyncClient):
        await client.aclose()


def _http(services: Services) -> httpx.AsyncClient:
    client = services.extras.get("auth.http")
    if client is None:
        client = services.extras["auth.http"] = httpx.AsyncClient(timeout=HTTP_TIMEOUT)
    assert isinstance(client, httpx.AsyncClient)
    return client


def _oauth_client(provider: Provider, services: Services) -> AsyncOAuth2Client:
    # Imported on first use: Authlib and its crypto weigh ~17 MB per worker, and most
    # deployments never configure a social provider.
    import authlib.deprecate  # noqa: F401 - installs its own warning filter; ours must come after

    with warnings.catch_warnings():
        # Authlib nags about a future httpx fork on import; nothing for us to act on.
        warnings.simplefilter("ignore")
        from authlib.integrations.httpx_client import AsyncOAuth2Client

    return AsyncOAuth2Client(
        provider.client_id,
        provider.client_secret,
        scope=" ".join(provider.scopes),
        redirect_uri=f"{services.settings.base_url}/api/auth/callback/{provider.id}",
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
        timeout=HTTP_TIMEOUT,
    )


def _random(length: int) -> str:
    return "".join(secrets.choice(_STATE_ALPHABET) for _ in range(length))


@dataclass(frozen=True, slots=True)
class Started:
    url: str
    state: str


async def start(
    db: AsyncSession,
    services: Services,
    provider: Provider,
    *,
    callback_url: str,
    error_url: str | None,
    new_user_url: str | None,
    login_hint: str | None = None,
    scopes: list[str] | None = None,
) -> Started:
    """Record the flow's state and return the provider's authorization URL."""
    await provider.endpoints(_http(services))
    state = _random(32)
    verifier = _random(128)
    nonce = _random(32)
    expires = utcnow() + STATE_TTL
    value = {
        "callbackURL": callback_url,
        "codeVerifier": verifier,
        "errorURL": error_url,
        "newUserURL": new_user_url,
        "expiresAt": int(expires.timestamp() * 1000),
        "nonce": nonce,
        "oauthState": state,
    }
    db.add(
        Verification(
            id=new_id(),
            identifier=STATE_PREFIX + state,
            value=json.dumps(value),
            expires_at=expires,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
    )
    await db.flush()
    client = _oauth_client(provider, services)
    if scopes:
        client.scope = " ".join([*provider.scopes, *scopes])
    params: dict[str, str] = dict(provider.extra_params)
    if provider.kind == "oidc":
        params["nonce"] = nonce
    if login_hint:
        params["login_hint"] = login_hint
    url, _ = client.create_authorization_url(
        provider.authorize_url, state=state, code_verifier=verifier, **params
    )
    return Started(url=str(url), state=state)


@dataclass(frozen=True, slots=True)
class Profile:
    subject: str
    email: str
    email_verified: bool
    name: str
    image: str | None


async def _load_state(db: AsyncSession, state: str) -> dict[str, Any]:
    row = await db.scalar(
        select(Verification).where(Verification.identifier == STATE_PREFIX + state)
    )
    if row is None:
        raise OAuthFailure("state_mismatch")
    await db.execute(delete(Verification).where(Verification.id == row.id))
    if row.expires_at <= utcnow():
        raise OAuthFailure("state_mismatch")
    try:
        value = json.loads(row.value)
    except ValueError as exc:
        raise OAuthFailure("state_mismatch") from exc
    if not isinstance(value, dict):
        raise OAuthFailure("state_mismatch")
    return value


def error_target(state_value: dict[str, Any] | None, base_url: str) -> str:
    target = (state_value or {}).get("errorURL") or f"{base_url}/api/auth/error"
    return str(target)


def with_error(url: str, code: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}error={quote(code, safe='')}"


async def state_of(db: AsyncSession, state: str | None) -> dict[str, Any]:
    if not state:
        raise OAuthFailure("state_not_found")
    return await _load_state(db, state)


async def _profile(
    provider: Provider, services: Services, token: dict[str, Any], nonce: str | None
) -> Profile:
    http = _http(services)
    access = str(token.get("access_token", ""))
    if provider.kind == "github":
        headers = {"authorization": f"Bearer {access}", "accept": "application/vnd.github+json"}
        user = (await http.get(provider.userinfo_url, headers=headers)).json()
        emails = (await http.get(provider.emails_url, headers=headers)).json()
        primary = next(
            (item for item in emails if isinstance(item, dict) and item.get("primary")), None
        )
        email = str((primary or {}).get("email") or user.get("email") or "")
        return Profile(
            subject=str(user.get("id", "")),
            email=email.lower(),
            email_verified=bool((primary or {}).get("verified")),
            name=str(user.get("name") or user.get("login") or email),
            image=user.get("avatar_url"),
        )
    id_token = token.get("id_token")
    claims: dict[str, Any] = {}
    if isinstance(id_token, str) and provider.jwks_url:
        claims = await _verify_id_token(provider, http, id_token, nonce)
    if provider.userinfo_url and (not claims.get("email")):
        response = await http.get(
            provider.userinfo_url, headers={"authorization": f"Bearer {access}"}
        )
        response.raise_for_status()
        info = response.json()
        if claims and info.get("sub") != claims.get("sub"):
            raise OAuthFailure("invalid_user_info")
        claims = {**info, **claims}
    if not claims.get("sub"):
        raise OAuthFailure("invalid_user_info")
    email = str(claims.get("email") or "")
    verified = claims.get("email_verified")
    return Profile(
        subject=str(claims["sub"]),
        email=email.lower(),
        email_verified=verified is True or verified == "true",
        name=str(claims.get("name") or email),
        image=claims.get("picture"),
    )


async def _verify_id_token(
    provider: Provider, http: httpx.AsyncClient, id_token: str, nonce: str | None
) -> dict[str, Any]:
    from joserfc import jwt
    from joserfc.errors import JoseError

    algorithms = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"]
    try:
        try:
            token = jwt.decode(id_token, await provider.keys(http), algorithms=algorithms)
        except (JoseError, ValueError):
            token = jwt.decode(
                id_token, await provider.keys(http, refresh=True), algorithms=algorithms
            )
    except (JoseError, ValueError) as exc:
        raise OAuthFailure("invalid_id_token") from exc
    claims = dict(token.claims)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    now = utcnow().timestamp()
    not_before = claims.get("nbf")
    if (
        not provider.accepts_issuer(claims.get("iss"))
        or provider.client_id not in audiences
        or not isinstance(claims.get("exp"), int | float)
        or claims["exp"] < now - CLOCK_SKEW
        or (isinstance(not_before, int | float) and not_before > now + CLOCK_SKEW)
        or (nonce is not None and claims.get("nonce") != nonce)
        or not claims.get("sub")
    ):
        raise OAuthFailure("invalid_id_token")
    return claims


@dataclass(frozen=True, slots=True)
class Finished:
    user: User
    session: Session
    is_new: bool
    redirect: str


async def finish(
    db: AsyncSession,
    services: Services,
    provider: Provider,
    client: Client,
    *,
    state: dict[str, Any],
    code: str,
) -> Finished:
    """Exchange the code, find or create the user, and start a session."""
    oauth = _oauth_client(provider, services)
    await provider.endpoints(_http(services))
    try:
        token = await oauth.fetch_token(
            provider.token_url, code=code, code_verifier=state.get("codeVerifier")
        )
    except Exception as exc:
        raise OAuthFailure("invalid_code") from exc
    finally:
        await oauth.aclose()
    try:
        profile = await _profile(provider, services, dict(token), state.get("nonce"))
    except OAuthFailure:
        raise
    except Exception as exc:
        raise OAuthFailure("unable_to_get_user_info") from exc
    if not profile.email:
        raise OAuthFailure("email_not_found")
    expires_in = token.get("expires_in")
    user, session, is_new = await sign_in_with_profile(
        db,
        provider,
        client,
        profile,
        {
            "access_token": token.get("access_token"),
            "refresh_token": token.get("refresh_token"),
            "id_token": token.get("id_token"),
            "access_token_expires_at": (
                utcnow() + timedelta(seconds=int(expires_in))
                if isinstance(expires_in, int)
                else None
            ),
            "scope": ",".join(str(token.get("scope", "")).split()) or None,
        },
    )
    target = str(state.get("callbackURL") or "/")
    if is_new and state.get("newUserURL"):
        target = str(state["newUserURL"])
    return Finished(user=user, session=session, is_new=is_new, redirect=target)


async def sign_in_with_profile(
    db: AsyncSession,
    provider: Provider,
    client: Client,
    profile: Profile,
    tokens: dict[str, Any],
) -> tuple[User, Session, bool]:
    """Find the provider account, or link it to the user with that address (only when the
    provider vouches for it: ``account_not_linked`` otherwise), or create the user; then start
    a session. The redirect flow and ID-token sign-in both end here. Returns the user, the
    session and whether the user is new."""
    account = await db.scalar(
        select(Account).where(
            Account.provider_id == provider.id, Account.account_id == profile.subject
        )
    )
    is_new = False
    now = utcnow()
    if account is not None:
        user = await db.get(User, account.user_id)
        if user is None:
            raise OAuthFailure("user_not_found")
        for key, value in tokens.items():
            setattr(account, key, value)
        account.updated_at = now
    else:
        user = await db.scalar(select(User).where(User.email == profile.email))
        if user is not None:
            if not profile.email_verified:
                raise OAuthFailure("account_not_linked")
            if not user.email_verified:
                user.email_verified = True
                user.updated_at = now
        else:
            is_new = True
            user = User(
                id=new_id(),
                name=profile.name[:255] or profile.email,
                email=profile.email,
                email_verified=profile.email_verified,
                image=profile.image,
                created_at=now,
                updated_at=now,
            )
            try:
                async with db.begin_nested():
                    db.add(user)
                    await db.flush()
            except IntegrityError as exc:
                raise OAuthFailure("unable_to_create_user") from exc
        db.add(
            Account(
                id=new_id(),
                account_id=profile.subject,
                provider_id=provider.id,
                user_id=user.id,
                created_at=now,
                updated_at=now,
                **tokens,
            )
        )
    session = await create_session(
        db, user, ip_address=client.ip_address, user_agent=client.user_agent
    )
    return user, session, is_new


async def sign_in_with_id_token(
    db: AsyncSession,
    services: Services,
    provider: Provider,
    client: Client,
    *,
    id_token: str,
    nonce: str | None,
    access_token: str | None,
) -> tuple[User, Session]:
    """Better Auth's ``idToken`` sign-in: a token the client got from the provider itself (a
    Google button, a mobile SDK), verified against the provider's keys (JWKS, cached), issuer,
    audience (our client id), expiry and, when given, nonce; then the same account rules as
    the redirect flow.

    Raises OAuthFailure: ``invalid_id_token``, ``unable_to_get_user_info`` (provider
    unreachable), ``email_not_found``, ``account_not_linked``.
    """
    http = _http(services)
    try:
        await provider.endpoints(http)
        claims = await _verify_id_token(provider, http, id_token, nonce)
    except httpx.HTTPError as exc:
        raise OAuthFailure("unable_to_get_user_info") from exc
    email = str(claims.get("email") or "").lower()
    if not email:
        raise OAuthFailure("email_not_found")
    verified = claims.get("email_verified")
    profile = Profile(
        subject=str(claims["sub"]),
        email=email,
        email_verified=verified is True or verified == "true",
        name=str(claims.get("name") or email),
        image=claims.get("picture") if isinstance(claims.get("picture"), str) else None,
    )
    tokens: dict[str, Any] = {"id_token": id_token}
    if access_token:
        tokens["access_token"] = access_token
    user, session, _ = await sign_in_with_profile(db, provider, client, profile, tokens)
    return user, session
