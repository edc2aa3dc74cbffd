"""``/api/auth/*``: Better Auth 1.7's HTTP protocol (paths, fields, JSON, codes, cookies), so the
official JavaScript client works unchanged. See the README for where we are deliberately
stricter (state-changing requests never trust the cookie cache; a route that needs a session
takes it as a ``SignedIn`` dependency, so a signed-out caller hears 401 before the body is
read, where Better Auth validates the body first)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import bindparam, delete, select, update

from wegotwork import cookies
from wegotwork.auth import actions, body, email_change
from wegotwork.auth.errors import AuthError, fail
from wegotwork.auth.respond import (
    NO_STORE,
    SignedIn,
    cached_answer,
    client_of,
    json_response,
    site_of,
    start_session,
    trusted_origins,
)
from wegotwork.auth.schemas import (
    ChangeEmail,
    ChangePassword,
    DeleteUser,
    RequestPasswordReset,
    ResetPassword,
    RevokeSession,
    SendVerificationEmail,
    SignIn,
    SignOut,
    SignUp,
    UpdateUser,
)
from wegotwork.db import utcnow
from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.identity.deps import (
    bearer_token,
    clear_session_cookies,
    cookie_writer,
    dont_remember,
    pending_cookies,
    reissue_after_change,
    reissue_session_cookies,
    resolve_auth,
)
from wegotwork.identity.sessions import (
    EXPIRES_IN,
    AuthContext,
    list_sessions,
    needs_refresh,
    revoke_all_sessions,
    revoke_session,
    session_json,
    user_json,
)
from wegotwork.identity.wire import Json, dumps, iso, ms
from wegotwork.models import Session, User
from wegotwork.organizations import accounts
from wegotwork.schemas import (
    auth_error_responses,
    body_doc,
    query_parameters,
    redirect_response,
)
from wegotwork.storage.cleanup import discard_files

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=auth_error_responses())

# Health ----------------------------------------------------------------------------------------


@router.get("/ok")
async def ok() -> Response:
    return json_response({"ok": True})


@router.get(
    "/error",
    response_class=HTMLResponse,
    responses=auth_error_responses(page=True),
    openapi_extra=query_parameters("error", "error_description"),
)
async def error_page(request: Request, services: ServicesDep) -> Response:
    """Where failed social sign-ins land without an error callback."""
    code = request.query_params.get("error", "unknown_error")[:100]
    return services.templates.render(
        request,
        "auth/error.html",
        {"code": code, "description": request.query_params.get("error_description", "")[:300]},
    )


# Sign-up, sign-in, sign-out --------------------------------------------------------------------


@router.post("/sign-up/email", openapi_extra=body_doc(SignUp, form=True))
async def sign_up_email(request: Request, db: DbSession, services: ServicesDep) -> Response:
    trusted = trusted_origins(services)
    data = await body.parse(request, SignUp, trusted, form=True)
    body.check_form_csrf(request, trusted)
    remember = data.remember_me is not False
    user, session = await actions.sign_up(
        db,
        client_of(request),
        name=data.name,
        email=data.email,
        password=data.password,
        image=data.image,
        remember=remember,
    )
    await db.commit()
    start_session(request, user, session, remember=remember)
    return json_response({"token": session.token, "user": user_json(user)})


@router.post("/sign-in/email", openapi_extra=body_doc(SignIn, form=True))
async def sign_in_email(request: Request, db: DbSession, services: ServicesDep) -> Response:
    trusted = trusted_origins(services)
    data = await body.parse(request, SignIn, trusted, form=True)
    body.check_form_csrf(request, trusted)
    remember = data.remember_me is not False
    user, session = await actions.sign_in(
        db, client_of(request), email=data.email, password=data.password, remember=remember
    )
    await db.commit()
    start_session(request, user, session, remember=remember)
    result: Json = {"redirect": False, "token": session.token, "user": user_json(user)}
    headers: dict[str, str] = {}
    if data.callback_url:
        result = {"redirect": True, "token": session.token, "url": data.callback_url}
        result["user"] = user_json(user)
        headers["location"] = data.callback_url
    return json_response(result, headers=headers)


@router.post("/sign-out", openapi_extra=body_doc(SignOut))
async def sign_out(request: Request, db: DbSession, services: ServicesDep) -> Response:
    await body.parse(request, SignOut, trusted_origins(services), optional=True)
    writer = cookie_writer(services)
    raw = request.cookies.get(writer.session_token)
    token = cookies.unsign(raw, writer.secret) if raw else None
    if token:
        await db.execute(delete(Session).where(Session.token == token))
        await db.commit()
    clear_session_cookies(request)
    return json_response({"success": True})


# get-session: the hot path -----------------------------------------------------------------------

_S = Session.__table__.c
_U = User.__table__.c
_SESSION_ROW = (
    select(
        _S.id,
        _S.token,
        _S.user_id,
        _S.expires_at,
        _S.created_at,
        _S.updated_at,
        _S.ip_address,
        _S.user_agent,
        _S.active_organization_id,
        _U.id,
        _U.name,
        _U.email,
        _U.email_verified,
        _U.image,
        _U.created_at,
        _U.updated_at,
    )
    .select_from(Session.__table__.join(User.__table__, _U.id == _S.user_id))
    .where(_S.token == bindparam("token"))
)


def _session_from_row(row: Any) -> tuple[Json, Json]:
    session = {
        "id": row[0],
        "token": row[1],
        "userId": row[2],
        "expiresAt": iso(row[3]),
        "createdAt": iso(row[4]),
        "updatedAt": iso(row[5]),
        "ipAddress": row[6],
        "userAgent": row[7],
        "activeOrganizationId": row[8],
    }
    user = {
        "id": row[9],
        "name": row[10],
        "email": row[11],
        "emailVerified": bool(row[12]),
        "image": row[13],
        "createdAt": iso(row[14]),
        "updatedAt": iso(row[15]),
    }
    return session, user


def _respond(content: bytes, request: Request) -> Response:
    return Response(content, media_type="application/json", headers=NO_STORE)


@router.post("/get-session", include_in_schema=False)
async def get_session_post() -> Response:
    raise AuthError("METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED")


@router.get("/get-session")
async def get_session(request: Request) -> Response:
    """``{"session", "user"}`` or ``null``: from the cookie cache when it is valid, else from
    the database (sliding the session forward once a day and re-issuing the cookies)."""
    services: Services = request.app.state.services
    writer = cookie_writer(services)
    request_cookies = request.cookies
    authorization = request.headers.get("authorization")
    via_cookie = True
    token: str | None = None
    if authorization and authorization[:7].lower() == "bearer ":
        token = bearer_token(request)
        via_cookie = False
    else:
        raw = request_cookies.get(writer.session_token)
        if raw:
            token = cookies.unsign(raw, writer.secret)
    if token is None:
        return _respond(b"null", request)
    query = request.query_params if request.scope.get("query_string") else {}
    now = utcnow()
    now_ms = ms(now)
    pending = pending_cookies(request.scope)
    if via_cookie and not query.get("disableCookieCache"):
        data = writer.read_cache(request_cookies)
        if data:
            answer = cached_answer(data, writer.secret)
            if answer is not None and answer.cached.valid_for(token, now_ms):
                return _respond(answer.body, request)
            pending[writer.session_data] = writer.expire(writer.session_data)

    rows = await services.db.read(_SESSION_ROW, token=token)
    row = rows[0] if rows else None
    if row is None or row[3] < now:
        if row is not None:
            async with services.db.sessionmaker() as db:
                await db.execute(delete(Session).where(Session.token == token))
                await db.commit()
        if via_cookie:
            pending.update(writer.clear_session(request_cookies))
        return _respond(b"null", request)
    session, user = _session_from_row(row)
    remember = not (via_cookie and dont_remember(request, writer))
    if remember and not query.get("disableRefresh") and needs_refresh(row[3], now):
        expires = now + EXPIRES_IN
        async with services.db.sessionmaker() as db:
            await db.execute(
                update(Session)
                .where(Session.token == token)
                .values(expires_at=expires, updated_at=now)
            )
            await db.commit()
        session["expiresAt"] = iso(expires)
        session["updatedAt"] = iso(now)
        if via_cookie:
            pending.update(
                writer.session_cookies(
                    session,
                    user,
                    remember=True,
                    now_ms=now_ms,
                    request_cookies=request_cookies,
                    token_max_age=int(EXPIRES_IN.total_seconds()),
                )
            )
    elif via_cookie:
        pending.update(
            writer.cache_cookies(
                session, user, remember=remember, now_ms=now_ms, request_cookies=request_cookies
            )
        )
    return _respond(dumps({"session": session, "user": user}).encode(), request)


# Sessions ---------------------------------------------------------------------------------------


@router.get("/list-sessions")
async def list_sessions_route(request: Request, db: DbSession, auth: SignedIn) -> Response:
    if not auth.is_fresh:
        raise fail("SESSION_NOT_FRESH")
    sessions = await list_sessions(db, auth.user.id)
    return json_response(
        [listed_session_json(session, auth) for session in sessions],
        headers={"cache-control": "private, no-store"},
    )


def listed_session_json(session: Session, auth: AuthContext) -> Json:
    """A session as list-sessions shows it. Better Auth lists every session's token, which is
    that device's credential; we give the caller's own token (it holds it already) and, for
    the others, the session id in its place. revoke-session takes either, so the client's
    ``revokeSession({token})`` with a listed value keeps working."""
    listed = session_json(session)
    if session.token != auth.session.token:
        listed["token"] = session.id
    return listed


@router.post("/revoke-session", openapi_extra=body_doc(RevokeSession))
async def revoke_session_route(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    data = await body.parse(request, RevokeSession, trusted_origins(services))
    await revoke_session(db, auth.user.id, data.token)
    await db.commit()
    if data.token in {auth.session.token, auth.session.id}:
        clear_session_cookies(request)
    return json_response({"status": True})


@router.post("/revoke-sessions")
async def revoke_sessions_route(request: Request, db: DbSession, auth: SignedIn) -> Response:
    await revoke_all_sessions(db, auth.user.id)
    await db.commit()
    clear_session_cookies(request)
    return json_response({"status": True})


@router.post("/revoke-other-sessions")
async def revoke_other_sessions_route(request: Request, db: DbSession, auth: SignedIn) -> Response:
    await revoke_all_sessions(db, auth.user.id, except_token=auth.session.token)
    await db.commit()
    return json_response({"status": True})


# The user ---------------------------------------------------------------------------------------


@router.post("/update-user", openapi_extra=body_doc(UpdateUser))
async def update_user_route(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    raw = await body.read_body(request)
    body.check_urls(trusted_origins(services), raw, dict(request.query_params))
    data = body.validate(UpdateUser, raw)
    user = await actions.update_user(
        db, auth, name=data.name, image=data.image, fields=set(data.model_fields_set)
    )
    await db.commit()
    session = await db.get(Session, auth.session.id)
    if session is not None:
        reissue_session_cookies(request, AuthContext(user=user, session=session))
    return json_response({"status": True})


@router.post("/change-password", openapi_extra=body_doc(ChangePassword))
async def change_password_route(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    data = await body.parse(request, ChangePassword, trusted_origins(services))
    new_session = await actions.change_password(
        db,
        auth,
        client_of(request),
        current_password=data.current_password,
        new_password=data.new_password,
        revoke_other_sessions=bool(data.revoke_other_sessions),
    )
    await db.commit()
    user = await db.get(User, auth.user.id)
    assert user is not None
    if new_session is not None:
        start_session(request, user, new_session, remember=True)
    return json_response(
        {"token": new_session.token if new_session else None, "user": user_json(user)}
    )


@router.post("/change-email", openapi_extra=body_doc(ChangeEmail))
async def change_email_route(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """Better Auth's change-email: a link to the new address (see ``auth.email_change``)."""
    data = await body.parse(request, ChangeEmail, trusted_origins(services))
    await email_change.change_email(
        db,
        site_of(services),
        auth,
        new_email=data.new_email,
        callback_url=data.callback_url,
        confirm_current=services.settings.change_email_confirm_current,
    )
    await db.commit()
    return json_response({"status": True})


