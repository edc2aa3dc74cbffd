"""JSON API: an organization's invitations, and /api/v1/invitations/{id} for their recipients."""

from __future__ import annotations

from fastapi import APIRouter, Request

from wegotwork.db import utcnow
from wegotwork.deps import DbSession, SettingsDep
from wegotwork.identity.deps import CurrentAuth, reissue_after_change
from wegotwork.invitations import actions
from wegotwork.invitations.schemas import (
    AcceptedEnvelope,
    InvitationCreate,
    InvitationEnvelope,
    InvitationListEnvelope,
    InvitationOut,
    InvitationPublicEnvelope,
    InvitationPublicOut,
)
from wegotwork.organizations.rules import logo_url
from wegotwork.organizations.schemas import MemberOut, OrganizationOut
from wegotwork.schemas import error_responses
from wegotwork.tenancy.guard import CanManageInvitations

organization_router = APIRouter(
    prefix="/api/v1/organizations/{orgId}/invitations", tags=["invitations"]
)
router = APIRouter(prefix="/api/v1/invitations", tags=["invitations"])


@organization_router.post(
    "",
    status_code=201,
    response_model=InvitationEnvelope,
    responses=error_responses(401, 403, 404, 409, 429),
)
async def create_invitation(
    data: InvitationCreate, ctx: CanManageInvitations, db: DbSession, settings: SettingsDep
) -> InvitationEnvelope:
    """Invite someone by email as `member` or `admin` (admin or owner), or as `owner` (owner
    only). Mails them a link to `/invite/{id}`, valid for 48 hours. 409 when the address
    belongs to a member or already has a pending invitation; 403 while the inviter's email
    address is not verified; 429 past the mail limits (20 invitations an hour per member, 40
    per organization)."""
    invitation = await actions.create_invitation(db, ctx, data, base_url=settings.base_url)
    await db.commit()
    return InvitationEnvelope(
        invitation=InvitationOut.of(invitation, base_url=settings.base_url, now=utcnow())
    )


@organization_router.get(
    "",
    response_model=InvitationListEnvelope,
    responses=error_responses(401, 403, 404),
)
async def list_invitations(
    ctx: CanManageInvitations, db: DbSession, settings: SettingsDep
) -> InvitationListEnvelope:
    """Pending invitations, newest first; `expired` marks those past their expiry (admin or
    owner)."""
    found = await actions.list_pending_invitations(db, ctx)
    now = utcnow()
    return InvitationListEnvelope(
        invitations=[InvitationOut.of(item, base_url=settings.base_url, now=now) for item in found]
    )


@organization_router.post(
    "/{invitationId}/resend",
    response_model=InvitationEnvelope,
    responses=error_responses(401, 403, 404, 409, 429),
)
async def resend_invitation(
    invitationId: str, ctx: CanManageInvitations, db: DbSession, settings: SettingsDep
) -> InvitationEnvelope:
    """Mail the invitation again, valid for another 48 hours (admin or owner); 429 within 10
    minutes of the last mail, or past the hour's mail limits."""
    invitation = await actions.resend_invitation(db, ctx, invitationId, base_url=settings.base_url)
    await db.commit()
    return InvitationEnvelope(
        invitation=InvitationOut.of(invitation, base_url=settings.base_url, now=utcnow())
    )


@organization_router.delete(
    "/{invitationId}",
    response_model=InvitationEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def cancel_invitation(
    invitationId: str, ctx: CanManageInvitations, db: DbSession, settings: SettingsDep
) -> InvitationEnvelope:
    """Cancel a pending invitation; its link stops working (admin or owner)."""
    invitation = await actions.cancel_invitation(db, ctx, invitationId)
    await db.commit()
    return InvitationEnvelope(
        invitation=InvitationOut.of(invitation, base_url=settings.base_url, now=utcnow())
    )


@router.get(
    "/{invitationId}",
    response_model=InvitationPublicEnvelope,
    responses=error_responses(404),
)
async def get_invitation(
    invitationId: str, db: DbSession, settings: SettingsDep
) -> InvitationPublicEnvelope:
    """The invitation as its recipient sees it; no sign-in needed. `status` is one of
    pending, expired, accepted, rejected, canceled."""
    view = await actions.view_invitation(db, invitationId)
    return InvitationPublicEnvelope(
        invitation=InvitationPublicOut(
            id=view.invitation.id,
            email=view.invitation.email,
            role=view.invitation.role,
            status=view.state,
            expires_at=view.invitation.expires_at,
            organization_name=view.organization.name,
            organization_slug=view.organization.slug,
            organization_logo=logo_url(view.organization.logo, settings.base_url),
            inviter_name=view.inviter.name,
        )
    )


@router.post(
    "/{invitationId}/accept",
    response_model=AcceptedEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def accept_invitation(
    request: Request, invitationId: str, auth: CurrentAuth, db: DbSession, settings: SettingsDep
) -> AcceptedEnvelope:
    """Join the organization with the invited role; it becomes my active organization.
    Only when signed in with the invited email address. 409 when the invitation expired,
    was canceled or already answered."""
    accepted = await actions.accept_invitation(db, auth, invitationId)
    await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    return AcceptedEnvelope(
        invitation=InvitationOut.of(accepted.invitation, base_url=settings.base_url, now=utcnow()),
        member=MemberOut.of(accepted.member),
        organization=OrganizationOut.of(accepted.organization, settings.base_url),
    )


@router.post(
    "/{invitationId}/reject",
    response_model=InvitationEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def reject_invitation(
    invitationId: str, auth: CurrentAuth, db: DbSession, settings: SettingsDep
) -> InvitationEnvelope:
    """Decline the invitation. Only when signed in with the invited email address."""
    invitation = await actions.reject_invitation(db, auth, invitationId)
    await db.commit()
    return InvitationEnvelope(
        invitation=InvitationOut.of(invitation, base_url=settings.base_url, now=utcnow())
    )
