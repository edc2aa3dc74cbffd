"""The current-user dependency every face uses.

A request is authenticated by ``Authorization: Bearer <token>`` or by the signed session cookie,
and the session is always read from the database: a signed-out, revoked or expired session reads
and changes nothing from the moment it ends. Only ``GET /api/auth/get-session`` answers from the
signed ``session_data`` cookie cache (Better Auth's behaviour, see ``auth.middleware``); no other
route trusts it. A database read slides the session forward once a day and re-issues the
cookies, on any route: cookies queued here are written by ``AuthCookieMiddleware``.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Scope

from wegotwork import cookies
from wegotwork.db import utcnow
from wegotwork.deps import DbSession, Services, get_services
from wegotwork.errors import Unauthorized
from wegotwork.identity.sessions import (
    EXPIRES_IN,
    AuthContext,
    load_session,
    needs_refresh,
    refresh_session,
    session_json,
    user_json,
)
from wegotwork.identity.wire import CookieWriter, ms
from wegotwork.models import Session, User

SESSION_TOKEN = "session_token"  # noqa: S105 - a cookie name
PENDING_COOKIES = "wegotwork.set_cookies"
_RESOLVED = "wegotwork.auth"


def cookie_writer(services: Services) -> CookieWriter:
    writer = services.extras.get("auth.cookie_writer")
    if writer is None:
        writer = CookieWriter(services.secret, secure=services.settings.secure_cookies)
        services.extras["auth.cookie_writer"] = writer
    assert isinstance(writer, CookieWriter)
    return writer


def pending_cookies(scope: Scope) -> dict[str, str]:
    """``Set-Cookie`` lines (by cookie name) to add to this request's response."""
    pending: dict[str, str] = scope.setdefault(PENDING_COOKIES, {})
    return pending


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        return None
    if "." in credentials:
        # A signed token (as in the cookie) is accepted too.
        return cookies.unsign(credentials, get_services(request).secret)
    return credentials


def session_token_from(request: Request) -> str | None:
    """The session token the request carries: a bearer header, or the signed session cookie."""
    token = bearer_token(request)
    if token is not None:
        return token
    writer = cookie_writer(get_services(request))
    raw = request.cookies.get(writer.session_token)
    if not raw:
        return None
    return cookies.unsign(raw, writer.secret)


def dont_remember(request: Request, writer: CookieWriter) -> bool:
    raw = request.cookies.get(writer.dont_remember)
    return raw is not None and cookies.unsign(raw, writer.secret) == "true"


def client_ip(scope: Scope) -> str:
    """The caller's address (the server resolves trusted proxies' ``X-Forwarded-For``)."""
    client = scope.get("client")
    host = client[0] if client else ""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return ""
    return str(host)


async def resolve_auth(
    request: Request, db: AsyncSession, *, refresh: bool = True
) -> AuthContext | None:
    """The caller's session read from the database (see the module docstring), resolved once
    per request."""
    resolved: dict[str, Any] = request.scope.setdefault(_RESOLVED, {})
    if "db" in resolved:
        db_context: AuthContext | None = resolved["db"]
        return db_context
    services = get_services(request)
    writer = cookie_writer(services)
    pending = pending_cookies(request.scope)
    token = bearer_token(request)
    via_cookie = token is None
    if via_cookie:
        raw = request.cookies.get(writer.session_token)
        token = cookies.unsign(raw, writer.secret) if raw else None
    if token is None:
        resolved["db"] = None
        request.state.auth = None
        return None

    now = utcnow()
    context = await load_session(db, token)
    if context is None:
        if via_cookie:
            pending.update(writer.clear_session(request.cookies))
        await db.commit()  # an expired row found on the way was deleted
    else:
        remember = not (via_cookie and dont_remember(request, writer))
        if refresh and remember and needs_refresh(context.session.expires_at, now):
            await refresh_session(db, context.session)
            await db.commit()
            if via_cookie:
                pending.update(
                    writer.session_cookies(
                        session_json(context.session),
                        user_json(context.user),
                        remember=True,
                        now_ms=ms(now),
                        request_cookies=request.cookies,
                        token_max_age=int(EXPIRES_IN.total_seconds()),
                    )
                )
        elif via_cookie:
            pending.update(
                writer.cache_cookies(
                    session_json(context.session),
                    user_json(context.user),
                    remember=remember,
                    now_ms=ms(now),
                    request_cookies=request.cookies,
                )
            )
    resolved["db"] = context
    request.state.auth = context
    return context


def authenticated_already(request: Request) -> bool:
    """Whether this request's session was looked up already (signed in or not)."""
    return "db" in request.scope.get(_RESOLVED, {})


def reissue_session_cookies(request: Request, context: AuthContext) -> None:
    """Write fresh session cookies (token and cache) for ``context`` on this response.

    For routes that changed the caller's session or user (name, active organization), so the
    browser's cookie cache shows the change at once.
    """
    if bearer_token(request) is not None:
        return
    services = get_services(request)
    writer = cookie_writer(services)
    remember = not dont_remember(request, writer)
    pending_cookies(request.scope).update(
        writer.session_cookies(
            session_json(context.session),
            user_json(context.user),
            remember=remember,
            now_ms=ms(utcnow()),
            request_cookies=request.cookies,
            token_max_age=int(EXPIRES_IN.total_seconds()),
        )
    )


async def reissue_after_change(request: Request, db: AsyncSession, session_id: str) -> None:
    """After a route changed the caller's own session or user in the database (active
    organization, name): re-read both and write fresh cookies, so the browser's cookie cache
    shows the change on the very next request."""
    row = (
        await db.execute(
            select(Session, User)
            .join(User, User.id == Session.user_id)
            .where(Session.id == session_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is not None:
        reissue_session_cookies(request, AuthContext(user=row[1], session=row[0]))


def clear_session_cookies(request: Request) -> None:
    writer = cookie_writer(get_services(request))
    pending_cookies(request.scope).update(writer.clear_session(request.cookies))


async def get_optional_auth(request: Request, db: DbSession) -> AuthContext | None:
    """The caller's session, or None when signed out."""
    return await resolve_auth(request, db)


async def get_auth(auth: Annotated[AuthContext | None, Depends(get_optional_auth)]) -> AuthContext:
    """The caller's session; 401 (or, on a page, a redirect to sign-in) when signed out."""
    if auth is None:
        raise Unauthorized()
    return auth


OptionalAuth = Annotated[AuthContext | None, Depends(get_optional_auth)]
CurrentAuth = Annotated[AuthContext, Depends(get_auth)]
