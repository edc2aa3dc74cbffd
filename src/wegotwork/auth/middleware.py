"""Writes the session cookies that the auth dependency queued while handling a request."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wegotwork.auth.deps import PENDING_COOKIES


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
        pending: dict[str, str] = scope.setdefault(PENDING_COOKIES, {})

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start" and pending:
                headers = list(message.get("headers", []))
                headers.extend((b"set-cookie", line.encode("latin-1")) for line in pending.values())
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookies)
