"""OrgContext: the caller, their membership and the organization they act in."""

from __future__ import annotations

from dataclasses import dataclass

from wegotwork.errors import Forbidden
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
