"""Changing a user's email address, with Better Auth 1.7's ``changeEmail`` flow.

Better Auth's default (no ``sendChangeEmailConfirmation``, no
``updateEmailWithoutVerification``), which is ours: ``change-email`` mails a verification link
to the **new** address, a JWT ``{email: <current>, updateTo: <new>, requestType:
"change-email-verification", userId}``; opening it sets the new address, keeping the current
``emailVerified``. With ``WEGOTWORK_CHANGE_EMAIL_CONFIRM_CURRENT=true`` (Better Auth's
``sendChangeEmailConfirmation``), a user whose current address is verified first gets a
``change-email-confirmation`` link at the **current** address, and opening it mails the
verification link to the new one.

A new address that already belongs to an account answers the same ``{"status": true}`` and
mails nothing, as Better Auth does: the answer reveals no more than Better Auth's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.auth import actions, tokens
from wegotwork.auth.errors import AuthError
from wegotwork.db import utcnow
from wegotwork.identity.sessions import AuthContext
from wegotwork.mail import enqueue, render_message
from wegotwork.models import User

CONFIRMATION = "change-email-confirmation"
VERIFICATION = "change-email-verification"


def _link(site: actions.Site, claims: dict[str, str], callback_url: str | None) -> str:
    token = tokens.encode(claims, site.secret)
    return (
        f"{site.base_url}/api/auth/verify-email?token={token}"
        f"&callbackURL={actions.encode_uri_component(callback_url or '/')}"
    )


def _mail(
    db: AsyncSession,
    site: actions.Site,
    user: User,
    *,
    new_email: str,
    request_type: str,
    callback_url: str | None,
) -> None:
    claims = {
        "email": user.email,
        "updateTo": new_email,
        "requestType": request_type,
        "userId": user.id,
    }
    template, to = (
        ("change-email-confirm", user.email)
        if request_type == CONFIRMATION
        else ("change-email", new_email)
    )
    subject, text, html = render_message(
        template,
        name=user.name,
        old_email=user.email,
        new_email=new_email,
        url=_link(site, claims, callback_url),
    )
    enqueue(db, to=to, subject=subject, text=text, html=html, kind=template)


async def change_email(
    db: AsyncSession,
    site: actions.Site,
    auth: AuthContext,
    *,
    new_email: str,
    callback_url: str | None,
    confirm_current: bool = False,
) -> None:
    """Start changing the signed-in user's address to ``new_email`` (see the module).

    Raises the message-only "Email is the same" (400) for the current address; says nothing
    when another account has the new one.
    """
    new_email = actions.normalize_email(new_email)
    user = await db.get(User, auth.user.id)
    if user is None:
        raise AuthError("UNAUTHORIZED", status=401)
    if new_email == user.email:
        raise AuthError("", "Email is the same")
    taken = await db.scalar(select(func.count()).select_from(User).where(User.email == new_email))
    if taken:
        return
    request_type = CONFIRMATION if confirm_current and user.email_verified else VERIFICATION
    _mail(
        db,
        site,
        user,
        new_email=new_email,
        request_type=request_type,
        callback_url=callback_url,
    )


@dataclass(frozen=True, slots=True)
class Verified:
    """What a verification link did: ``user`` is set when the address changed (the caller
    re-issues the cookies of that user's session)."""

    user: User | None = None


async def verify(
    db: AsyncSession,
    site: actions.Site,
    token: str,
    *,
    callback_url: str | None,
    session_user_id: str | None,
) -> Verified:
    """Open a verification link: a plain one verifies the address (``actions.verify_email``), a
    change-email one moves the account to its new address. Anyone holding the link may open
    it, except a different signed-in user (INVALID_USER).

    Raises INVALID_TOKEN / TOKEN_EXPIRED / USER_NOT_FOUND (401), INVALID_USER, and
    USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL when the new address was taken meanwhile.
    """
    try:
        claims = tokens.decode(token, site.secret)
    except tokens.TokenError as exc:
        raise AuthError(exc.code, status=401) from exc
    update_to = claims.get("updateTo")
    if not update_to:
        await actions.verify_email(db, site, token)
        return Verified()
    email, user_id = claims.get("email"), claims.get("userId")
    if not isinstance(update_to, str) or not isinstance(email, str) or not user_id:
        raise AuthError("INVALID_TOKEN", status=401)
    user = await db.get(User, str(user_id))
    if user is None:
        raise AuthError("USER_NOT_FOUND", status=401)
    if user.email.lower() != email.lower():
        raise AuthError("INVALID_TOKEN", status=401)  # used already, or the address moved on
    if session_user_id is not None and session_user_id != user.id:
        raise AuthError("INVALID_USER", status=401)
    update_to = actions.normalize_email(update_to)
    request_type = claims.get("requestType")
    if request_type == CONFIRMATION:
        _mail(
            db,
            site,
            user,
            new_email=update_to,
            request_type=VERIFICATION,
            callback_url=callback_url,
        )
        return Verified()
    taken = await db.scalar(
        select(func.count()).select_from(User).where(User.email == update_to, User.id != user.id)
    )
    if taken:
        raise AuthError("USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", status=401)
    user.email = update_to
    if request_type != VERIFICATION:
        # Better Auth's legacy tokens (no request type): the new address is not verified yet.
        user.email_verified = False
        actions.mail_verification(db, site, user, callback_url)
    user.updated_at = utcnow()
    await db.flush()
    return Verified(user=user)
