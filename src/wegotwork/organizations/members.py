"""Member actions: list, change role, remove, leave.

Every change locks the organization row first (PostgreSQL; SQLite serialises writers anyway)
and re-reads the roles under that lock, so two owners demoting each other at the same moment
can never leave the organization without an owner.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from wegotwork.errors import NotFound
from wegotwork.models import Member, Organization, Role
from wegotwork.organizations import rules
from wegotwork.organizations.actions import forget_active_for
from wegotwork.tenancy.context import ORGANIZATION_NOT_FOUND, OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import in_context, scoped

MEMBER_NOT_FOUND = "Member does not exist"


async def list_members(db: AsyncSession, ctx: OrgContext) -> list[Member]:
    """The organization's members with their users, in the order they joined.

    Any member may call it.
    """
    ctx.require(Permission.VIEW_ORGANIZATION)
    query = (
        scoped(Member, ctx).options(joinedload(Member.user)).order_by(Member.created_at, Member.id)
    )
    return list((await db.scalars(query)).all())


async def _lock(db: AsyncSession, ctx: OrgContext) -> tuple[int, Role]:
    """Lock the organization; return its number of owners and the caller's current role."""
    # FOR NO KEY UPDATE: serialises member changes without blocking inserts that merely
    # reference the organization (an accepted invitation, a new job).
    await db.execute(
        select(Organization.id)
        .where(Organization.id == ctx.organization.id)
        .with_for_update(key_share=True)
    )
    owners = await db.scalar(
        select(func.count())
        .select_from(Member)
        .where(in_context(Member, ctx), Member.role == Role.OWNER)
    )
    role = await db.scalar(select(Member.role).where(Member.id == ctx.member.id))
    if role is None:
        raise NotFound(ORGANIZATION_NOT_FOUND)
    return int(owners or 0), role


async def _member(db: AsyncSession, ctx: OrgContext, member_id: str) -> Member:
    member: Member | None = (
        await db.scalars(
            scoped(Member, ctx).options(joinedload(Member.user)).where(Member.id == member_id)
        )
    ).one_or_none()
    if member is None:
        raise NotFound(MEMBER_NOT_FOUND, code="MEMBER_NOT_FOUND")
    return member


async def change_member_role(
    db: AsyncSession, ctx: OrgContext, member_id: str, role: Role
) -> Member:
    """Give the member ``role``.

    Admins and owners may call it; only owners make or unmake owners (an admin cannot act on
    an owner); the last owner cannot be demoted. Raises NotFound (code MEMBER_NOT_FOUND),
    Forbidden (code YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER), Conflict (code
    YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER).
    """
    owners, actor = await _lock(db, ctx)
    target = await _member(db, ctx, member_id)
    rules.check_role_change(actor, target.role, role, owners)
    if target.role is not role:
        target.role = role
        await db.flush()
    return target


async def remove_member(db: AsyncSession, ctx: OrgContext, member_id: str) -> Member:
    """Remove the member from the organization (removing oneself is leaving).

    Admins and owners may remove others; only owners remove owners; the last owner cannot be
    removed. Raises NotFound (code MEMBER_NOT_FOUND), Forbidden (code
    YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER), Conflict (code
    YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER).
    """
    owners, actor = await _lock(db, ctx)
    target = await _member(db, ctx, member_id)
    rules.check_removal(actor, target.role, owners, is_self=target.user_id == ctx.user.id)
    await db.delete(target)
    await db.flush()
    await forget_active_for(db, target.user_id, ctx.organization.id)
    return target


async def leave_organization(db: AsyncSession, ctx: OrgContext) -> Member:
    """The caller leaves the organization. Any member may call it, except its last owner.

    Raises Conflict (code YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER).
    """
    return await remove_member(db, ctx, ctx.member.id)
