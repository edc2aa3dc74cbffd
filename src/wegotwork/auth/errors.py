"""Authentication errors with Better Auth's status codes, codes and messages (clients branch on
them). Pages show the same errors next to the field they concern."""

from __future__ import annotations

from wegotwork.errors import DomainError

# code: (status, message)
CATALOGUE: dict[str, tuple[int, str]] = {
    "BAD_REQUEST": (400, "Bad request"),
    "INVALID_EMAIL": (400, "Invalid email"),
    "PASSWORD_TOO_SHORT": (400, "Password too short"),
    "PASSWORD_TOO_LONG": (400, "Password too long"),
    "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": (422, "User already exists. Use another email."),
    "INVALID_EMAIL_OR_PASSWORD": (401, "Invalid email or password"),
    "UNAUTHORIZED": (401, "Unauthorized"),
    "INVALID_PASSWORD": (400, "Invalid password"),
    "CREDENTIAL_ACCOUNT_NOT_FOUND": (400, "Credential account not found"),
    "INVALID_TOKEN": (400, "Invalid token"),
    "TOKEN_EXPIRED": (401, "Token expired"),
    "USER_NOT_FOUND": (400, "User not found"),
    "EMAIL_ALREADY_VERIFIED": (400, "Email is already verified"),
    "EMAIL_MISMATCH": (400, "Email mismatch"),
    "EMAIL_CAN_NOT_BE_UPDATED": (400, "Email can not be updated"),
    "SESSION_NOT_FRESH": (403, "Session is not fresh"),
    "SESSION_EXPIRED": (400, "Session expired. Re-authenticate to perform this action."),
    "INVALID_ORIGIN": (403, "Invalid origin"),
    "MISSING_OR_NULL_ORIGIN": (403, "Missing or null Origin"),
    "INVALID_CALLBACK_URL": (403, "Invalid callbackURL"),
    "INVALID_REDIRECT_URL": (403, "Invalid redirectURL"),
    "INVALID_ERROR_CALLBACK_URL": (403, "Invalid errorCallbackURL"),
    "INVALID_NEW_USER_CALLBACK_URL": (403, "Invalid newUserCallbackURL"),
    "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED": (
        403,
        "Cross-site navigation login blocked. This request appears to be a CSRF attack.",
    ),
    "PROVIDER_NOT_FOUND": (404, "Provider not found"),
    "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED": (
        405,
        "POST method requires deferSessionRefresh to be enabled in session config",
    ),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported media type"),
    "VALIDATION_ERROR": (400, "Invalid input"),
    "FAILED_TO_CREATE_USER": (422, "Failed to create user"),
    "INVALID_USER": (400, "Invalid user"),
}


class AuthError(DomainError):
    """An error of the authentication face; ``code`` may be empty (message-only errors), and a
    ``bare`` one is answered with its status alone, an empty body (Better Auth's organization
    create and delete, signed out)."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        field: str | None = None,
        bare: bool = False,
    ) -> None:
        default_status, default_message = CATALOGUE.get(code, (400, code))
        text = message or default_message
        super().__init__(text, code=code, field_errors={field: [text]} if field else None)
        self.status = status or default_status
        self.field = field
        self.bare = bare


def fail(code: str, *, field: str | None = None, status: int | None = None) -> AuthError:
    return AuthError(code, field=field, status=status)
