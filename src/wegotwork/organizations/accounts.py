"""Deleting an account without stranding an organization.

Better Auth deletes the user and lets the database cascade the memberships away, which can
leave an organization with members but no owner (nobody may ever delete it or appoint one), or
with no members at all while its careers page keeps collecting applications nobody can see or
erase. We refuse instead when the account is the last owner of an organization that has other
members (transfer ownership first), and delete an organization together with the account when
that account is its only member, applicants and stored files included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.auth import actions as auth_actions
from wegotwork.auth.errors import AuthError
from wegotwork.identity.sessions import AuthContext
from wegotwork.models import Member, Organization, Role, User
from wegotwork.organizations.actions import purge_organization
from wegotwork.tenancy.guard import member_contexts
from wegotwork.tenancy.scoping import scoped

LAST_OWNER = "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER"


@dataclass(frozen=True, slots=True)
class AtStake:
    """What deleting a user's account would do to their organizations."""

    blocking: list[Organization] = field(default_factory=list)  # last owner, others remain
    deleted: list[Organization] = field(default_factory=list)  # the user is the only member

    def refusal(self) -> str | None:
        """Why the account may not be deleted yet, or None."""
        if not self.blocking:
            return None
        names = ", ".join(organization.name for organization in self.blocking)
        return (
            f"You are the only owner of {names}. Make another member an owner, or delete the "
            "organization, before you delete your account."
        )


async def at_stake(db: AsyncSession, user: User) -> AtStake:
    """The user's organizations that would block the deletion of their account or go with it.

    Any signed-in user may ask about themselves.
    """
    found = AtStake()
    for ctx in await member_contexts(db, user):
        members, owners = (
            await db.execute(
                scoped(
                    Member,
                    ctx,
                    func.count(),
                    func.count().filter(Member.role == Role.OWNER),
                )
            )
        ).one()
        if members == 1:
            found.deleted.append(ctx.organization)
        elif ctx.role is Role.OWNER and owners == 1:
            found.blocking.append(ctx.organization)
    return found


async def delete_account(db: AsyncSession, auth: AuthContext, *, password: str | None) -> list[str]:
    """Delete the signed-in user's account (``auth.actions.delete_user``) with every
    organization they are the only member of; returns the stored files to delete once the
    transaction is committed.

    Raises AuthError YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER (400) while the user is
    the last owner of an organization with other members, besides delete_user's errors.
    """
    user = await db.get(User, auth.user.id)
    if user is None:
        raise AuthError("UNAUTHORIZED", status=401)
    stake = await at_stake(db, user)
    refusal = stake.refusal()
    if refusal is not None:
        raise AuthError(LAST_OWNER, refusal, status=400)
    await auth_actions.check_deletion(db, auth, password=password)
    going = {organization.id for organization in stake.deleted}
    keys: list[str] = []
    for ctx in await member_contexts(db, user):
        if ctx.organization.id in going:
            keys += (await purge_organization(db, ctx)).file_keys
    await auth_actions.delete_user(db, auth, password=None, checked=True)
    return keys
