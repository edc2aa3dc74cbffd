"""OrgContext: the caller, their membership and the organization they act in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.errors import Forbidden, NotFound
from wegotwork.models import Member, Organization, Role, Session, User
from wegotwork.tenancy.permissions import Permission, has_permission

ORGANIZATION_NOT_FOUND = "Organization does not exist"


@dataclass(frozen=True, slots=True)
class OrgContext:
    user: User
    member: Member
    organization: Organization
    session: Session | None = None

    @property
    def role(self) -> Role:
        return self.member.role

    def can(self, permission: Permission) -> bool:
        return has_permission(self.member.role, permission)

    def require(self, permission: Permission, *, code: str | None = None) -> None:
        """Raise Forbidden (with ``code`` when given) unless the caller's role grants
        ``permission``."""
        if not self.can(permission):
            raise Forbidden("Your role does not allow this", code=code)


async def load_context(
    db: AsyncSession,
    user: User,
    *,
    organization_id: str | None = None,
    slug: str | None = None,
    permission: Permission | None = None,
    session: Session | None = None,
    for_update: bool = False,
) -> OrgContext:
    """Resolve the caller's membership in one organization (by id or slug).

    Raises NotFound when the organization does not exist *or* the user is not a member (an
    outsider must not learn that it exists), Forbidden when the role lacks ``permission``.
    """
    query = select(Organization, Member).join(
        Member, (Member.organization_id == Organization.id) & (Member.user_id == user.id)
    )
    if organization_id is not None:
        query = query.where(Organization.id == organization_id)
    elif slug is not None:
        query = query.where(func.lower(Organization.slug) == slug.lower())
    else:
        raise NotFound(ORGANIZATION_NOT_FOUND)
    if for_update:
        query = query.with_for_update(of=Organization)
    row = (await db.execute(query)).first()
    if row is None:
        raise NotFound(ORGANIZATION_NOT_FOUND)
    organization, member = row
    context = OrgContext(user=user, member=member, organization=organization, session=session)
    if permission is not None:
        context.require(permission)
    return context


async def load_context_for(
    db: AsyncSession,
    user: User,
    model: type[Any],
    object_id: str,
    *,
    permission: Permission,
    message: str,
    session: Session | None = None,
) -> OrgContext:
    """The caller's context in the organization that owns the ``model`` row ``object_id``
    (for routes like ``/api/v1/pipelines/{pipelineId}``), in one lookup of the owner.

    Raises NotFound (with ``message``) when the row does not exist or the caller is not a
    member of its organization (the two are indistinguishable), Forbidden when the role lacks
    ``permission``.
    """
    organization_id = await db.scalar(
        select(model.organization_id).where(model.id == object_id).limit(1)
    )
    if organization_id is None:
        raise NotFound(message)
    try:
        return await load_context(
            db, user, organization_id=organization_id, permission=permission, session=session
        )
    except NotFound:
        raise NotFound(message) from None
