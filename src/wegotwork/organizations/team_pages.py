"""HTML pages: /dashboard/{slug}/team — members, their roles, invitations, leaving."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from wegotwork.db import utcnow
from wegotwork.deps import DbSession, Services, ServicesDep, SettingsDep
from wegotwork.errors import DomainError
from wegotwork.invitations import actions as invitations
from wegotwork.invitations.actions import invitation_url
from wegotwork.invitations.schemas import InvitationCreate
from wegotwork.models import Invitation, Member, Role
from wegotwork.organizations import members, rules
from wegotwork.organizations.schemas import MemberRoleUpdate
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import PageCanManageInvitations, PageCanViewOrganization
from wegotwork.tenancy.permissions import Permission
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import errors_from_domain, parse_form, redirect

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class MemberRow:
    member: Member
    is_me: bool
    roles: list[Role]  # the roles the viewer may move this member to (current first)
    removable: bool
    can_leave: bool


@dataclass(frozen=True, slots=True)
class InvitationRow:
    invitation: Invitation
    expired: bool
    url: str
    manageable: bool


def _allowed(check: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        check(*args, **kwargs)
    except DomainError:
        return False
    return True


def _member_rows(ctx: OrgContext, found: list[Member]) -> list[MemberRow]:
    owners = sum(1 for member in found if member.role is Role.OWNER)
    rows = []
    for member in found:
        is_me = member.user_id == ctx.user.id
        roles = [
            role
            for role in Role
            if role is not member.role
            and _allowed(rules.check_role_change, ctx.role, member.role, role, owners)
        ]
        rows.append(
            MemberRow(
                member=member,
                is_me=is_me,
                roles=[member.role, *roles] if roles else [],
                removable=not is_me
                and _allowed(rules.check_removal, ctx.role, member.role, owners, is_self=False),
                can_leave=is_me
                and _allowed(rules.check_removal, ctx.role, member.role, owners, is_self=True),
            )
        )
    return rows


async def render_team(
    request: Request,
    services: Services,
    db: DbSession,
    ctx: OrgContext,
    *,
    invite_values: dict[str, Any] | None = None,
    invite_errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = await members.list_members(db, ctx)
    pending: list[InvitationRow] = []
    if ctx.can(Permission.MANAGE_INVITATIONS):
        now = utcnow()
        pending = [
            InvitationRow(
                invitation=item,
                expired=item.expires_at <= now,
                url=invitation_url(services.settings.base_url, item.id),
                manageable=item.role is not Role.OWNER or ctx.can(Permission.MANAGE_OWNERS),
            )
            for item in await invitations.list_pending_invitations(db, ctx)
        ]
    invitable = [
        role for role in rules.assignable_roles(ctx.role) if ctx.can(Permission.MANAGE_INVITATIONS)
    ]
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "organizations/team.html",
        {
            "rows": _member_rows(ctx, found),
            "invitations": pending,
            "invitable": [(role.value, rules.ROLE_LABELS[role]) for role in invitable],
            "role_labels": {role.value: label for role, label in rules.ROLE_LABELS.items()},
            "role_descriptions": {
                role.value: text for role, text in rules.ROLE_DESCRIPTIONS.items()
            },
            "invite_values": invite_values or {"role": Role.MEMBER.value},
            "invite_errors": invite_errors or {},
        },
        section="team",
        status_code=status_code,
    )


def _team_url(ctx: OrgContext) -> str:
    return f"/dashboard/{ctx.organization.slug}/team"


@router.get("/dashboard/{slug}/team", response_class=HTMLResponse)
async def team(
    request: Request, ctx: PageCanViewOrganization, db: DbSession, services: ServicesDep
) -> Response:
    return await render_team(request, services, db, ctx)


@router.post("/dashboard/{slug}/team/members/{memberId}/role")
async def change_role(
    request: Request,
    memberId: str,
    ctx: PageCanViewOrganization,
    db: DbSession,
    services: ServicesDep,
) -> Response:
    form = await parse_form(request, MemberRoleUpdate)
    if form.data is None:
        return redirect(services, _team_url(ctx), "Choose a valid role", "error")
    try:
        member = await members.change_member_role(db, ctx, memberId, form.data.role)
    except DomainError as exc:
        return redirect(services, _team_url(ctx), exc.message, "error")
    await db.commit()
    label = rules.ROLE_LABELS[member.role].lower()
    return redirect(services, _team_url(ctx), f"{member.user.name} is now {label}")


@router.post("/dashboard/{slug}/team/members/{memberId}/remove")
async def remove_member(
    memberId: str, ctx: PageCanViewOrganization, db: DbSession, services: ServicesDep
) -> Response:
    try:
        member = await members.remove_member(db, ctx, memberId)
    except DomainError as exc:
        return redirect(services, _team_url(ctx), exc.message, "error")
    await db.commit()
    if member.user_id == ctx.user.id:
        return redirect(services, "/dashboard", f"You left {ctx.organization.name}")
    return redirect(
        services, _team_url(ctx), f"{member.user.name} was removed from {ctx.organization.name}"
    )


@router.post("/dashboard/{slug}/team/leave")
async def leave(ctx: PageCanViewOrganization, db: DbSession, services: ServicesDep) -> Response:
    try:
        await members.leave_organization(db, ctx)
    except DomainError as exc:
        return redirect(services, _team_url(ctx), exc.message, "error")
    await db.commit()
    return redirect(services, "/dashboard", f"You left {ctx.organization.name}")


@router.post("/dashboard/{slug}/team/invitations")
async def invite(
    request: Request,
    ctx: PageCanManageInvitations,
    db: DbSession,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    form = await parse_form(request, InvitationCreate)
    if form.data is None:
        return await render_team(
            request,
            services,
            db,
            ctx,
            invite_values=form.values,
            invite_errors=form.errors,
            status_code=422,
        )
    try:
        invitation = await invitations.create_invitation(
            db, ctx, form.data, base_url=settings.base_url
        )
    except DomainError as exc:
        return await render_team(
            request,
            services,
            db,
            ctx,
            invite_values=form.values,
            invite_errors=errors_from_domain(exc),
            status_code=exc.status,
        )
    await db.commit()
    return redirect(services, _team_url(ctx), f"Invitation sent to {invitation.email}")


@router.post("/dashboard/{slug}/team/invitations/{invitationId}/resend")
async def resend(
    invitationId: str,
    ctx: PageCanViewOrganization,
    db: DbSession,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    try:
        invitation = await invitations.resend_invitation(
            db, ctx, invitationId, base_url=settings.base_url
        )
    except DomainError as exc:
        return redirect(services, _team_url(ctx), exc.message, "error")
    await db.commit()
    return redirect(services, _team_url(ctx), f"Invitation sent again to {invitation.email}")


@router.post("/dashboard/{slug}/team/invitations/{invitationId}/cancel")
async def cancel(
    invitationId: str, ctx: PageCanViewOrganization, db: DbSession, services: ServicesDep
) -> Response:
    try:
        invitation = await invitations.cancel_invitation(db, ctx, invitationId)
    except DomainError as exc:
        return redirect(services, _team_url(ctx), exc.message, "error")
    await db.commit()
    return redirect(services, _team_url(ctx), f"Invitation to {invitation.email} canceled")
