"""Pure ASGI middleware: security headers, request logging, the cross-site request check, and
request body limits. Written against raw ASGI so that hot paths pay almost nothing."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wegotwork.web.origins import TrustedOrigins, origin_of

log = structlog.get_logger("wegotwork.request")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'; frame-src 'self'"
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

# Secrets that travel in paths are replaced before a path is logged.
_SECRET_PATHS = re.compile(
    r"^(/api/auth/reset-password/|/reset-password/|/invite/|/api/v1/invitations/)[^/?]+"
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = list(SECURITY_HEADERS)
        if hsts:
            self.headers.append(
                (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


PRIVATE = b"private, no-store"


class PrivateByDefaultMiddleware:
    """No shared cache keeps a personal answer: a response that chose no caching policy of its
    own gets ``Cache-Control: private, no-store``, and every HTML response says ``Vary:
    HX-Request`` (pages render a fragment for htmx and the whole page otherwise). Only the
    public answers that set their own policy (careers pages and feeds, static files) can be
    cached, by browsers and shared caches alike."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = private_headers(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_private)


def private_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` with the default cache policy and ``Vary: HX-Request`` added (see above)."""
    has_policy = False
    html = False
    vary_at = -1
    for index, (name, value) in enumerate(headers):
        lowered = name.lower()
        if lowered == b"cache-control":
            has_policy = True
        elif lowered == b"content-type":
            html = value.startswith(b"text/html")
        elif lowered == b"vary":
            vary_at = index
    if not has_policy:
        headers.append((b"cache-control", PRIVATE))
    if html:
        if vary_at < 0:
            headers.append((b"vary", b"HX-Request"))
        else:
            name, value = headers[vary_at]
            present = {part.strip().lower() for part in value.split(b",")}
            if b"hx-request" not in present and b"*" not in present:
                headers[vary_at] = (name, value + b", HX-Request")
    return headers


class RequestLogMiddleware:
    """One structured line per request: method, path, status, duration."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            path = _SECRET_PATHS.sub(r"\1***", scope["path"])
            if not path.startswith("/static/"):
                log.info(
                    "request",
                    method=scope["method"],
                    path=path,
                    status=status,
                    ms=round((time.perf_counter() - started) * 1000, 1),
                )


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


ErrorRenderer = Callable[[Scope, int, str, str], tuple[bytes, bytes]]


async def send_error(
    send: Send,
    scope: Scope,
    render: ErrorRenderer,
    status: int,
    code: str,
    message: str,
    *,
    close: bool = False,
) -> None:
    """Answer with an error in the face's format, before the app sees the request."""
    content_type, body = render(scope, status, code, message)
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class NulCharacterMiddleware:
    """NUL characters in the address: no path of ours has one (404), and in the query string
    they are dropped, as they are from submitted text. PostgreSQL refuses NUL in any text it is
    asked to compare, so letting one through would be a 500."""

    def __init__(self, app: ASGIApp, *, render: ErrorRenderer) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            await send_error(send, scope, self.render, 404, "NOT_FOUND", "Not found")
            return
        if b"%00" in scope["query_string"]:
            scope = {**scope, "query_string": scope["query_string"].replace(b"%00", b"")}
        await self.app(scope, receive, send)


class OriginCheckMiddleware:
    """Refuse state-changing requests that carry cookies unless they come from a trusted origin.

    This is Better Auth's rule, applied to every face: the ``Origin`` header (or ``Referer``
    when it is absent) must be trusted; ``Origin: null`` passes only with
    ``Sec-Fetch-Site: same-origin``. Requests without cookies (bearer-token API clients,
    anonymous form posts) carry no ambient authority and are not checked here.
    """

    def __init__(self, app: ASGIApp, *, trusted: TrustedOrigins, render: ErrorRenderer) -> None:
        self.app = app
        self.trusted = trusted
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if _header(scope, b"cookie") is None:
            await self.app(scope, receive, send)
            return
        refusal = self.check(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        code, message = refusal
        await send_error(send, scope, self.render, 403, code, message)

    def check(self, scope: Scope) -> tuple[str, str] | None:
        origin = _header(scope, b"origin")
        if origin is None or origin == "":
            origin = _header(scope, b"referer")
        if origin is None or origin == "" or origin == "null":
            if origin == "null" and _header(scope, b"sec-fetch-site") == "same-origin":
                return None
            return "MISSING_OR_NULL_ORIGIN", "Missing or null Origin"
        if origin_of(origin) not in self.trusted:
            return "INVALID_ORIGIN", "Invalid origin"
        return None


def json_error_body(message: str, **extra: object) -> bytes:
    return json.dumps({"error": True, "message": message, **extra}).encode()


class BodyLimitMiddleware:
    """Cap request bodies: 413 as soon as more than the limit arrives (declared or streamed),
    408 when the whole body has not arrived within ``timeout`` seconds (a stalled or trickling
    client must not hold a worker and a connection forever).

    Routes that accept uploads get their own larger limits and enforce them while streaming.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        limits: dict[str, int],
        render: ErrorRenderer,
        timeout: float = 60.0,
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limits = [(re.compile(pattern), limit) for pattern, limit in limits.items()]
        self.render = render
        self.timeout = timeout

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.limits:
            if pattern.match(path):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send)
            return
        received = 0
        deadline = time.monotonic() + self.timeout
        complete = False
        abandoned = False  # the rest of the body will not be read: close the connection
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, complete, abandoned
            if complete:  # the body is in; what follows (a disconnect) may take any time
                return await receive()
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                abandoned = True
                raise _TooSlow() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    abandoned = True
                    raise _TooLarge()
                complete = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                if abandoned:  # answered by the app's error handler
                    message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not response_started:
                await self._refuse(scope, send)
        except _TooSlow:
            if not response_started:
                await self._refuse(scope, send, status=408)

    async def _refuse(self, scope: Scope, send: Send, status: int = 413) -> None:
        if status == 413:
            code, message = "PAYLOAD_TOO_LARGE", "The request body is too large"
        else:
            code, message = "REQUEST_TIMEOUT", "The request body took too long to arrive"
        await send_error(send, scope, self.render, status, code, message, close=True)


class _TooLarge(HTTPException):
    """Raised from ``receive``; an HTTPException so that FastAPI's body parsing passes it on."""

    def __init__(self) -> None:
        super().__init__(413, "The request body is too large")


class _TooSlow(HTTPException):
    def __init__(self) -> None:
        super().__init__(408, "The request body took too long to arrive")
