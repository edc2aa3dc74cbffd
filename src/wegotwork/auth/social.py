"""``/api/auth/sign-in/social`` and ``/api/auth/callback/{provider}``: social sign-in on Better
Auth's wire (JSON ``{url, redirect}`` to start, a redirect back to the app at the end)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from wegotwork import cookies
from wegotwork.auth import body, oauth
from wegotwork.auth.errors import AuthError, fail
from wegotwork.auth.respond import (
    client_of,
    json_response,
    start_session,
    trusted_origins,
)
from wegotwork.auth.schemas import SignInSocial
from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.identity.deps import cookie_writer, pending_cookies
from wegotwork.identity.sessions import user_json
from wegotwork.schemas import auth_error_responses, body_doc, query_parameters, redirect_response

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=auth_error_responses())

STATE_COOKIE_MAX_AGE = 300


async def begin(
    request: Request,
    db: DbSession,
    services: Services,
    provider_id: str,
    *,
    callback_url: str,
    error_url: str | None,
    new_user_url: str | None,
    login_hint: str | None = None,
) -> oauth.Started:
    """Start a flow and queue the signed ``state`` cookie (shared with the pages)."""
    provider = oauth.providers(services).get(provider_id)
    if provider is None:
        raise fail("PROVIDER_NOT_FOUND")
    started = await oauth.start(
        db,
        services,
        provider,
        callback_url=callback_url,
        error_url=error_url,
        new_user_url=new_user_url,
        login_hint=login_hint,
    )
    await db.commit()
    writer = cookie_writer(services)
    pending_cookies(request.scope)[writer.state] = writer.line(
        writer.state, cookies.sign(started.state, writer.secret), STATE_COOKIE_MAX_AGE
    )
    return started


# OAuthFailure codes of an ID-token sign-in, as Better Auth answers them.
_ID_TOKEN_ERRORS = {
    "invalid_id_token": ("INVALID_TOKEN", "Invalid token", 401),
    "unable_to_get_user_info": ("FAILED_TO_GET_USER_INFO", "Failed to get user info", 401),
    "email_not_found": ("USER_EMAIL_NOT_FOUND", "User email not found", 401),
    "account_not_linked": ("OAUTH_LINK_ERROR", "account not linked", 401),
    "unable_to_create_user": ("OAUTH_LINK_ERROR", "unable to create user", 401),
    "user_not_found": ("OAUTH_LINK_ERROR", "user not found", 401),
}


async def sign_in_with_id_token(
    request: Request, db: DbSession, services: Services, data: SignInSocial
) -> Response:
    """Better Auth's ``idToken`` branch: verify the provider's ID token, sign in, answer
    ``{redirect: false, token, user}`` with the session cookies."""
    assert data.id_token is not None
    provider = oauth.providers(services).get(data.provider)
    if provider is None:
        raise fail("PROVIDER_NOT_FOUND")
    if provider.kind != "oidc":
        raise AuthError("ID_TOKEN_NOT_SUPPORTED", "id_token not supported", status=404)
    try:
        user, session = await oauth.sign_in_with_id_token(
            db,
            services,
            provider,
            client_of(request),
            id_token=data.id_token.token,
            nonce=data.id_token.nonce,
            access_token=data.id_token.access_token,
        )
    except oauth.OAuthFailure as failure:
        await db.rollback()
        code, message, status = _ID_TOKEN_ERRORS.get(
            failure.code, ("INVALID_TOKEN", "Invalid token", 401)
        )
        raise AuthError(code, message, status=status) from failure
    await db.commit()
    start_session(request, user, session, remember=True)
    return json_response({"redirect": False, "token": session.token, "user": user_json(user)})


@router.post("/sign-in/social", openapi_extra=body_doc(SignInSocial))
async def sign_in_social(request: Request, db: DbSession, services: ServicesDep) -> Response:
    data = await body.parse(request, SignInSocial, trusted_origins(services))
    if data.id_token is not None:
        return await sign_in_with_id_token(request, db, services, data)
    started = await begin(
        request,
        db,
        services,
        data.provider,
        callback_url=data.callback_url or "/",
        error_url=data.error_callback_url,
        new_user_url=data.new_user_callback_url,
        login_hint=data.login_hint,
    )
    if data.disable_redirect:
        return json_response({"url": started.url, "redirect": False})
    return json_response({"url": started.url, "redirect": True}, headers={"location": started.url})


@router.post("/callback/{provider_id}", include_in_schema=False)
async def callback_form_post(provider_id: str, request: Request) -> Response:
    """``response_mode=form_post``: on to the GET callback with the same parameters."""
    form = await request.form()
    params = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    params.update(request.query_params)
    target = f"/api/auth/callback/{provider_id}?{urlencode(params)}"
    return Response(status_code=302, headers={"location": target})


@router.get(
    "/callback/{provider_id}",
    responses=redirect_response("On to the callback URL, with ?error=... when sign-in failed"),
    openapi_extra=query_parameters("code", "state", "error", "error_description"),
)
async def callback(
    provider_id: str, request: Request, db: DbSession, services: ServicesDep
) -> Response:
    """The provider's redirect back: check state, exchange the code, sign in, go back to the
    app (errors go to the error callback with ``?error=``)."""
    writer = cookie_writer(services)
    base = services.settings.base_url
    query = request.query_params
    state_value: dict[str, object] | None = None
    pending = pending_cookies(request.scope)
    pending[writer.state] = writer.expire(writer.state)
    try:
        provider = oauth.providers(services).get(provider_id)
        if provider is None:
            raise oauth.OAuthFailure("oauth_provider_not_found")
        state = query.get("state")
        raw_cookie = request.cookies.get(writer.state)
        cookie_state = cookies.unsign(raw_cookie, writer.secret) if raw_cookie else None
        state_value = await oauth.state_of(db, state)
        await db.commit()  # the state is used up whatever happens next
        if cookie_state is None or cookie_state != state:
            raise oauth.OAuthFailure("state_mismatch")
        if query.get("error"):
            raise oauth.OAuthFailure(query["error"][:100])
        code = query.get("code")
        if not code:
            raise oauth.OAuthFailure("no_code")
        done = await oauth.finish(
            db, services, provider, client_of(request), state=state_value, code=code
        )
        await db.commit()
    except oauth.OAuthFailure as failure:
        await db.rollback()
        target = oauth.error_target(state_value, base)
        return Response(
            status_code=302, headers={"location": oauth.with_error(target, failure.code)}
        )
    start_session(request, done.user, done.session, remember=True)
    return Response(status_code=302, headers={"location": done.redirect})
