"""``/api/auth/organization/*`` (invitations): Better Auth 1.7's invitation endpoints over our
invitation actions. The same order as ``organizations/auth_api.py``: the session first (its
``signed_in`` dependency, whatever the body), then the body and query, then the action; errors
in Better Auth's codes (``organizations/auth_wire``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from wegotwork.auth import body
from wegotwork.auth.errors import AuthError
from wegotwork.auth.respond import SignedIn, json_response, trusted_origins
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.identity.deps import reissue_after_change, resolve_auth
from wegotwork.identity.sessions import AuthContext
from wegotwork.invitations import actions
from wegotwork.invitations.schemas import InvitationCreate, clean_email
from wegotwork.models import Role
from wegotwork.organizations.auth_schemas import (
    GetInvitationQuery,
    InvitationId,
    InviteMember,
    ListInvitationsQuery,
    ListUserInvitationsQuery,
)
from wegotwork.organizations.auth_wire import (
    INVITATION_STATES,
    asked_member,
    body_doc,
    error,
    invitation_json,
    member_json,
    parse_role,
    query_doc,
    query_of,
    role_not_found,
    wire_errors,
)
from wegotwork.organizations.rules import check_invitation_role
from wegotwork.schemas import auth_error_responses
from wegotwork.tenancy.guard import signed_in

router = APIRouter(
    prefix="/api/auth/organization", tags=["auth: organizations"], responses=auth_error_responses()
)

# get-invitation's signed-out answer: a message and no code.
SignedInOrNotAuthenticated = Annotated[
    AuthContext, Depends(signed_in(lambda: AuthError("", "Not authenticated", status=401)))
]


@router.post("/invite-member", openapi_extra=body_doc(InviteMember))
async def invite_member(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """Invite an email address as member or admin (admin or owner), or as owner (owner only),
    and mail the link; with ``resend: true`` a pending invitation is renewed and mailed again."""
    data = await body.parse(request, InviteMember, trusted_origins(services))
    if not data.organization_id and not auth.active_organization_id:
        raise error("ORGANIZATION_NOT_FOUND")
    try:
        email = clean_email(data.email)
    except ValueError:
        raise error("INVALID_EMAIL") from None
    ctx = await asked_member(
        db,
        auth,
        data.organization_id,
        unnamed=error("ORGANIZATION_NOT_FOUND"),
        outsider=error("MEMBER_NOT_FOUND"),
    )
    role = parse_role(data.role)
    if role is None:
        with wire_errors():
            # Someone who may not invite at all hears that first, whatever the role.
            check_invitation_role(ctx.role, Role.MEMBER)
        raise role_not_found(data.role, code_for_unknown=False)
    with wire_errors():
        invitation = await actions.create_invitation(
            db,
            ctx,
            InvitationCreate(email=email, role=role),
            base_url=services.settings.base_url,
            resend=bool(data.resend),
        )
    await db.commit()
    return json_response(invitation_json(invitation))


@router.post("/cancel-invitation", openapi_extra=body_doc(InvitationId))
async def cancel_invitation(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """Cancel a pending invitation of an organization the caller manages."""
    data = await body.parse(request, InvitationId, trusted_origins(services))
    with wire_errors():
        view = await actions.view_invitation(db, data.invitation_id)
    ctx = await asked_member(
        db,
        auth,
        view.invitation.organization_id,
        unnamed=error("MEMBER_NOT_FOUND"),
        outsider=error("MEMBER_NOT_FOUND"),
        active=False,
    )
    with wire_errors():
        invitation = await actions.cancel_invitation(db, ctx, data.invitation_id)
    await db.commit()
    return json_response(invitation_json(invitation))


@router.post("/accept-invitation", openapi_extra=body_doc(InvitationId))
async def accept_invitation(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """Join with the invited role (signed in with the invited address); the organization
    becomes the session's active one."""
    data = await body.parse(request, InvitationId, trusted_origins(services))
    with wire_errors(INVITATION_STATES):
        accepted = await actions.accept_invitation(db, auth, data.invitation_id)
    await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    return json_response(
        {"invitation": invitation_json(accepted.invitation), "member": member_json(accepted.member)}
    )


@router.post("/reject-invitation", openapi_extra=body_doc(InvitationId))
async def reject_invitation(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """Decline the invitation (signed in with the invited address)."""
    data = await body.parse(request, InvitationId, trusted_origins(services))
    with wire_errors(INVITATION_STATES, {"INVITATION_NOT_FOUND": "Invitation not found!"}):
        invitation = await actions.reject_invitation(db, auth, data.invitation_id)
    await db.commit()
    return json_response({"invitation": invitation_json(invitation), "member": None})


@router.get("/get-invitation", openapi_extra=query_doc(GetInvitationQuery))
async def get_invitation(
    request: Request, db: DbSession, auth: SignedInOrNotAuthenticated
) -> Response:
    """A pending invitation as its recipient sees it, with the organization's name and slug
    and the inviter's email address."""
    query = query_of(request.query_params, GetInvitationQuery)
    with wire_errors(INVITATION_STATES):
        view = await actions.view_invitation_as_recipient(db, auth, query.id)
    out = invitation_json(view.invitation)
    out["organizationName"] = view.organization.name
    out["organizationSlug"] = view.organization.slug
    out["inviterEmail"] = view.inviter.email
    return json_response(out)


@router.get("/list-invitations", openapi_extra=query_doc(ListInvitationsQuery))
async def list_invitations(request: Request, db: DbSession, auth: SignedIn) -> Response:
    """Every invitation of the organization (default: the active one), for admins and owners."""
    query = query_of(request.query_params, ListInvitationsQuery)
    ctx = await asked_member(
        db,
        auth,
        query.organization_id,
        unnamed=AuthError("", "Organization ID is required", status=400),
        outsider=AuthError("", "You are not a member of this organization", status=403),
    )
    with wire_errors():
        found = await actions.list_invitations(db, ctx)
    return json_response([invitation_json(invitation) for invitation in found])


@router.get("/list-user-invitations", openapi_extra=query_doc(ListUserInvitationsQuery))
async def list_user_invitations(request: Request, db: DbSession) -> Response:
    """The pending invitations sent to the caller's (verified) email address."""
    auth = await resolve_auth(request, db)
    query = query_of(request.query_params, ListUserInvitationsQuery)
    if query.email:
        raise AuthError("", "User email cannot be passed for client side API calls.", status=400)
    if auth is None:
        raise AuthError("", "Missing session headers, or email query parameter.", status=400)
    with wire_errors():
        received = await actions.list_my_invitations(db, auth)
    out = []
    for item in received:
        entry = invitation_json(item.invitation)
        entry["organizationName"] = item.organization.name
        out.append(entry)
    return json_response(out)
