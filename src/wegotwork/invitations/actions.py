"""Invitation actions: invite, resend, cancel, list pending, look at, accept, reject.

Invitation mail goes to the outbox in the same transaction, so it is sent only if the
invitation was really saved. Every action flushes and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from wegotwork.db import new_id, utcnow
from wegotwork.errors import Conflict, Forbidden, NotFound, RateLimited
from wegotwork.identity.sessions import AuthContext
from wegotwork.identity.sessions import set_active_organization as set_session_active
from wegotwork.invitations import rules
from wegotwork.invitations.rules import InvitationState
from wegotwork.invitations.schemas import InvitationCreate
from wegotwork.mail import enqueue, render_message
from wegotwork.models import Invitation, InvitationStatus, Member, Organization, Role, User
from wegotwork.organizations.rules import ROLE_LABELS, check_invitation_role
from wegotwork.tenancy.allowance import MailKind, claim_mail
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import joins_organization, owned_by, scoped

INVITATION_NOT_FOUND = "Invitation does not exist"


def _not_found() -> NotFound:
    return NotFound(INVITATION_NOT_FOUND, code="INVITATION_NOT_FOUND")


def _article(role: Role) -> str:
    label = ROLE_LABELS[role].lower()
    return f"an {label}" if label[0] in "aeiou" else f"a {label}"


def invitation_url(base_url: str, invitation_id: str) -> str:
    return f"{base_url}/invite/{invitation_id}"


def mail_invitation(
    db: AsyncSession,
    invitation: Invitation,
    organization: Organization,
    inviter: User,
    base_url: str,
) -> None:
    """Put the invitation's mail (a link valid until it expires) in the outbox."""
    subject, text, html = render_message(
        "invitation",
        inviter_name=" ".join(inviter.name.split()) or inviter.email,
        inviter_email=inviter.email,
        organization_name=organization.name,
        role_label=_article(invitation.role),
        url=invitation_url(base_url, invitation.id),
        expires=invitation.expires_at.strftime("%B %-d, %Y at %H:%M"),
    )
    enqueue(db, to=invitation.email, subject=subject, text=text, html=html, kind="invitation")


async def _lock_organization(db: AsyncSession, organization_id: str) -> None:
    await db.execute(
        select(Organization.id)
        .where(Organization.id == organization_id)
        .with_for_update(key_share=True)
    )


async def create_invitation(
    db: AsyncSession,
    ctx: OrgContext,
    data: InvitationCreate,
    *,
    base_url: str,
    resend: bool = False,
) -> Invitation:
    """Invite ``data.email`` with ``data.role`` and mail them a link to ``/invite/{id}``,
    valid for 48 hours.

    Admins and owners may invite members and admins; only owners invite owners. A pending
    invitation that has expired is replaced. With ``resend``, a live pending invitation of the
    same address is mailed again and renewed (as ``resend_invitation`` does) instead of
    refused. Raises Forbidden (codes
    YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION,
    YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE, INVITATION_LIMIT_REACHED) and Conflict
    (codes USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION,
    USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION). The mail limits apply
    (``tenancy.allowance``): Forbidden (code EMAIL_NOT_VERIFIED) for an unverified inviter,
    RateLimited past the hour's budget or when resending within 10 minutes.
    """
    check_invitation_role(ctx.role, data.role)
    organization = ctx.organization
    # One invitation change at a time per organization, so two simultaneous invitations of
    # the same address cannot both pass the check below.
    await _lock_organization(db, organization.id)
    email = data.email
    member = await db.scalar(
        select(Member.id)
        .join(User, User.id == Member.user_id)
        .where(owned_by(Member, organization.id), func.lower(User.email) == email)
    )
    if member is not None:
        message = f"{email} is already a member of {organization.name}"
        raise Conflict(
            message,
            code="USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION",
            field_errors={"email": [message]},
        )
    now = utcnow()
    pending = Invitation.status == InvitationStatus.PENDING
    earlier = (
        await db.scalars(
            scoped(Invitation, ctx).where(pending, func.lower(Invitation.email) == email)
        )
    ).all()
    for invitation in earlier:
        if invitation.expires_at > now:
            if resend:
                check_invitation_role(ctx.role, invitation.role)
                return await _renew(db, ctx, invitation, base_url)
            message = f"{email} already has a pending invitation; resend it instead"
            raise Conflict(
                message,
                code="USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION",
                field_errors={"email": [message]},
            )
        invitation.status = InvitationStatus.CANCELED
    open_count = await db.scalar(
        scoped(Invitation, ctx, func.count()).where(pending, Invitation.expires_at > now)
    )
    if (open_count or 0) >= rules.MAX_PENDING:
        raise Forbidden(
            f"An organization can have at most {rules.MAX_PENDING} pending invitations",
            code="INVITATION_LIMIT_REACHED",
        )
    invitation = Invitation(
        id=new_id(),
        organization_id=organization.id,
        email=email,
        role=data.role,
        status=InvitationStatus.PENDING,
        inviter_id=ctx.user.id,
        expires_at=now + rules.TIME_TO_LIVE,
        created_at=now,
    )
    await claim_mail(db, ctx, MailKind.INVITATION)
    db.add(invitation)
    await db.flush()
    mail_invitation(db, invitation, organization, ctx.user, base_url)
    return invitation


