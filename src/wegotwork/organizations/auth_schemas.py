"""Inputs of Better Auth's organization endpoints (``/api/auth/organization/*``): the field
names and types its official client sends, checked the way its schemas check them (strings are
strings, unknown keys ignored). Our own rules (name and slug rules, one role per member) are
applied afterwards, through the same schemas the JSON API uses."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from wegotwork.auth.schemas import AuthInput

SORT_DIRECTIONS = ("asc", "desc")
FILTER_OPERATORS = (
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "in",
    "not_in",
    "contains",
    "starts_with",
    "ends_with",
)


def _one_of(value: str | None, options: tuple[str, ...]) -> str | None:
    if value is not None and value not in options:
        listed = "|".join(f'"{option}"' for option in options)
        raise ValueError(f"Invalid option: expected one of {listed}")
    return value


def _role_value(value: Any) -> Any:
    """``role`` is a string or an array of strings (Better Auth allows several roles)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise ValueError("Invalid input")


# Organizations --------------------------------------------------------------------------


class CreateOrganization(AuthInput):
    name: str = Field(min_length=1)
    slug: str = Field(min_length=1)
    logo: str | None = None
    metadata: dict[str, Any] | None = None
    keep_current_active_organization: bool | None = Field(
        None, alias="keepCurrentActiveOrganization"
    )


class CheckSlug(AuthInput):
    slug: str


class OrganizationData(AuthInput):
    name: str | None = Field(None, min_length=1)
    slug: str | None = Field(None, min_length=1)
    logo: str | None = None
    metadata: dict[str, Any] | None = None


class UpdateOrganization(AuthInput):
    data: OrganizationData
    organization_id: str | None = Field(None, alias="organizationId")


class DeleteOrganization(AuthInput):
    organization_id: str = Field(alias="organizationId")


class SetActiveOrganization(AuthInput):
    """``organizationId: null`` clears the active organization; both omitted re-reads it."""

    organization_id: str | None = Field(None, alias="organizationId")
    organization_slug: str | None = Field(None, alias="organizationSlug")


class FullOrganizationQuery(AuthInput):
    organization_id: str | None = Field(None, alias="organizationId")
    organization_slug: str | None = Field(None, alias="organizationSlug")
    members_limit: str | None = Field(None, alias="membersLimit")


# Members --------------------------------------------------------------------------------


class ListMembersQuery(AuthInput):
    limit: str | None = None
    offset: str | None = None
    sort_by: str | None = Field(None, alias="sortBy")
    sort_direction: str | None = Field(None, alias="sortDirection")
    filter_field: str | None = Field(None, alias="filterField")
    filter_value: str | None = Field(None, alias="filterValue")
    filter_operator: str | None = Field(None, alias="filterOperator")
    organization_id: str | None = Field(None, alias="organizationId")
    organization_slug: str | None = Field(None, alias="organizationSlug")

    @field_validator("sort_direction")
    @classmethod
    def _check_direction(cls, value: str | None) -> str | None:
        return _one_of(value, SORT_DIRECTIONS)

    @field_validator("filter_operator")
    @classmethod
    def _check_operator(cls, value: str | None) -> str | None:
        return _one_of(value, FILTER_OPERATORS)


class ActiveMemberRoleQuery(AuthInput):
    user_id: str | None = Field(None, alias="userId")
    organization_id: str | None = Field(None, alias="organizationId")
    organization_slug: str | None = Field(None, alias="organizationSlug")


class UpdateMemberRole(AuthInput):
    role: Any
    member_id: str = Field(alias="memberId")
    organization_id: str | None = Field(None, alias="organizationId")

    @field_validator("role")
    @classmethod
    def _check_role(cls, value: Any) -> Any:
        return _role_value(value)


class RemoveMember(AuthInput):
    member_id_or_email: str = Field(alias="memberIdOrEmail")
    organization_id: str | None = Field(None, alias="organizationId")


class LeaveOrganization(AuthInput):
    organization_id: str = Field(alias="organizationId")


class HasPermission(AuthInput):
    """``permissions`` (or the older ``permission``, never both): resource → actions."""

    organization_id: str | None = Field(None, alias="organizationId")
    permission: dict[str, list[str]] | None = None
    permissions: dict[str, list[str]] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> HasPermission:
        if (self.permission is None) == (self.permissions is None):
            raise ValueError("Invalid input: pass exactly one of permission and permissions")
        return self

    @property
    def asked(self) -> dict[str, list[str]]:
        return self.permissions if self.permissions is not None else self.permission or {}


# Invitations ----------------------------------------------------------------------------


class InviteMember(AuthInput):
    email: str
    role: Any
    organization_id: str | None = Field(None, alias="organizationId")
    resend: bool | None = None

    @field_validator("role")
    @classmethod
    def _check_role(cls, value: Any) -> Any:
        return _role_value(value)


class InvitationId(AuthInput):
    invitation_id: str = Field(alias="invitationId")


class GetInvitationQuery(AuthInput):
    id: str


class ListInvitationsQuery(AuthInput):
    organization_id: str | None = Field(None, alias="organizationId")


class ListUserInvitationsQuery(AuthInput):
    email: str | None = None
