"""Inputs of the authentication endpoints and pages (Better Auth's field names), validated the
same way for JSON and for forms. Unknown keys are ignored, as Better Auth does."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# Zod's email pattern (what Better Auth validates with), plus RFC 5321's length limit.
_EMAIL = re.compile(
    r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$"
)
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 255
MAX_IMAGE_LENGTH = 2048
MAX_URL_LENGTH = 2048


def is_email(value: str) -> bool:
    return len(value) <= MAX_EMAIL_LENGTH and _EMAIL.match(value) is not None


def _email(value: str) -> str:
    if not is_email(value):
        raise ValueError("Invalid email address")
    return value


Email = Annotated[str, AfterValidator(_email)]


def _image_url(value: str | None) -> str | None:
    """A profile picture is shown as ``<img src>`` on other people's pages: only an absolute
    http(s) URL with a host, never ``javascript:``, ``data:`` or a path on this site.
    Better Auth takes any string here; we refuse the rest as a validation error."""
    if value is None:
        return None
    parts = urlsplit(value)
    if (
        value != value.strip()
        or parts.scheme.lower() not in {"http", "https"}
        or not parts.hostname
        or any(ord(char) < 0x21 for char in value)
    ):
        raise ValueError("Invalid URL: expected an http or https address")
    return value


ImageUrl = Annotated[str | None, Field(max_length=MAX_IMAGE_LENGTH), AfterValidator(_image_url)]
Url = Annotated[str, Field(max_length=MAX_URL_LENGTH)]


class AuthInput(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SignUp(AuthInput):
    name: str = Field(max_length=MAX_NAME_LENGTH)
    email: Email
    password: str
    image: ImageUrl = None
    callback_url: Url | None = Field(None, alias="callbackURL")
    remember_me: bool | None = Field(None, alias="rememberMe")


class SignIn(AuthInput):
    # The format is checked by the handler (400 INVALID_EMAIL), as Better Auth does.
    email: str
    password: str
    callback_url: Url | None = Field(None, alias="callbackURL")
    remember_me: bool | None = Field(None, alias="rememberMe")


class SignOut(AuthInput):
    callback_url: Url | None = Field(None, alias="callbackURL")


class RevokeSession(AuthInput):
    token: str


class UpdateUser(AuthInput):
    name: str | None = Field(None, max_length=MAX_NAME_LENGTH)
    image: ImageUrl = None
    email: str | None = None


class ChangePassword(AuthInput):
    current_password: str = Field(alias="currentPassword")
    new_password: str = Field(alias="newPassword")
    revoke_other_sessions: bool | None = Field(None, alias="revokeOtherSessions")


class ChangeEmail(AuthInput):
    new_email: Email = Field(alias="newEmail")
    callback_url: Url | None = Field(None, alias="callbackURL")


class RequestPasswordReset(AuthInput):
    email: Email
    redirect_to: Url | None = Field(None, alias="redirectTo")


class ResetPassword(AuthInput):
    new_password: str = Field(alias="newPassword")
    token: str | None = Field(None, max_length=255)


class SendVerificationEmail(AuthInput):
    email: Email
    callback_url: Url | None = Field(None, alias="callbackURL")


class DeleteUser(AuthInput):
    password: str | None = None
    token: str | None = None
    callback_url: Url | None = Field(None, alias="callbackURL")


class IdToken(AuthInput):
    token: str = Field(max_length=16384)
    nonce: str | None = Field(None, max_length=512)
    access_token: str | None = Field(None, alias="accessToken", max_length=16384)
    refresh_token: str | None = Field(None, alias="refreshToken", max_length=16384)
    expires_at: int | None = Field(None, alias="expiresAt")


class SignInSocial(AuthInput):
    provider: str = Field(max_length=64)
    callback_url: Url | None = Field(None, alias="callbackURL")
    new_user_callback_url: Url | None = Field(None, alias="newUserCallbackURL")
    error_callback_url: Url | None = Field(None, alias="errorCallbackURL")
    disable_redirect: bool | None = Field(None, alias="disableRedirect")
    request_sign_up: bool | None = Field(None, alias="requestSignUp")
    login_hint: str | None = Field(None, alias="loginHint", max_length=MAX_EMAIL_LENGTH)
    id_token: IdToken | None = Field(None, alias="idToken")


# Pages ------------------------------------------------------------------------------------------


class ProfileForm(AuthInput):
    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)


class ForgotPasswordForm(AuthInput):
    email: Email


class ResetPasswordForm(AuthInput):
    token: str = Field(max_length=255)
    new_password: str = Field(alias="newPassword")


class ChangeEmailForm(AuthInput):
    new_email: Email = Field(alias="newEmail")


class DeleteAccountForm(AuthInput):
    password: str
