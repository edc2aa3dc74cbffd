"""Error translation for each face, in one place each.

* ``/api/v1`` and other JSON routes: the envelope ``{"error": true, "message", "fieldErrors"?}``.
* ``/api/auth``: Better Auth's ``{"message", "code"}``.
* Pages: an error page in the site's style; signing in is a redirect, not an error.

A 500 says only "Internal Server Error"; the trace goes to the log.
"""

from __future__ import annotations

import html
import json
import logging
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import Scope

from wegotwork.db import is_unavailable
from wegotwork.deps import Services
from wegotwork.errors import DomainError, RateLimited, Unauthorized, Unavailable
from wegotwork.schemas import UNKNOWN_FIELD
from wegotwork.tenancy.guard import before_the_body

log = logging.getLogger("wegotwork.errors")

INTERNAL_ERROR = "Internal Server Error"
RETRY_AFTER_SECONDS = 5
REASONS = {
    400: "Bad request",
    401: "You need to sign in first",
    403: "You are not allowed to do that",
    404: "Not found",
    405: "Method not allowed",
    408: "The request took too long",
    409: "Conflict",
    410: "This link is no longer valid",
    413: "The request body is too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests. Please try again later.",
    500: INTERNAL_ERROR,
    503: "The service is temporarily unavailable. Please try again shortly.",
}


def face_of(path: str) -> str:
    if path.startswith("/api/auth"):
        return "auth"
    if path.startswith("/api/") or path == "/openapi.json":
        return "json"
    return "html"


def envelope(
    message: str,
    status: int,
    field_errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": True, "message": message}
    if field_errors is not None:
        body["fieldErrors"] = field_errors
    return JSONResponse(body, status_code=status, headers=headers)


def auth_error(
    message: str, status: int, code: str | None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"message": message}
    if code:
        body["code"] = code
    return JSONResponse(body, status_code=status, headers=headers)


def render_error_bytes(scope: Scope, status: int, code: str, message: str) -> tuple[bytes, bytes]:
    """For ASGI middleware that answers before routing: (content type, body) for the face."""
    face = face_of(scope["path"])
    if face == "auth":
        return b"application/json", json.dumps({"message": message, "code": code}).encode()
    if face == "json":
        return b"application/json", json.dumps({"error": True, "message": message}).encode()
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>"
        f"{status} · WeGotWork</title><link rel=stylesheet href=/static/css/app.css>"
        f"<main class='error-page'><h1>{status}</h1><p>{html.escape(message)}</p>"
        "<p><a href=/>Back to the start page</a></p></main></html>"
    )
    return b"text/html; charset=utf-8", page.encode()


def _label(field: str) -> str:
    words: list[str] = []
    current = ""
    for char in field:
        if char.isupper() and current:
            words.append(current)
            current = char.lower()
        else:
            current += char
    words.append(current)
    text = " ".join(words).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def field_errors_of(exc: RequestValidationError) -> tuple[str, dict[str, list[str]]]:
    """Pydantic errors in the shape of Zod's ``flatten().fieldErrors``."""
    fields: dict[str, list[str]] = {}
    form: list[str] = []
    for error in exc.errors():
        # Only the leading location names where the value came from: a field may itself be
        # called "body" (a note's text).
        loc = list(error.get("loc", ()))
        if loc and loc[0] in {"body", "query", "path", "header", "cookie"}:
            loc = loc[1:]
        message = str(error.get("msg", "Invalid value"))
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error.get("type") == "missing" and loc:
            message = f"{_label(str(loc[0]))} is required"
        elif error.get("type") == "extra_forbidden":
            message = UNKNOWN_FIELD
        if loc and isinstance(loc[0], str):
            fields.setdefault(loc[0], [])
            if message not in fields[loc[0]]:
                fields[loc[0]].append(message)
        else:
            form.append(message)
    summary = form[0] if form and not fields else "Invalid input"
    return summary, fields


