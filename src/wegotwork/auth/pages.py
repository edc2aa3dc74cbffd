"""Sign-in pages and the account page. They work without JavaScript: forms post, errors show
next to their fields with what was typed kept, and success redirects (303) with a flash."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import delete

from wegotwork.auth import actions, body, devices, email_change
from wegotwork.auth.errors import AuthError
from wegotwork.auth.respond import client_of, site_of, start_session, trusted_origins
from wegotwork.auth.schemas import (
    MAX_EMAIL_LENGTH,
    ChangeEmailForm,
    ChangePassword,
    DeleteAccountForm,
    ForgotPasswordForm,
    ProfileForm,
    ResetPasswordForm,
    SignIn,
    SignUp,
)
from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.identity.deps import (
    CurrentAuth,
    OptionalAuth,
    clear_session_cookies,
    reissue_session_cookies,
    session_token_from,
)
from wegotwork.identity.sessions import AuthContext, list_sessions, revoke_all_sessions
from wegotwork.identity.sessions import revoke_session_by_id as revoke_by_id
from wegotwork.models import Session, User
from wegotwork.organizations import accounts
from wegotwork.storage.cleanup import discard_files
from wegotwork.web.forms import parse_form

router = APIRouter(include_in_schema=False)

DEFAULT_NEXT = "/dashboard"

FRIENDLY = {
    "INVALID_EMAIL_OR_PASSWORD": "That email and password do not match an account.",
    "INVALID_EMAIL": "Enter a valid email address.",
    "PASSWORD_TOO_SHORT": "Use at least 8 characters.",
    "PASSWORD_TOO_LONG": "Use at most 128 characters.",
    "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL": "An account with this email already exists.",
    "INVALID_PASSWORD": "That is not the right password.",
    "INVALID_TOKEN": "This link is invalid, used or expired. Ask for a new one.",
    "TOKEN_EXPIRED": "This link has expired. Ask for a new one.",
    "CREDENTIAL_ACCOUNT_NOT_FOUND": "Your account has no password yet: set one with "
    "“Forgot password”.",
}

OAUTH_ERRORS = {
    "account_not_linked": "That provider did not confirm your email address, so we could not "
    "link it to your existing account. Sign in with your password instead.",
    "access_denied": "Sign-in was cancelled.",
}


def safe_next(value: object) -> str:
    """Where to go after signing in: a path on this site only (never ``//host`` or a URL)."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 2000:
        return DEFAULT_NEXT
    lowered = value.lower()
    if (
        value.startswith("//")
        or "\\" in value
        or "%2f" in lowered
        or "%5c" in lowered
        or any(ord(char) < 0x20 or ord(char) == 0x7F for char in value)
        or value.startswith("/api/")
    ):
        return DEFAULT_NEXT
    return value


def prefilled_email(request: Request) -> dict[str, str]:
    """``?email=`` (an invitation's sign-in and sign-up links carry it) as the form's value."""
    email = request.query_params.get("email", "").strip()
    return {"email": email} if email and len(email) <= MAX_EMAIL_LENGTH else {}


def form_errors(exc: AuthError) -> dict[str, list[str]]:
    message = FRIENDLY.get(exc.code, exc.message)
    return {exc.field or "__all__": [message]}


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _render(
    services: Services, request: Request, template: str, status: int = 200, **context: Any
) -> Response:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return services.templates.render(request, template, context, status_code=status)


def _social(services: Services) -> list[dict[str, str]]:
    from wegotwork.auth import oauth

    return [{"id": p.id, "name": p.name} for p in oauth.providers(services).values()]


# Sign in and up ---------------------------------------------------------------------------------


@router.get("/sign-in")
async def sign_in_page(request: Request, services: ServicesDep, auth: OptionalAuth) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if auth is not None:
        return see_other(next_url)
    error = request.query_params.get("error")
    errors = (
        {"__all__": [OAUTH_ERRORS.get(error, f"Sign-in failed ({error[:60]}).")]} if error else {}
    )
    return _render(
        services,
        request,
        "auth/sign_in.html",
        next=next_url,
        social=_social(services),
        values={"rememberMe": True, **prefilled_email(request)},
        errors=errors,
    )


@router.post("/sign-in")
async def sign_in_submit(request: Request, db: DbSession, services: ServicesDep) -> Response:
    body.check_form_csrf(request, trusted_origins(services))
    form = await request.form()
    next_url = safe_next(form.get("next"))
    parsed = await parse_form(request, SignIn, checkboxes=("rememberMe",))
    if parsed.data is not None:
        remember = parsed.data.remember_me is not False
        try:
            user, session = await actions.sign_in(
                db,
                client_of(request),
                email=parsed.data.email,
                password=parsed.data.password,
                remember=remember,
            )
        except AuthError as exc:
            parsed.errors = form_errors(exc)
        else:
            await db.commit()
            start_session(request, user, session, remember=remember)
            return see_other(next_url)
    return _render(
        services,
        request,
        "auth/sign_in.html",
        422,
        next=next_url,
        social=_social(services),
        values=parsed.values,
        errors=parsed.errors,
    )


@router.get("/sign-up")
async def sign_up_page(request: Request, services: ServicesDep, auth: OptionalAuth) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if auth is not None:
        return see_other(next_url)
    return _render(
        services,
        request,
        "auth/sign_up.html",
        next=next_url,
        social=_social(services),
        values=prefilled_email(request),
    )


@router.post("/sign-up")
async def sign_up_submit(request: Request, db: DbSession, services: ServicesDep) -> Response:
    body.check_form_csrf(request, trusted_origins(services))
    form = await request.form()
    next_url = safe_next(form.get("next"))
    parsed = await parse_form(request, SignUp)
    if parsed.data is not None:
        try:
            user, session = await actions.sign_up(
                db,
                client_of(request),
                name=parsed.data.name.strip() or parsed.data.email,
                email=parsed.data.email,
                password=parsed.data.password,
            )
        except AuthError as exc:
            parsed.errors = form_errors(exc)
        else:
            actions.mail_verification(db, site_of(services), user, "/verify-email")
            await db.commit()
            start_session(request, user, session, remember=True)
            response = see_other(next_url)
            services.templates.flash(
                response, f"Welcome, {user.name}! We sent a link to {user.email} to verify it."
            )
            return response
    return _render(
        services,
        request,
        "auth/sign_up.html",
        422,
        next=next_url,
        social=_social(services),
        values=parsed.values,
        errors=parsed.errors,
    )


@router.post("/sign-in/social/{provider_id}")
async def social_submit(
    provider_id: str, request: Request, db: DbSession, services: ServicesDep
) -> Response:
    from wegotwork.auth.social import begin

    form = await request.form()
    next_url = safe_next(form.get("next"))
    started = await begin(
        request,
        db,
        services,
        provider_id,
        callback_url=next_url,
        error_url="/sign-in",
        new_user_url=None,
    )
    return see_other(started.url)


@router.post("/sign-out")
async def sign_out_submit(request: Request, db: DbSession, services: ServicesDep) -> Response:
    token = session_token_from(request)
    if token:
        await db.execute(delete(Session).where(Session.token == token))
        await db.commit()
    clear_session_cookies(request)
    response = see_other("/")
    services.templates.flash(response, "You are signed out.", "info")
    return response


# Passwords --------------------------------------------------------------------------------------


@router.get("/forgot-password")
async def forgot_password_page(request: Request, services: ServicesDep) -> Response:
    return _render(services, request, "auth/forgot_password.html", sent=False)


@router.post("/forgot-password")
async def forgot_password_submit(
    request: Request, db: DbSession, services: ServicesDep
) -> Response:
    parsed = await parse_form(request, ForgotPasswordForm)
    if parsed.data is None:
        return _render(
            services,
            request,
            "auth/forgot_password.html",
            422,
            sent=False,
            values=parsed.values,
            errors=parsed.errors,
        )
    await actions.request_password_reset(
        db, site_of(services), email=parsed.data.email, redirect_to="/reset-password"
    )
    await db.commit()
    return _render(
        services, request, "auth/forgot_password.html", sent=True, email=parsed.data.email
    )


@router.get("/reset-password")
async def reset_password_page(request: Request, services: ServicesDep) -> Response:
    token = request.query_params.get("token", "")[:255]
    error = request.query_params.get("error")
    errors = {"__all__": [FRIENDLY["INVALID_TOKEN"]]} if error or not token else {}
    return _render(
        services,
        request,
        "auth/reset_password.html",
        token=token,
        errors=errors,
        invalid=bool(errors),
    )


@router.post("/reset-password")
async def reset_password_submit(request: Request, db: DbSession, services: ServicesDep) -> Response:
    parsed = await parse_form(request, ResetPasswordForm)
    token = str(parsed.values.get("token", ""))[:255]
    if parsed.data is not None:
        try:
            await actions.reset_password(
                db, token=parsed.data.token, new_password=parsed.data.new_password
            )
        except AuthError as exc:
            parsed.errors = form_errors(exc)
        else:
            await db.commit()
            response = see_other("/sign-in")
            services.templates.flash(response, "Your password is changed. Sign in with it now.")
            return response
    return _render(
        services,
        request,
        "auth/reset_password.html",
        422,
        token=token,
        errors=parsed.errors,
        invalid="__all__" in parsed.errors,
    )


# Email verification -----------------------------------------------------------------------------


@router.get("/verify-email")
async def verify_email_page(
    request: Request, db: DbSession, services: ServicesDep, auth: OptionalAuth
) -> Response:
    """Where verification links land (``?error=`` when the link failed)."""
    error = request.query_params.get("error")
    verified = True
    if auth is not None:
        user = await db.get(User, auth.user.id)
        if user is not None:
            verified = user.email_verified
            if verified and not auth.user.email_verified:
                session = await db.get(Session, auth.session.id)
                if session is not None:  # show the news in the cookie cache at once
                    reissue_session_cookies(request, AuthContext(user=user, session=session))
    return _render(
        services,
        request,
        "auth/verify_email.html",
        error=FRIENDLY.get(error or "", "This link is invalid.") if error else None,
        verified=verified,
        auth=auth,
    )


@router.post("/verify-email")
async def verify_email_resend(
    request: Request, db: DbSession, services: ServicesDep, auth: CurrentAuth
) -> Response:
    response = see_other("/account")
    try:
        await actions.send_verification_email(
            db, site_of(services), auth, email=auth.user.email, callback_url="/verify-email"
        )
    except AuthError as exc:
        services.templates.flash(response, FRIENDLY.get(exc.code, exc.message), "info")
        return response
    await db.commit()
    services.templates.flash(response, f"We sent a new verification link to {auth.user.email}.")
    return response


# Account ----------------------------------------------------------------------------------------


async def _account(
    request: Request,
    db: DbSession,
    services: Services,
    auth: AuthContext,
    status: int = 200,
    **context: Any,
) -> Response:
    user = await db.get(User, auth.user.id) or auth.user
    sessions = [
        {
            "id": session.id,
            "device": devices.describe(session.user_agent),
            "ip": session.ip_address or "",
            "last_used": session.updated_at,
            "created": session.created_at,
            "current": session.token == auth.session.token,
        }
        for session in await list_sessions(db, auth.user.id)
    ]
    sessions.sort(key=lambda item: not item["current"])  # this device first
    context.setdefault("profile_values", {"name": user.name})
    context.setdefault("profile_errors", {})
    # Signing out everywhere else is what a password change is usually for: ticked by default.
    context.setdefault("password_values", {"revokeOtherSessions": "true"})
    context.setdefault("password_errors", {})
    context.setdefault("delete_errors", {})
    context.setdefault("email_values", {})
    context.setdefault("email_errors", {})
    stake = await accounts.at_stake(db, user)
    return services.templates.render(
        request,
        "account/index.html",
        {"user": user, "sessions": sessions, "auth": auth, "stake": stake, **context},
        status_code=status,
    )


@router.get("/account")
async def account_page(
    request: Request, db: DbSession, services: ServicesDep, auth: CurrentAuth
) -> Response:
    return await _account(request, db, services, auth)


@router.post("/account/profile")
async def account_profile(
    request: Request, db: DbSession, services: ServicesDep, auth: CurrentAuth
) -> Response:
    parsed = await parse_form(request, ProfileForm)
    if parsed.data is None:
        return await _account(
            request,
            db,
            services,
            auth,
            422,
            profile_values=parsed.values,
            profile_errors=parsed.errors,
        )
    user = await actions.update_user(
        db, auth, name=parsed.data.name.strip(), image=None, fields={"name"}
    )
    await db.commit()
    reissue_session_cookies(request, AuthContext(user=user, session=auth.session))
    response = see_other("/account")
    services.templates.flash(response, "Your name is saved.")
    return response


@router.post("/account/email")
async def account_email(
    request: Request, db: DbSession, services: ServicesDep, auth: CurrentAuth
) -> Response:
    """Change the address: a link goes to the new one (see ``auth.email_change``)."""
    parsed = await parse_form(request, ChangeEmailForm)
    if parsed.data is not None:
        try:
            await email_change.change_email(
                db,
                site_of(services),
                auth,
                new_email=parsed.data.new_email,
                callback_url="/account",
                confirm_current=services.settings.change_email_confirm_current,
            )
        except AuthError as exc:
            parsed.errors = {"newEmail": [exc.message]}
        else:
            await db.commit()
            response = see_other("/account")
            new_email = actions.normalize_email(parsed.data.new_email)
            where = (
                f"your current address, then to {new_email}"
                if services.settings.change_email_confirm_current and auth.user.email_verified
                else new_email
            )
            services.templates.flash(
                response,
                f"We sent a link to {where}. Your address changes when you open it.",
            )
            return response
    return await _account(
        request, db, services, auth, 422, email_values=parsed.values, email_errors=parsed.errors
    )


@router.post("/account/password")
async def account_password(
    request: Request, db: DbSession, services: ServicesDep, auth: CurrentAuth
) -> Response:
    parsed = await parse_form(request, ChangePassword, checkboxes=("revokeOtherSessions",))
    if parsed.data is not None:
        try:
            await actions.change_password(
                db,
                auth,
                client_of(request),
                current_password=parsed.data.current_password,
                new_password=parsed.data.new_password,
            )
            if parsed.data.revoke_other_sessions:
                await revoke_all_sessions(db, auth.user.id, except_token=auth.session.token)
        except AuthError as exc:
            parsed.errors = form_errors(exc)
        else:
            await db.commit()
            response = see_other("/account")
            message = "Your password is changed."
            if parsed.data.revoke_other_sessions:
                message += " You are signed out everywhere else."
            services.templates.flash(response, message)
            return response
    return await _account(
        request,
        db,
        services,
        auth,
        422,
        password_values=parsed.values,
        password_errors=parsed.errors,
    )


@router.post("/account/sessions/{session_id}/revoke")
async def account_revoke_session(
    session_id: str, request: Request, db: DbSession, services: ServicesDep, auth: CurrentAuth
) -> Response:
    token = await revoke_by_id(db, auth.user.id, session_id)
    await db.commit()
    if token is not None and token == auth.session.token:
        clear_session_cookies(request)
        response = see_other("/sign-in")
        services.templates.flash(response, "You are signed out.", "info")
        return response
    response = see_other("/account#sessions")
    services.templates.flash(
        response, "That session is signed out." if token else "That session had already ended."
    )
    return response


@router.post("/account/sessions/revoke-others")
async def account_revoke_others(
    request: Request, db: DbSession, services: ServicesDep, auth: CurrentAuth
) -> Response:
    await revoke_all_sessions(db, auth.user.id, except_token=auth.session.token)
    await db.commit()
    response = see_other("/account#sessions")
    services.templates.flash(response, "Every other session is signed out.")
    return response


@router.post("/account/delete")
async def account_delete(
    request: Request, db: DbSession, services: ServicesDep, auth: CurrentAuth
) -> Response:
    parsed = await parse_form(request, DeleteAccountForm)
    if parsed.data is not None:
        try:
            files = await accounts.delete_account(db, auth, password=parsed.data.password)
        except AuthError as exc:
            parsed.errors = form_errors(exc)
        else:
            await db.commit()
            await discard_files(services.storage, files)
            clear_session_cookies(request)
            response = see_other("/")
            services.templates.flash(response, "Your account is deleted. Goodbye!", "info")
            return response
    return await _account(request, db, services, auth, 422, delete_errors=parsed.errors)
