"""Shared Pydantic pieces: camelCase output models, the error envelope, and the error
responses each route declares so that the OpenAPI document tells the truth."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """Output (and JSON input) model: snake_case in Python, camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


def _accepts_null(prop: dict[str, Any]) -> bool:
    options = prop.get("anyOf", [prop])
    return any(option.get("type") == "null" or option.get("const", 0) is None for option in options)


def _no_null_default(schema: dict[str, Any]) -> None:
    """A field that may be left out but not sent as ``null`` (typed ``X | SkipJsonSchema[None]``
    with the default ``None``) documents no ``default: null`` either."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None and not _accepts_null(prop):
            del prop["default"]


class InputModel(CamelModel):
    """A JSON (and form) input: camelCase fields, and an unknown field is an error naming it
    rather than a value that silently vanishes. The OpenAPI document says so
    (``additionalProperties: false``). A field that may be omitted but refuses ``null`` is typed
    ``X | SkipJsonSchema[None] = None`` so that the document does not offer ``null``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_null_default)


def visible_text(min_chars: int = 1, max_length: int | None = None) -> dict[str, Any]:
    """``json_schema_extra`` for text a validator trims and checks with its own messages: the
    document states the rule (at least ``min_chars`` characters that are neither white space
    nor NUL, at most ``max_length``), the validator keeps enforcing it."""
    visible = r"[^\s\x00]"
    pattern = visible if min_chars == 1 else visible + r"[\s\S]*" + visible
    rule: dict[str, Any] = {"minLength": min_chars, "pattern": pattern}
    if max_length is not None:
        rule["maxLength"] = max_length
    return rule


UNKNOWN_FIELD = "Unknown field"


class ErrorEnvelope(BaseModel):
    """``{"error": true, "message": ...}``; validation failures add ``fieldErrors``."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={"example": {"error": True, "message": "Job does not exist"}},
    )

    error: bool = True
    message: str
    fieldErrors: dict[str, list[str]] | None = None


class Ok(BaseModel):
    """A success without a resource: ``{"error": false, "message": ...}``."""

    error: bool = False
    message: str | None = None


_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, wrong content type)",
    401: "Not signed in",
    403: "Signed in but not allowed (also: request from an untrusted origin)",
    404: "Not found (also for another organization's resources)",
    409: "Conflict with existing data",
    413: "Payload too large",
    415: "Unsupported file type",
    422: "Validation failed; see fieldErrors",
    429: "Rate limited; see Retry-After",
    500: "Internal Server Error",
    503: "A dependency (database, file storage) is temporarily unavailable; see Retry-After",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status documented with the error envelope."""
    codes = sorted({400, 413, 422, 500, 503, *statuses})
    result: dict[int | str, dict[str, Any]] = {}
    for status in codes:
        result[status] = {
            "model": ErrorEnvelope,
            "description": _DESCRIPTIONS.get(status, "Internal Server Error"),
        }
    return result


class AuthErrorBody(BaseModel):
    """An error of ``/api/auth``, as Better Auth sends it: ``{"message": ..., "code": ...}``."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"message": "Unauthorized", "code": "UNAUTHORIZED"}}
    )

    message: str
    code: str | None = None


AUTH_ERROR_STATUSES = (400, 401, 403, 404, 413, 415, 422, 429, 500, 503)


def auth_error_responses(*, page: bool = False) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the ``/api/auth`` routers: the statuses Better Auth's protocol uses
    (which one a route answers depends on the failure; see the error catalogue). ``page`` for a
    route that answers with HTML: its errors are still JSON (FastAPI would file a model under
    the route's own media type)."""
    if page:
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/AuthErrorBody"}}}
        return {
            status: {"description": _DESCRIPTIONS[status], "content": body}
            for status in AUTH_ERROR_STATUSES
        }
    return {
        status: {"model": AuthErrorBody, "description": _DESCRIPTIONS[status]}
        for status in AUTH_ERROR_STATUSES
    }


def redirect_response(description: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entry for a route that answers with a 302 to ``Location``."""
    return {
        302: {
            "description": description,
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    }


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema (by alias) with its ``$defs`` inlined, for a body FastAPI cannot
    see: a ``#/$defs/...`` reference placed inside the OpenAPI document would point at its root,
    where no ``$defs`` is."""
    schema = model.model_json_schema(by_alias=True)
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                rest = {key: value for key, value in node.items() if key != "$ref"}
                return resolve({**defs[ref.removeprefix("#/$defs/")], **rest})
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def body_doc(
    model: type[BaseModel], *, form: bool = False, required: bool = True
) -> dict[str, Any]:
    """``openapi_extra=`` for a body a route parses itself (FastAPI cannot see it): JSON and,
    with ``form``, the same fields URL-encoded. ``required=False`` where an empty request is
    accepted."""
    schema = inline_schema(model)
    content = {"application/json": {"schema": schema}}
    if form:
        content["application/x-www-form-urlencoded"] = {"schema": schema}
    return {"requestBody": {"required": required, "content": content}}


def query_parameters(*names: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """``openapi_extra=`` for a route that reads plain string query parameters itself."""
    return {
        "parameters": [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": {"type": "string"},
            }
            for name in names
        ]
    }


def errors_from_validation(exc: ValidationError) -> dict[str, list[str]]:
    """A validation error as messages per field (``__all__`` for the whole input), in the
    product's words: the same for an HTML form and an application's fields."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = error.get("loc", ())
        field = str(loc[0]) if loc else "__all__"
        message = str(error.get("msg", "Invalid value"))
        message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error.get("type") == "missing":
            message = "This field is required"
        errors.setdefault(field, []).append(message)
    return errors


# Keyset pagination: a cursor names the (created_at, id) of the last row a page showed.


def encode_cursor(created_at: datetime, applicant_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), applicant_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor points after; ValueError when it was not made by us."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, applicant_id = json.loads(raw)
        moment = datetime.fromisoformat(created)
    except (ValueError, TypeError, binascii.Error, RecursionError) as exc:
        raise ValueError("Invalid cursor") from exc
    if moment.tzinfo is None or not isinstance(applicant_id, str) or not applicant_id:
        raise ValueError("Invalid cursor")
    return moment, applicant_id


def encode_ranked_cursor(rank: int, created_at: datetime, applicant_id: str) -> str:
    """A cursor for lists sorted by a whole-number rank first (then newest first)."""
    raw = json.dumps([rank, created_at.isoformat(), applicant_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_ranked_cursor(cursor: str) -> tuple[int, datetime, str]:
    """The position a ranked cursor points after; ValueError when it was not made by us."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rank, created, applicant_id = json.loads(raw)
        moment = datetime.fromisoformat(created)
    except (ValueError, TypeError, binascii.Error, RecursionError) as exc:
        raise ValueError("Invalid cursor") from exc
    if (
        moment.tzinfo is None
        or not isinstance(applicant_id, str)
        or not applicant_id
        or type(rank) is not int
    ):
        raise ValueError("Invalid cursor")
    return rank, moment, applicant_id


_PLAUSIBLE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def plausible_id(value: str) -> bool:
    """Whether ``value`` could be an id or a slug at all (anything else is unknown without a
    query)."""
    return bool(_PLAUSIBLE_ID.match(value))
