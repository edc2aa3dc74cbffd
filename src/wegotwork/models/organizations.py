"""Organizations (workspaces), their members and invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wegotwork.models.auth import User
from wegotwork.models.base import ID, Base, CreatedMixin, IdMixin, TimestampMixin, str_enum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELED = "canceled"


class Organization(IdMixin, TimestampMixin, Base):
    __tablename__ = "organization"
    __table_args__ = (Index("uq_organization_slug_lower", func.lower("slug"), unique=True),)

    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(48))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(2048))
    logo: Mapped[str | None] = mapped_column(String(255))
    metadata_json: Mapped[str | None] = mapped_column("metadata", Text)
    # Bumped in the same transaction as every change to what the careers site shows; public
    # pages derive their ETag and render-cache key from it.
    content_version: Mapped[int] = mapped_column(default=1)
    # The getting-started checklist: the steps that leave no other trace ("categories",
    # "careers") and "dismissed", each with when it happened (ISO 8601). NULL: a new workspace.
    onboarding: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # Privacy: candidates are kept this many months after their last process ended, then
    # quarantined (hidden) for this many days, then erased.
    retention_months: Mapped[int] = mapped_column(default=24, server_default="24")
    quarantine_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # When set, the application form asks for consent to this notice; the version is bumped
    # each time the URL changes and is kept with each consent (None: never set).
    privacy_notice_url: Mapped[str | None] = mapped_column(String(2048))
    privacy_notice_version: Mapped[int | None]


class Member(IdMixin, CreatedMixin, Base):
    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    organization_id: Mapped[str] = mapped_column(
        ID, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "member_role"), default=Role.MEMBER)
    notify_new_applicants: Mapped[bool] = mapped_column(default=True)
    # Mail me when a teammate mentions me in a note (the in-app notification comes regardless).
    notify_mentions: Mapped[bool] = mapped_column(default=True, server_default=true())
    # A teammate's scorecard at a stage this member reviewed too is mailed to them.
    notify_scorecards: Mapped[bool] = mapped_column(default=True, server_default=true())

    user: Mapped[User] = relationship(lazy="raise")
    organization: Mapped[Organization] = relationship(lazy="raise")


class Invitation(IdMixin, CreatedMixin, Base):
    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_organization_id_status", "organization_id", "status"),)

    organization_id: Mapped[str] = mapped_column(
        ID, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "invitation_role"), default=Role.MEMBER)
    status: Mapped[InvitationStatus] = mapped_column(
        str_enum(InvitationStatus, "invitation_status"), default=InvitationStatus.PENDING
    )
    inviter_id: Mapped[str] = mapped_column(
        ID, ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]

    organization: Mapped[Organization] = relationship(lazy="raise")
    inviter: Mapped[User] = relationship(lazy="raise")
