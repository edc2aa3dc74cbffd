"""Shared Pydantic pieces: camelCase output models, the error envelope, and the error
responses each route declares so that the OpenAPI document tells the truth."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    """Output (and JSON input) model: snake_case in Python, camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


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
    503: "A dependency is temporarily unavailable",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status documented with the error envelope."""
    codes = sorted({400, 413, 422, 500, *statuses})
    result: dict[int | str, dict[str, Any]] = {}
    for status in codes:
        result[status] = {
            "model": ErrorEnvelope,
            "description": _DESCRIPTIONS.get(status, "Internal Server Error"),
        }
    return result
