"""Writes the session cookies that the auth dependency queued while handling a request, and
answers ``GET /api/auth/get-session`` from a valid cookie cache before any routing."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wegotwork import cookies
from wegotwork.auth.respond import NO_STORE, cached_answer
from wegotwork.db import utcnow
from wegotwork.identity.deps import PENDING_COOKIES, cookie_writer
from wegotwork.identity.wire import ms

GET_SESSION = "/api/auth/get-session"
_FAST_HEADERS = [
    (b"content-type", b"application/json"),
    *((name.encode(), value.encode()) for name, value in NO_STORE.items()),
]


def _cookie_header(scope: Scope) -> tuple[str | None, bool]:
    """The Cookie header, and whether an Authorization header is present."""
    cookie = None
    authorization = False
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookie = value.decode("latin-1")
        elif name == b"authorization":
            authorization = True
    return cookie, authorization


def fast_session_answer(scope: Scope) -> bytes | None:
    """The get-session body when the request's cookie cache is valid, else None (the route
    then does the full work: bearer tokens, database reads, refreshes, cookie changes)."""
    if scope.get("query_string"):
        return None
    header, authorization = _cookie_header(scope)
    if header is None or authorization:
        return None
    app = scope.get("app")
    services = getattr(getattr(app, "state", None), "services", None)
    if services is None:
        return None
    writer = cookie_writer(services)
    token_raw = data = None
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == writer.session_token:
            token_raw = value
        elif name == writer.session_data:
            data = value
    if not token_raw or not data:
        return None
    token = cookies.unsign(token_raw, writer.secret)
    if token is None:
        return None
    answer = cached_answer(data, writer.secret)
    if answer is None or not answer.cached.valid_for(token, ms(utcnow())):
        return None
    return answer.body


class AuthCookieMiddleware:
    """Adds queued ``Set-Cookie`` lines to the response, whatever route or error produced it
    (a sliding refresh on a dashboard page, cleared cookies before a sign-in redirect)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/api/auth/") and path.endswith("/"):
            # Better Auth matches paths exactly: a trailing slash is an unknown path.
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        if path == GET_SESSION and scope["method"] == "GET":
            body = fast_session_answer(scope)
            if body is not None:
                headers = [*_FAST_HEADERS, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        pending: dict[str, str] = scope.setdefault(PENDING_COOKIES, {})

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start" and pending:
                headers = list(message.get("headers", []))
                headers.extend((b"set-cookie", line.encode("latin-1")) for line in pending.values())
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)
