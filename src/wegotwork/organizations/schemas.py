"""Organizations and members: what the API and the forms accept, and what they return."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from wegotwork.models import Member, Organization, Role
from wegotwork.organizations import rules
from wegotwork.schemas import CamelModel, InputModel, visible_text


def _name(value: str | None) -> str:
    if value is None:
        raise ValueError("Name cannot be empty")
    cleaned = rules.clean_name(value)
    problem = rules.name_problem(cleaned)
    if problem:
        raise ValueError(problem)
    return cleaned


def _slug(value: str | None) -> str:
    if value is None:
        raise ValueError("The address cannot be empty")
    cleaned = value.strip().lower()
    problem = rules.slug_problem(cleaned)
    if problem:
        raise ValueError(problem)
    return cleaned


# Input ----------------------------------------------------------------------------------


class OrganizationCreate(InputModel):
    """A new organization. Without a slug, one is suggested from the name."""

    name: str = Field(json_schema_extra=visible_text(rules.NAME_MIN, rules.NAME_MAX))
    # Empty asks for a suggested one; the server trims and lower-cases what it is given.
    slug: str | None = Field(
        None,
        json_schema_extra={
            # Empty, or 3 characters or more: a first part of three, or several parts.
            "pattern": "^(?:[a-z0-9]{3,}(?:-[a-z0-9]+)*|[a-z0-9]+(?:-[a-z0-9]+)+)?$",
            "maxLength": rules.SLUG_MAX,
        },
    )

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        return _name(value)

    @field_validator("slug")
    @classmethod
    def _check_slug(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return _slug(value)


class OrganizationUpdate(InputModel):
    """A partial update: only the fields given change; an empty description or website clears it."""

    name: str | SkipJsonSchema[None] = Field(
        None, json_schema_extra=visible_text(rules.NAME_MIN, rules.NAME_MAX)
    )
    slug: str | SkipJsonSchema[None] = Field(
        None,
        json_schema_extra={
            "pattern": rules.SLUG_PATTERN.pattern,
            "minLength": rules.SLUG_MIN,
            "maxLength": rules.SLUG_MAX,
        },
    )
    description: str | None = None
    website: str | None = None

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str | None) -> str:
        return _name(value)

    @field_validator("slug")
    @classmethod
    def _check_slug(cls, value: str | None) -> str:
        return _slug(value)

    @field_validator("description")
    @classmethod
    def _check_description(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().replace("\r\n", "\n")
        if len(value) > rules.DESCRIPTION_MAX:
            raise ValueError(f"Use at most {rules.DESCRIPTION_MAX} characters")
        return value or None

    @field_validator("website")
    @classmethod
    def _check_website(cls, value: str | None) -> str | None:
        return rules.clean_website(value) if value is not None else None


class MemberRoleUpdate(InputModel):
    role: Role


class DeleteConfirmation(CamelModel):
    """The settings page's danger zone: the slug typed again."""

    confirm: str = ""


# Output ---------------------------------------------------------------------------------


class OrganizationOut(CamelModel):
    id: str
    name: str
    slug: str
    description: str | None
    website: str | None
    logo: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, organization: Organization, base_url: str = "") -> OrganizationOut:
        return cls(
            id=organization.id,
            name=organization.name,
            slug=organization.slug,
            description=organization.description,
            website=organization.website,
            logo=rules.logo_url(organization.logo, base_url),
            created_at=organization.created_at,
            updated_at=organization.updated_at,
        )


class MyOrganizationOut(OrganizationOut):
    role: Role
    active: bool


class OrganizationDetailOut(OrganizationOut):
    role: Role
    member_count: int
    job_count: int
    published_job_count: int
    applicant_count: int


class UserBrief(CamelModel):
    id: str
    name: str
    email: str
    image: str | None


class MemberOut(CamelModel):
    id: str
    organization_id: str
    user_id: str
    role: Role
    created_at: datetime
    user: UserBrief

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        user = member.user
        return cls(
            id=member.id,
            organization_id=member.organization_id,
            user_id=member.user_id,
            role=member.role,
            created_at=member.created_at,
            user=UserBrief(id=user.id, name=user.name, email=user.email, image=user.image),
        )


# Envelopes ------------------------------------------------------------------------------


class OrganizationEnvelope(CamelModel):
    error: Literal[False] = False
    organization: OrganizationOut


class OrganizationDetailEnvelope(CamelModel):
    error: Literal[False] = False
    organization: OrganizationDetailOut


class OrganizationListEnvelope(CamelModel):
    error: Literal[False] = False
    organizations: list[MyOrganizationOut]


class MemberEnvelope(CamelModel):
    error: Literal[False] = False
    member: MemberOut


class MemberListEnvelope(CamelModel):
    error: Literal[False] = False
    members: list[MemberOut]


class MessageEnvelope(CamelModel):
    error: Literal[False] = False
    message: str
