"""Domain errors: what went wrong, in the product's words. Each kind maps to one HTTP status.

Actions raise these; each face translates them in exactly one place (the JSON envelope, the
Better Auth error shape, an HTML error page). Nothing else about HTTP lives in the core.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error an action may raise on purpose."""

    status = 400
    default_message = "Bad request"
    code = "BAD_REQUEST"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field_errors: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        self.field_errors = field_errors
        super().__init__(self.message)


class BadRequest(DomainError):
    status = 400
    default_message = "Bad request"
    code = "BAD_REQUEST"


class Unauthorized(DomainError):
    status = 401
    default_message = "You need to sign in first"
    code = "UNAUTHORIZED"


class Forbidden(DomainError):
    status = 403
    default_message = "You are not allowed to do that"
    code = "FORBIDDEN"


class NotFound(DomainError):
    status = 404
    default_message = "Not found"
    code = "NOT_FOUND"


class Conflict(DomainError):
    status = 409
    default_message = "That conflicts with existing data"
    code = "CONFLICT"


class Gone(DomainError):
    """Something that existed and is no longer there: an expired or used one-time link."""

    status = 410
    default_message = "This link is no longer valid"
    code = "GONE"


class PayloadTooLarge(DomainError):
    status = 413
    default_message = "The upload is too large"
    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(DomainError):
    status = 415
    default_message = "Unsupported file type"
    code = "UNSUPPORTED_MEDIA_TYPE"


class Invalid(DomainError):
    """Input that parsed but breaks a rule; ``field_errors`` says which field and why."""

    status = 422
    default_message = "Invalid input"
    code = "VALIDATION_ERROR"

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        return cls(message, field_errors={name: [message]})


class RateLimited(DomainError):
    status = 429
    default_message = "Too many requests. Please try again later."
    code = "TOO_MANY_REQUESTS"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A dependency (database, storage) is down; the client may retry."""

    status = 503
    default_message = "The service is temporarily unavailable. Please try again shortly."
    code = "SERVICE_UNAVAILABLE"