@router.post("/delete-user", openapi_extra=body_doc(DeleteUser))
async def delete_user_route(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    data = await body.parse(request, DeleteUser, trusted_origins(services), optional=True)
    # Deliberately unlike Better Auth: the last owner of a team is refused, and organizations
    # the user is the only member of go with the account (organizations.accounts).
    files = await accounts.delete_account(db, auth, password=data.password)
    await db.commit()
    await discard_files(services.storage, files)
    clear_session_cookies(request)
    return json_response({"success": True, "message": "User deleted"})


# Passwords --------------------------------------------------------------------------------------


@router.post("/request-password-reset", openapi_extra=body_doc(RequestPasswordReset))
async def request_password_reset_route(
    request: Request, db: DbSession, services: ServicesDep
) -> Response:
    data = await body.parse(request, RequestPasswordReset, trusted_origins(services))
    await actions.request_password_reset(
        db, site_of(services), email=data.email, redirect_to=data.redirect_to
    )
    await db.commit()
    return json_response(
        {
            "status": True,
            "message": "If this email exists in our system, check your email for the reset link",
        }
    )


def _with_param(url: str, key: str, value: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{key}={actions.encode_uri_component(value)}"


@router.get(
    "/reset-password/{token}",
    responses=redirect_response("On to callbackURL with the token, or with ?error=INVALID_TOKEN"),
    openapi_extra=query_parameters("callbackURL", required=("callbackURL",)),
)
async def reset_password_link(
    token: str, request: Request, db: DbSession, services: ServicesDep
) -> Response:
    """The link in the reset mail: on to the callback page with the token (not used up here)."""
    callback = request.query_params.get("callbackURL")
    if callback is None:
        raise AuthError(
            "VALIDATION_ERROR",
            "[query.callbackURL] Invalid input: expected string, received undefined",
        )
    trusted = trusted_origins(services)
    if callback and not trusted.is_safe_redirect(callback):
        raise fail("INVALID_CALLBACK_URL")
    target = callback or "/reset-password"
    user_id = await actions.reset_token_user(db, token)
    await db.commit()
    if user_id is None:
        location = _with_param(target, "error", "INVALID_TOKEN")
    else:
        location = _with_param(target, "token", token)
    return Response(status_code=302, headers={"location": location})


@router.post("/reset-password", openapi_extra=body_doc(ResetPassword))
async def reset_password_route(request: Request, db: DbSession, services: ServicesDep) -> Response:
    data = await body.parse(request, ResetPassword, trusted_origins(services))
    token = data.token or request.query_params.get("token")
    await actions.reset_password(db, token=token, new_password=data.new_password)
    await db.commit()
    return json_response({"status": True})


# Email verification -----------------------------------------------------------------------------


@router.post("/send-verification-email", openapi_extra=body_doc(SendVerificationEmail))
async def send_verification_email_route(
    request: Request, db: DbSession, services: ServicesDep
) -> Response:
    data = await body.parse(request, SendVerificationEmail, trusted_origins(services))
    auth = await resolve_auth(request, db)
    await actions.send_verification_email(
        db, site_of(services), auth, email=data.email, callback_url=data.callback_url
    )
    await db.commit()
    return json_response({"status": True})


@router.get(
    "/verify-email",
    responses=redirect_response("On to callbackURL (with ?error=... when the token is bad)"),
    openapi_extra=query_parameters("token", "callbackURL", required=("token",)),
)
async def verify_email_route(request: Request, db: DbSession, services: ServicesDep) -> Response:
    token = request.query_params.get("token")
    if token is None:
        raise AuthError(
            "VALIDATION_ERROR", "[query.token] Invalid input: expected string, received undefined"
        )
    callback = request.query_params.get("callbackURL")
    if callback and not trusted_origins(services).is_safe_redirect(callback):
        raise fail("INVALID_CALLBACK_URL")
    auth = await resolve_auth(request, db)
    try:
        verified = await email_change.verify(
            db,
            site_of(services),
            token,
            callback_url=callback,
            session_user_id=auth.user.id if auth is not None else None,
        )
    except AuthError as exc:
        if callback:
            return Response(
                status_code=302, headers={"location": _with_param(callback, "error", exc.code)}
            )
        raise
    await db.commit()
    if verified.user is not None and auth is not None:
        await reissue_after_change(request, db, auth.session.id)
    if callback:
        return Response(status_code=302, headers={"location": callback})
    changed = user_json(verified.user) if verified.user is not None else None
    return json_response({"status": True, "user": changed})
