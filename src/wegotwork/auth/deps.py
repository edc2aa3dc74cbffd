"""The current-user dependency every face uses: session cookie or ``Authorization: Bearer``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from wegotwork.auth import cookies
from wegotwork.auth.sessions import AuthContext, load_session
from wegotwork.deps import DbSession, get_services
from wegotwork.errors import Unauthorized

SESSION_TOKEN = "session_token"  # noqa: S105 - a cookie name


def session_token_from(request: Request) -> str | None:
    """The session token the request carries: a bearer header, or the signed session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    services = get_services(request)
    name = cookies.cookie_name(SESSION_TOKEN, secure=services.settings.secure_cookies)
    raw = request.cookies.get(name)
    if not raw:
        return None
    return cookies.unsign(raw, services.secret)


async def get_optional_auth(request: Request, db: DbSession) -> AuthContext | None:
    """The caller's session, or None when signed out. Resolved once per request."""
    if "auth" in request.state._state:
        cached: AuthContext | None = request.state.auth
        return cached
    token = session_token_from(request)
    auth = await load_session(db, token) if token else None
    request.state.auth = auth
    return auth


async def get_auth(auth: Annotated[AuthContext | None, Depends(get_optional_auth)]) -> AuthContext:
    """The caller's session; 401 (or, on a page, a redirect to sign-in) when signed out."""
    if auth is None:
        raise Unauthorized()
    return auth


OptionalAuth = Annotated[AuthContext | None, Depends(get_optional_auth)]
CurrentAuth = Annotated[AuthContext, Depends(get_auth)]