async def _scoped_invitation(db: AsyncSession, ctx: OrgContext, invitation_id: str) -> Invitation:
    invitation: Invitation | None = (
        await db.scalars(
            scoped(Invitation, ctx).where(Invitation.id == invitation_id).with_for_update()
        )
    ).one_or_none()
    if invitation is None:
        raise _not_found()
    return invitation


def _require_pending(invitation: Invitation, *, allow_expired: bool) -> None:
    state = rules.state_of(invitation.status, invitation.expires_at, utcnow())
    if state is InvitationState.PENDING or (allow_expired and state is InvitationState.EXPIRED):
        return
    raise Conflict(rules.STATE_MESSAGES[state], code=rules.STATE_CODES[state])


async def resend_invitation(
    db: AsyncSession, ctx: OrgContext, invitation_id: str, *, base_url: str
) -> Invitation:
    """Mail a pending (or expired) invitation again, valid for another 48 hours, in the
    caller's name.

    Admins and owners may call it; invitations offering the owner role only owners. Raises
    NotFound (code INVITATION_NOT_FOUND), Forbidden, Conflict (accepted, declined, canceled);
    RateLimited within 10 minutes of the last mail and past the hour's budget, Forbidden (code
    EMAIL_NOT_VERIFIED) for an unverified sender (``tenancy.allowance``).
    """
    check_invitation_role(ctx.role, Role.MEMBER)
    invitation = await _scoped_invitation(db, ctx, invitation_id)
    check_invitation_role(ctx.role, invitation.role)
    _require_pending(invitation, allow_expired=True)
    return await _renew(db, ctx, invitation, base_url)


async def _renew(
    db: AsyncSession, ctx: OrgContext, invitation: Invitation, base_url: str
) -> Invitation:
    wait = rules.resend_wait(invitation.expires_at, utcnow())
    if wait:
        raise RateLimited(
            wait, "This invitation was sent a moment ago. You can send it again in 10 minutes."
        )
    await claim_mail(db, ctx, MailKind.INVITATION)
    invitation.expires_at = utcnow() + rules.TIME_TO_LIVE
    invitation.inviter_id = ctx.user.id
    await db.flush()
    mail_invitation(db, invitation, ctx.organization, ctx.user, base_url)
    return invitation


async def cancel_invitation(db: AsyncSession, ctx: OrgContext, invitation_id: str) -> Invitation:
    """Cancel a pending (or expired) invitation; its link stops working.

    Admins and owners may call it; invitations offering the owner role only owners. Raises
    NotFound (code INVITATION_NOT_FOUND), Forbidden (code
    YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION), Conflict (already accepted, declined or
    canceled).
    """
    refused = Forbidden(
        "Your role does not allow canceling this invitation",
        code="YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION",
    )
    if not ctx.can(Permission.MANAGE_INVITATIONS):
        raise refused
    invitation = await _scoped_invitation(db, ctx, invitation_id)
    if invitation.role is Role.OWNER and not ctx.can(Permission.MANAGE_OWNERS):
        raise refused
    _require_pending(invitation, allow_expired=True)
    invitation.status = InvitationStatus.CANCELED
    await db.flush()
    return invitation


async def list_pending_invitations(db: AsyncSession, ctx: OrgContext) -> list[Invitation]:
    """Pending invitations (expired ones included, to be resent or canceled), newest first,
    with their inviters. Admins and owners may call it; raises Forbidden for members."""
    ctx.require(Permission.MANAGE_INVITATIONS)
    query = (
        scoped(Invitation, ctx)
        .options(joinedload(Invitation.inviter))
        .where(Invitation.status == InvitationStatus.PENDING)
        .order_by(Invitation.created_at.desc(), Invitation.id)
    )
    return list((await db.scalars(query)).all())


async def list_invitations(db: AsyncSession, ctx: OrgContext) -> list[Invitation]:
    """Every invitation of the organization, whatever its status, newest first.

    Admins and owners may call it; invitations offering the owner role are shown to owners
    only (their links are theirs to hand out). Raises Forbidden (code
    YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS) for members.
    """
    ctx.require(Permission.MANAGE_INVITATIONS, code="YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS")
    query = scoped(Invitation, ctx).order_by(Invitation.created_at.desc(), Invitation.id)
    if not ctx.can(Permission.MANAGE_OWNERS):
        query = query.where(Invitation.role != Role.OWNER)
    return list((await db.scalars(query)).all())


@dataclass(frozen=True, slots=True)
class InvitationView:
    """An invitation as its recipient sees it: the organization's name, who invited, the role."""

    invitation: Invitation
    organization: Organization
    inviter: User
    state: InvitationState