def _is_malformed_body(exc: RequestValidationError) -> bool:
    return any(error.get("type") == "json_invalid" for error in exc.errors())


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, Unavailable):
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    face = face_of(request.url.path)
    if face == "auth" and getattr(exc, "bare", False):
        return Response(status_code=exc.status, headers=headers)
    if face == "auth":
        message = exc.message
        if isinstance(exc, Unauthorized) and message == Unauthorized.default_message:
            message = "Unauthorized"  # Better Auth's wording
        return auth_error(message, exc.status, exc.code, headers)
    if face == "json":
        return envelope(exc.message, exc.status, exc.field_errors, headers)
    if isinstance(exc, Unauthorized):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method not in {"GET", "HEAD"}:
            # A form post cannot be replayed by a redirect: come back to the page it was on.
            referer = urlsplit(request.headers.get("referer", ""))
            same_site = referer.netloc == request.url.netloc and referer.path.startswith("/")
            if not same_site:
                return RedirectResponse("/sign-in", status_code=303)
            target = referer.path + (f"?{referer.query}" if referer.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    return error_page(request, exc.status, exc.message, headers)


async def refused_before_the_body(request: Request) -> Response | None:
    """The answer to a caller who may not use the route at all, when FastAPI failed to parse
    the body before the guard ran (see ``tenancy.guard.before_the_body``); None otherwise."""
    try:
        await before_the_body(request)
    except DomainError as refusal:
        return await handle_domain_error(request, refusal)
    return None


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    refused = await refused_before_the_body(request)
    if refused is not None:
        return refused
    face = face_of(request.url.path)
    if _is_malformed_body(exc):
        if face == "auth":
            return auth_error("Invalid JSON in request body", 400, "BAD_REQUEST")
        return envelope("Malformed JSON in request body", 400)
    summary, fields = field_errors_of(exc)
    if face == "auth":
        parts = []
        for error in exc.errors():
            path = ".".join(str(part) for part in error.get("loc", ()))
            parts.append(f"[{path}] {error.get('msg', 'Invalid input')}")
        return auth_error("; ".join(parts), 400, "VALIDATION_ERROR")
    if face == "json":
        return envelope(summary, 422, fields)
    return error_page(request, 422, summary)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method the app answers on the request's path, for ``Allow``: the router stops at
    the first route whose path matches, which knows only its own methods (a path's GET and POST
    are two routes). HEAD goes with GET; OPTIONS is answered by none."""
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    return ", ".join(
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # a form FastAPI could not parse, perhaps before the guard
        refused = await refused_before_the_body(request)
        if refused is not None:
            return refused
    face = face_of(request.url.path)
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and face != "auth":
        headers["Allow"] = allowed_methods(request)
    message = exc.detail if isinstance(exc.detail, str) else REASONS.get(exc.status_code, "Error")
    if exc.status_code == 404 and message == "Not Found":
        message = "Not found"
    if face == "auth":
        if exc.status_code in {404, 405}:
            # Better Auth answers unknown paths and wrong methods with an empty 404.
            return Response(status_code=404)
        return auth_error(message, exc.status_code, None, headers)
    if face == "json":
        return envelope(message, exc.status_code, None, headers)
    return error_page(request, exc.status_code, message, headers)


async def handle_database_unavailable(request: Request, exc: Exception) -> Response:
    """The database is down, restarting or overloaded: a clean 503 the client may retry, and
    a warning in the log (no trace: this is an operations problem, not a bug). Any other
    database error is a bug: 500."""
    if not is_unavailable(exc):
        return await handle_unexpected(request, exc)
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.url.path,
        str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
    )
    return await handle_domain_error(request, Unavailable())


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    if is_unavailable(exc):  # raised outside the routes, e.g. in a middleware
        return await handle_database_unavailable(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    face = face_of(request.url.path)
    if face == "auth":
        return auth_error(INTERNAL_ERROR, 500, "INTERNAL_SERVER_ERROR")
    if face == "json":
        return envelope(INTERNAL_ERROR, 500)
    return error_page(request, 500, "Something went wrong on our side. Please try again.")


def error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        content_type, body = render_error_bytes(request.scope, status, "", message)
        return Response(body, status_code=status, media_type=content_type.decode())
    template = {403: "errors/403.html", 404: "errors/404.html"}.get(status, "errors/error.html")
    return services.templates.render(
        request,
        template,
        {"status": status, "message": message, "title": REASONS.get(status, "Error")},
        status_code=status,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    for unavailable in (DBAPIError, PoolTimeout, ConnectionError):
        app.add_exception_handler(unavailable, handle_database_unavailable)
    app.add_exception_handler(Exception, handle_unexpected)
