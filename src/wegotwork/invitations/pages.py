"""HTML pages: /invite/{id} — see an invitation, sign in or up as its recipient, accept or
decline it."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.errors import DomainError
from wegotwork.identity.deps import CurrentAuth, OptionalAuth, reissue_after_change
from wegotwork.identity.sessions import AuthContext
from wegotwork.invitations import actions, rules
from wegotwork.models import Member
from wegotwork.organizations.rules import ROLE_LABELS, logo_url
from wegotwork.tenancy.scoping import owned_by
from wegotwork.web.forms import redirect

router = APIRouter(include_in_schema=False)


async def _render(
    request: Request,
    services: Services,
    db: DbSession,
    auth: AuthContext | None,
    invitation_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = await actions.view_invitation(db, invitation_id)
    invitation = view.invitation
    is_recipient = auth is not None and rules.same_email(auth.user.email, invitation.email)
    is_member = False
    if auth is not None:
        is_member = (
            await db.scalar(
                select(Member.id).where(
                    owned_by(Member, invitation.organization_id),
                    Member.user_id == auth.user.id,
                )
            )
        ) is not None
    here = f"/invite/{invitation.id}"
    query = urlencode({"next": here, "email": invitation.email})
    return services.templates.render(
        request,
        "invitations/invite.html",
        {
            "view": view,
            "invitation": invitation,
            "organization": view.organization,
            "state": view.state.value,
            "state_message": rules.STATE_MESSAGES.get(view.state),
            "role_label": ROLE_LABELS[invitation.role],
            "logo_url": logo_url(view.organization.logo),
            "is_recipient": is_recipient,
            "is_member": is_member,
            "sign_in_url": f"/sign-in?{query}",
            "sign_up_url": f"/sign-up?{query}",
            "error": error,
        },
        status_code=status_code,
        headers={"cache-control": "no-store", "referrer-policy": "no-referrer"},
    )


@router.get("/invite/{invitationId}", response_class=HTMLResponse)
async def invitation_page(
    request: Request, invitationId: str, auth: OptionalAuth, db: DbSession, services: ServicesDep
) -> HTMLResponse:
    return await _render(request, services, db, auth, invitationId)


@router.get("/invite/{invitationId}/accept")
@router.get("/invite/{invitationId}/decline")
async def answer_by_link(invitationId: str) -> Response:
    """Answering takes a button press; a link (or a return from signing in) shows the page."""
    return RedirectResponse(f"/invite/{invitationId}", status_code=303)


@router.post("/invite/{invitationId}/accept")
async def accept(
    request: Request, invitationId: str, auth: CurrentAuth, db: DbSession, services: ServicesDep
) -> Response:
    try:
        accepted = await actions.accept_invitation(db, auth, invitationId)
    except DomainError as exc:
        return await _render(
            request, services, db, auth, invitationId, error=exc.message, status_code=exc.status
        )
    await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    organization = accepted.organization
    return redirect(services, f"/dashboard/{organization.slug}", f"Welcome to {organization.name}!")


@router.post("/invite/{invitationId}/decline")
async def decline(
    request: Request, invitationId: str, auth: CurrentAuth, db: DbSession, services: ServicesDep
) -> Response:
    try:
        await actions.reject_invitation(db, auth, invitationId)
    except DomainError as exc:
        return await _render(
            request, services, db, auth, invitationId, error=exc.message, status_code=exc.status
        )
    await db.commit()
    return redirect(services, f"/invite/{invitationId}", "You declined the invitation")