async def view_invitation(db: AsyncSession, invitation_id: str) -> InvitationView:
    """The invitation with its organization and inviter. Anyone holding the link may call it
    (the id is a 32-character random secret). Raises NotFound (code INVITATION_NOT_FOUND)."""
    invitation = (
        await db.scalars(
            select(Invitation)
            .options(joinedload(Invitation.organization), joinedload(Invitation.inviter))
            .where(Invitation.id == invitation_id)
        )
    ).one_or_none()
    if invitation is None:
        raise _not_found()
    state = rules.state_of(invitation.status, invitation.expires_at, utcnow())
    return InvitationView(invitation, invitation.organization, invitation.inviter, state)


def _check_recipient(invitation: Invitation, auth: AuthContext) -> None:
    if not rules.same_email(invitation.email, auth.user.email):
        raise Forbidden(
            "This invitation was sent to another email address. "
            "Sign in with that address to answer it.",
            code="YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION",
        )


async def _for_recipient(
    db: AsyncSession, auth: AuthContext, invitation_id: str, *, allow_expired: bool
) -> Invitation:
    """The invitation, locked, once it is known to be answerable and the caller's."""
    invitation = (
        await db.scalars(select(Invitation).where(Invitation.id == invitation_id).with_for_update())
    ).one_or_none()
    if invitation is None:
        raise _not_found()
    _require_pending(invitation, allow_expired=allow_expired)
    _check_recipient(invitation, auth)
    return invitation


async def view_invitation_as_recipient(
    db: AsyncSession, auth: AuthContext, invitation_id: str
) -> InvitationView:
    """A pending invitation with its organization and inviter, for its signed-in recipient.

    Only the recipient (same email address) may call it. Raises NotFound (code
    INVITATION_NOT_FOUND), Conflict (expired, canceled, already answered; codes as in
    ``accept_invitation``), Forbidden (code YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION).
    """
    view = await view_invitation(db, invitation_id)
    _require_pending(view.invitation, allow_expired=False)
    _check_recipient(view.invitation, auth)
    return view


@dataclass(frozen=True, slots=True)
class ReceivedInvitation:
    invitation: Invitation
    organization: Organization


async def list_my_invitations(db: AsyncSession, auth: AuthContext) -> list[ReceivedInvitation]:
    """The pending invitations sent to the caller's email address (expired ones included, so
    they can ask for a new one), newest first, with their organizations.

    Any signed-in user whose email address is verified may call it: the list reveals the
    invitation links, which must not reach someone who merely typed that address at sign-up.
    Raises Forbidden (code EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION).
    """
    if not auth.user.email_verified:
        raise Forbidden(
            "Verify your email address to see the invitations sent to it",
            code="EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION",
        )
    rows = await db.execute(
        select(Invitation, Organization)
        .join(Organization, joins_organization(Invitation))
        .where(
            # Addresses are stored lower-cased, so the index on the column serves this.
            Invitation.email == auth.user.email.strip().lower(),
            Invitation.status == InvitationStatus.PENDING,
        )
        .order_by(Invitation.created_at.desc(), Invitation.id)
    )
    return [ReceivedInvitation(invitation, organization) for invitation, organization in rows]


@dataclass(frozen=True, slots=True)
class AcceptedInvitation:
    invitation: Invitation
    member: Member
    organization: Organization


async def accept_invitation(
    db: AsyncSession, auth: AuthContext, invitation_id: str
) -> AcceptedInvitation:
    """Join the organization with the invited role, mark the invitation accepted (both in the
    caller's transaction) and make the organization the session's active one.

    Only the signed-in recipient (same email address) may call it. Raises NotFound (code
    INVITATION_NOT_FOUND), Forbidden (code YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION),
    Conflict (codes INVITATION_EXPIRED, INVITATION_CANCELED, INVITATION_ALREADY_ACCEPTED,
    INVITATION_ALREADY_REJECTED, USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION).
    """
    invitation = await _for_recipient(db, auth, invitation_id, allow_expired=False)
    organization = await db.get_one(Organization, invitation.organization_id)
    member = Member(
        id=new_id(),
        organization_id=invitation.organization_id,
        user_id=auth.user.id,
        role=invitation.role,
    )
    try:
        async with db.begin_nested():
            db.add(member)
            await db.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"You are already a member of {organization.name}",
            code="USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION",
        ) from exc
    invitation.status = InvitationStatus.ACCEPTED
    await db.flush()
    await set_session_active(db, auth.session.id, organization.id)
    set_committed_value(member, "user", auth.user)
    return AcceptedInvitation(invitation, member, organization)


async def reject_invitation(db: AsyncSession, auth: AuthContext, invitation_id: str) -> Invitation:
    """Decline the invitation. Only the signed-in recipient may call it; an expired invitation
    may still be declined. Raises NotFound (code INVITATION_NOT_FOUND), Forbidden (code
    YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION), Conflict (already accepted, declined or
    canceled)."""
    invitation = await _for_recipient(db, auth, invitation_id, allow_expired=True)
    invitation.status = InvitationStatus.REJECTED
    await db.flush()
    return invitation
