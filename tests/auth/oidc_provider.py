"""A small OpenID Connect provider (and GitHub look-alike) on loopback, for social sign-in tests.

It approves every authorization request at once for the configured identity, and checks what a
real provider checks: client credentials, redirect URI, single-use codes and PKCE (S256).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fixtures.mail import free_port

CLIENT_ID = "wegotwork-test"
CLIENT_SECRET = "provider-secret-123"


@dataclass
class Identity:
    sub: str = "user-1"
    email: str = "grace@example.com"
    email_verified: bool = True
    name: str = "Grace Hopper"


@dataclass
class OidcProvider:
    url: str = ""
    identity: Identity = field(default_factory=Identity)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, Identity] = field(default_factory=dict)
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"}
        )
    )
    token_requests: int = 0
    jwks_requests: int = 0

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/login/oauth/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/login/oauth/access_token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
                Route("/userinfo", self.userinfo),
                Route("/user", self.github_user),
                Route("/user/emails", self.github_emails),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request", "why": "pkce"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": q["redirect_uri"],
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce"),
            "identity": self.identity,
        }
        target = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}"
        return RedirectResponse(target, status_code=302)

    async def token(self, request: Request) -> Response:
        self.token_requests += 1
        form = await request.form()
        grant = self.codes.pop(str(form.get("code")), None)
        if (
            grant is None
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
            or form.get("redirect_uri") != grant["redirect_uri"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if challenge != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "why": "pkce"}, status_code=400)
        identity: Identity = grant["identity"]
        access = secrets.token_urlsafe(24)
        self.tokens[access] = identity
        id_token = self.id_token(identity, nonce=grant["nonce"] or None)
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": id_token,
                "scope": "openid email profile",
            }
        )

    async def jwks(self, request: Request) -> Response:
        self.jwks_requests += 1
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    def id_token(
        self,
        identity: Identity | None = None,
        *,
        nonce: str | None = None,
        key: RSAKey | None = None,
        header: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """An ID token as the provider would hand it to a client (a sign-in button, a mobile
        SDK): signed with the provider's key unless ``key`` says otherwise; ``claims``
        override or add claims (``iss``, ``aud``, ``exp``...)."""
        identity = identity or self.identity
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "sub": identity.sub,
            "email": identity.email,
            "email_verified": identity.email_verified,
            "name": identity.name,
            "iat": now,
            "exp": now + 300,
        }
        if nonce is not None:
            payload["nonce"] = nonce
        payload.update(claims)
        signing_key = key or self.key
        kid = signing_key.as_dict().get("kid", "test-key")
        return jwt.encode(header or {"alg": "RS256", "kid": kid}, payload, signing_key)

    def rotate_key(self) -> None:
        """Sign with a new key from now on (its JWKS publishes only the new one)."""
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": f"key-{secrets.token_hex(4)}", "use": "sig", "alg": "RS256"}
        )

    def _identity(self, request: Request) -> Identity | None:
        header = request.headers.get("authorization", "")
        return self.tokens.get(header.removeprefix("Bearer ").strip())

    async def userinfo(self, request: Request) -> Response:
        identity = self._identity(request)
        if identity is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse(
            {
                "sub": identity.sub,
                "email": identity.email,
                "email_verified": identity.email_verified,
                "name": identity.name,
            }
        )

    async def github_user(self, request: Request) -> Response:
        identity = self._identity(request)
        if identity is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse(
            {
                "id": int(identity.sub.split("-")[-1]),
                "login": "octo",
                "name": identity.name,
                "email": None,
                "avatar_url": f"{self.url}/avatar.png",
            }
        )

    async def github_emails(self, request: Request) -> Response:
        identity = self._identity(request)
        if identity is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse(
            [
                {"email": "old@example.com", "primary": False, "verified": True},
                {"email": identity.email, "primary": True, "verified": identity.email_verified},
            ]
        )


class RunningProvider:
    def __init__(self, provider: OidcProvider) -> None:
        port = free_port()
        provider.url = f"http://127.0.0.1:{port}"
        self.provider = provider
        config = uvicorn.Config(
            provider.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> OidcProvider:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test OpenID provider did not start")
            time.sleep(0.02)
        return self.provider

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


@contextmanager
def running_provider() -> Iterator[OidcProvider]:
    """A provider on loopback for as long as the block runs (the test modules' fixture)."""
    with RunningProvider(OidcProvider()) as provider:
        yield provider


def provider_settings(provider: OidcProvider, **extra: object) -> dict[str, object]:
    """Settings that configure ``provider`` as the app's OpenID Connect provider, with the
    default identity signing in."""
    provider.identity = Identity()
    return {
        "oidc_issuer": provider.url,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        **extra,
    }
