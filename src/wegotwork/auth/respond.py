"""What the Better Auth routes share besides their paths: JSON answers, the trusted origins,
the caller's site and client, starting a session, the signed-in dependency, OpenAPI for bodies the
routes read themselves, and the cookie cache's pre-serialized ``get-session`` answers.

Not a face: ``auth/api.py``, ``auth/pages.py``, ``auth/social.py``, the middleware and the
organization routes all import from here, never from one another."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from wegotwork.auth import actions
from wegotwork.auth.errors import AuthError, fail
from wegotwork.db import utcnow
from wegotwork.deps import Services, get_services
from wegotwork.identity.deps import client_ip, cookie_writer, pending_cookies
from wegotwork.identity.sessions import EXPIRES_IN, AuthContext, session_json, user_json
from wegotwork.identity.wire import CachedSession, decode_cache, dumps, ms
from wegotwork.models import Session, User
from wegotwork.tenancy.guard import signed_in
from wegotwork.web.origins import TrustedOrigins

NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def json_response(
    content: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        dumps(content).encode(),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def trusted_origins(services: Services) -> TrustedOrigins:
    trusted = services.extras.get("auth.trusted")
    if trusted is None:
        trusted = TrustedOrigins(services.settings)
        services.extras["auth.trusted"] = trusted
    assert isinstance(trusted, TrustedOrigins)
    return trusted


def site_of(services: Services) -> actions.Site:
    return actions.Site(base_url=services.settings.base_url, secret=services.secret)


def client_of(request: Request) -> actions.Client:
    return actions.Client(
        ip_address=client_ip(request.scope),
        user_agent=request.headers.get("user-agent", "")[:1000],
    )


def start_session(request: Request, user: User, session: Session, *, remember: bool) -> None:
    """Queue the cookies of a new session (and forget any earlier caller)."""
    writer = cookie_writer(get_services(request))
    pending_cookies(request.scope).update(
        writer.session_cookies(
            session_json(session),
            user_json(user),
            remember=remember,
            now_ms=ms(utcnow()),
            request_cookies=request.cookies,
            token_max_age=int(EXPIRES_IN.total_seconds()),
        )
    )


def unauthorized() -> AuthError:
    return fail("UNAUTHORIZED")


# The caller's session on a Better Auth route that needs one; signed out, ``401
# {"message": "Unauthorized", "code": "UNAUTHORIZED"}`` before the route reads its body
# (Better Auth validates the body first: we deliberately do not, see the README).
SignedIn = Annotated[AuthContext, Depends(signed_in(unauthorized))]


class _Answer:
    """A verified cookie cache and its pre-serialized get-session answer."""

    __slots__ = ("body", "cached")

    def __init__(self, cached: CachedSession) -> None:
        self.cached = cached
        self.body = dumps({"session": cached.session, "user": cached.user}).encode()


_ANSWERS: dict[str, _Answer] = {}
_ANSWERS_MAX = 10_000


def cached_answer(value: str, secret: str) -> _Answer | None:
    """The verified cache and its answer, memoised by the cookie's exact value."""
    answer = _ANSWERS.get(value)
    if answer is None:
        cached = decode_cache(value, secret)
        if cached is None:
            return None
        if len(_ANSWERS) >= _ANSWERS_MAX:
            _ANSWERS.clear()
        answer = _ANSWERS[value] = _Answer(cached)
    return answer
