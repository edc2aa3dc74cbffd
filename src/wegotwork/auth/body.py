"""Request bodies of the authentication face, read and checked in Better Auth's order: content
type (415), JSON syntax (400), URL fields against the trusted origins (403), then the schema
(400 ``VALIDATION_ERROR`` with Zod-style ``[body.field] ...`` messages)."""

from __future__ import annotations

import json
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import Request
from pydantic import BaseModel, ValidationError

from wegotwork.auth.errors import AuthError
from wegotwork.web.origins import TrustedOrigins, origin_of

M = TypeVar("M", bound=BaseModel)

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
_MISSING = object()

_URL_FIELDS = (
    ("callbackURL", "callbackURL", "INVALID_CALLBACK_URL"),
    ("redirectTo", "redirectURL", "INVALID_REDIRECT_URL"),
    ("errorCallbackURL", "errorCallbackURL", "INVALID_ERROR_CALLBACK_URL"),
    ("newUserCallbackURL", "newUserCallbackURL", "INVALID_NEW_USER_CALLBACK_URL"),
)


def js_type(value: object) -> str:
    if value is _MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


async def read_body(request: Request, *, form: bool = False) -> object:
    """The parsed body: a JSON value, a form as a dict, or ``_MISSING`` when there is none."""
    content_type = request.headers.get("content-type")
    raw = await request.body()
    if content_type is None:
        return _MISSING
    media = content_type.split(";", 1)[0].strip().lower()
    allowed = [JSON, FORM] if form else [JSON]
    if media not in allowed:
        if not raw:
            return _MISSING
        raise AuthError(
            "UNSUPPORTED_MEDIA_TYPE",
            f'Content-Type "{media}" is not allowed. Allowed types: {", ".join(allowed)}',
        )
    if not raw:
        return _MISSING
    if media == FORM:
        try:
            return dict(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError as exc:
            raise AuthError("BAD_REQUEST", "Invalid form body") from exc
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # nested too deep
        raise AuthError("BAD_REQUEST", "Invalid JSON in request body") from exc


def check_urls(trusted: TrustedOrigins, body: object, query: dict[str, str]) -> None:
    """``callbackURL``, ``redirectTo`` and friends must be relative or on a trusted origin."""
    fields = body if isinstance(body, dict) else {}
    for key, label, code in _URL_FIELDS:
        value = fields.get(key) or (query.get(key) if key == "callbackURL" else None)
        if not value:
            continue
        if not isinstance(value, str):
            raise AuthError("", f"Invalid {label}: expected a string", status=400)
        if not trusted.is_safe_redirect(value):
            raise AuthError(code)


def _expected(model: type[BaseModel], name: str) -> str:
    for field_name, info in model.model_fields.items():
        if name in (field_name, info.alias):
            text = str(info.annotation)
            if "bool" in text:
                return "boolean"
            if "list" in text:
                return "array"
            return "string"
    return "string"


_EXPECTED_BY_TYPE = {
    "string_type": "string",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "int_type": "number",
    "float_type": "number",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
}


def zod_message(exc: ValidationError, model: type[BaseModel], where: str, data: object) -> str:
    parts: list[str] = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        path = ".".join([where, *loc])
        kind = error.get("type", "")
        received = js_type(error.get("input", _MISSING))
        if kind == "missing":
            message = f"Invalid input: expected {_expected(model, loc[-1])}, received undefined"
        elif kind in _EXPECTED_BY_TYPE:
            message = f"Invalid input: expected {_EXPECTED_BY_TYPE[kind]}, received {received}"
        elif kind == "string_too_long":
            limit = (error.get("ctx") or {}).get("max_length")
            message = f"Too big: expected string to have <={limit} characters"
        elif kind == "string_too_short":
            limit = (error.get("ctx") or {}).get("min_length")
            message = f"Too small: expected string to have >={limit} characters"
        else:
            message = str(error.get("msg", "Invalid input")).removeprefix("Value error, ")
        parts.append(f"[{path}] {message}")
    return "; ".join(parts)


def validate(model: type[M], data: object, *, where: str = "body", strict: bool = True) -> M:
    if not isinstance(data, dict):
        raise AuthError(
            "VALIDATION_ERROR",
            f"[{where}] Invalid input: expected object, received {js_type(data)}",
        )
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise AuthError("VALIDATION_ERROR", zod_message(exc, model, where, data)) from exc


async def parse(
    request: Request,
    model: type[M],
    trusted: TrustedOrigins,
    *,
    form: bool = False,
    optional: bool = False,
) -> M:
    """Read, check URLs, and validate the body of ``request`` into ``model``."""
    body = await read_body(request, form=form)
    check_urls(trusted, body, dict(request.query_params))
    if body is _MISSING and optional:
        body = {}
    is_form = isinstance(body, dict) and form and _is_form(request)
    if is_form:
        assert isinstance(body, dict)
        body = _form_values(body)
    return validate(model, body, strict=not is_form)


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith(FORM)


def _form_values(body: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in body.items():
        if value in ("true", "false") and key in {"rememberMe", "disableRedirect"}:
            values[key] = value == "true"
        else:
            values[key] = value
    return values


def check_form_csrf(request: Request, trusted: TrustedOrigins) -> None:
    """Sign-in and sign-up without cookies: Better Auth's Fetch-Metadata login-CSRF rule.

    (With cookies, the global origin check already ran.)
    """
    headers = request.headers
    if "cookie" in headers:
        return
    site = headers.get("sec-fetch-site", "").strip()
    mode = headers.get("sec-fetch-mode", "").strip()
    dest = headers.get("sec-fetch-dest", "").strip()
    origin = headers.get("origin") or headers.get("referer") or ""
    if site or mode or dest:
        if site == "cross-site" and mode == "navigate":
            raise AuthError("CROSS_SITE_NAVIGATION_LOGIN_BLOCKED")
        _require_trusted(origin, trusted, headers.get("origin"), site)
        return
    if origin:
        _require_trusted(origin, trusted, headers.get("origin"), site)


def _require_trusted(
    origin: str, trusted: TrustedOrigins, raw_origin: str | None, site: str
) -> None:
    if raw_origin == "null" and site == "same-origin":
        return
    if not origin or origin == "null":
        raise AuthError("MISSING_OR_NULL_ORIGIN")
    if origin_of(origin) not in trusted:
        raise AuthError("INVALID_ORIGIN")
