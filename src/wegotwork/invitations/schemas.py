"""Invitations: what the API and the forms accept, and what they return."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import Field, field_validator

from wegotwork.invitations.rules import InvitationState
from wegotwork.models import Invitation, InvitationStatus, Role
from wegotwork.organizations.schemas import MemberOut, OrganizationOut
from wegotwork.schemas import CamelModel, InputModel


def clean_email(value: str) -> str:
    """A syntactically valid address, lower-cased (as user emails are stored)."""
    value = value.strip()
    if len(value) > 320:
        raise ValueError("Use at most 320 characters")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("Enter a valid email address") from None
    return checked.normalized.lower()


class InvitationCreate(InputModel):
    email: str = Field(json_schema_extra={"format": "email", "maxLength": 320})
    role: Role = Role.MEMBER

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str) -> str:
        return clean_email(value)


class InvitationOut(CamelModel):
    id: str
    organization_id: str
    email: str
    role: Role
    status: InvitationStatus
    expired: bool
    expires_at: datetime
    created_at: datetime
    inviter_id: str
    url: str

    @classmethod
    def of(cls, invitation: Invitation, *, base_url: str, now: datetime) -> InvitationOut:
        return cls(
            id=invitation.id,
            organization_id=invitation.organization_id,
            email=invitation.email,
            role=invitation.role,
            status=invitation.status,
            expired=invitation.status is InvitationStatus.PENDING and invitation.expires_at <= now,
            expires_at=invitation.expires_at,
            created_at=invitation.created_at,
            inviter_id=invitation.inviter_id,
            url=f"{base_url}/invite/{invitation.id}",
        )


class InvitationPublicOut(CamelModel):
    """What the holder of an invitation link may see: never the organization's private data."""

    id: str
    email: str
    role: Role
    status: InvitationState
    expires_at: datetime
    organization_name: str
    organization_slug: str
    organization_logo: str | None
    inviter_name: str


class InvitationEnvelope(CamelModel):
    error: Literal[False] = False
    invitation: InvitationOut


class InvitationListEnvelope(CamelModel):
    error: Literal[False] = False
    invitations: list[InvitationOut]


class InvitationPublicEnvelope(CamelModel):
    error: Literal[False] = False
    invitation: InvitationPublicOut


class AcceptedEnvelope(CamelModel):
    error: Literal[False] = False
    invitation: InvitationOut
    member: MemberOut
    organization: OrganizationOut
