"""Authorization as data: each role's permissions. Code asks for a permission, never a role."""

from __future__ import annotations

from enum import StrEnum

from wegotwork.models import Role


class Permission(StrEnum):
    VIEW_ORGANIZATION = "organization:view"
    UPDATE_ORGANIZATION = "organization:update"
    DELETE_ORGANIZATION = "organization:delete"
    MANAGE_MEMBERS = "member:manage"
    MANAGE_INVITATIONS = "invitation:manage"
    MANAGE_OWNERS = "owner:manage"
    MANAGE_CATEGORIES = "category:manage"
    MANAGE_JOBS = "job:manage"
    VIEW_APPLICANTS = "applicant:view"
    MANAGE_APPLICANTS = "applicant:manage"
    MANAGE_PIPELINES = "pipeline:manage"
    # Delete any member's note (authors always may change their own).
    MODERATE_NOTES = "note:moderate"
    # See every scorecard, also for stages where one has not submitted one's own.
    VIEW_ALL_SCORECARDS = "scorecard:view_all"
    # Privacy: retention settings, legal hold, quarantine restore, export, the audit trail.
    MANAGE_PRIVACY = "privacy:manage"
    # Write the organization's mail templates and rejection reasons.
    MANAGE_TEMPLATES = "template:manage"


_MEMBER = frozenset(
    {
        Permission.VIEW_ORGANIZATION,
        Permission.MANAGE_CATEGORIES,
        Permission.MANAGE_JOBS,
        Permission.VIEW_APPLICANTS,
        Permission.MANAGE_APPLICANTS,
    }
)
_ADMIN = _MEMBER | {
    Permission.UPDATE_ORGANIZATION,
    Permission.MANAGE_MEMBERS,
    Permission.MANAGE_INVITATIONS,
    Permission.MANAGE_PIPELINES,
    Permission.MODERATE_NOTES,
    Permission.VIEW_ALL_SCORECARDS,
    Permission.MANAGE_PRIVACY,
    Permission.MANAGE_TEMPLATES,
}
_OWNER = _ADMIN | {Permission.DELETE_ORGANIZATION, Permission.MANAGE_OWNERS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(_OWNER),
    Role.ADMIN: frozenset(_ADMIN),
    Role.MEMBER: _MEMBER,
}


def has_permission(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
