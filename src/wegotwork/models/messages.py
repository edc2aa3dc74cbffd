"""Candidate communication: an organization's mail templates and rejection reasons, the messages
sent to applicants, each applicant's status-page link, and the organization's reply promise."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wegotwork.models.applicants import Applicant
from wegotwork.models.base import (
    ID,
    Base,
    CreatedMixin,
    IdMixin,
    OrgScoped,
    TimestampMixin,
    str_enum,
)
from wegotwork.models.outbox import OutboxMessage


class TemplateKind(StrEnum):
    CONFIRMATION = "confirmation"
    REJECTION = "rejection"
    INTERVIEW = "interview"
    OFFER = "offer"
    OTHER = "other"


class MessageTemplate(IdMixin, OrgScoped, TimestampMixin, Base):
    """A mail the team sends often, with placeholders (``{{candidate.firstName}}``...)."""

    __tablename__ = "message_template"
    __table_args__ = (Index("ix_message_template_organization_id_kind", "organization_id", "kind"),)

    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[TemplateKind] = mapped_column(str_enum(TemplateKind, "message_template_kind"))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)


class RejectionReason(IdMixin, OrgScoped, CreatedMixin, Base):
    """One reason an organization records when it turns an applicant down."""

    __tablename__ = "rejection_reason"

    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)


class Message(IdMixin, OrgScoped, CreatedMixin, Base):
    """One mail to an applicant: what it said, who sent it, when it goes (``send_at``) and the
    outbox row that carries it (None once cancelled). Its status is read from that row."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_applicant_id_created_at", "applicant_id", "created_at"),)

    applicant_id: Mapped[str] = mapped_column(ID, ForeignKey("applicant.id", ondelete="CASCADE"))
    sender_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    template_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("message_template.id", ondelete="SET NULL"), index=True
    )
    outbox_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("outbox.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    send_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    # Declared so that an applicant, its mail and its messages are written in that order.
    applicant: Mapped[Applicant] = relationship(lazy="raise")
    outbox: Mapped[OutboxMessage | None] = relationship(lazy="raise")


class CandidateLink(OrgScoped, CreatedMixin, Base):
    """The applicant's status page. Its token is derived from the server's secret and
    ``nonce`` (an HMAC), so a database alone never yields it; ``token_hash`` (its SHA-256) finds
    the link. ``erase_hash`` is the SHA-256 of the token of a pending "delete my data"
    confirmation, valid until ``erase_expires_at``. ``export_hash`` is the SHA-256 of the token
    of a mailed "download my data" link, valid until ``export_expires_at`` and used up once
    ``export_used_at`` is set. ``mailed_at`` is when a mail last carried the link (its send time):
    once the application is decided, the link works for 180 days after the later of the
    decision and that mail."""

    __tablename__ = "candidate_link"

    applicant_id: Mapped[str] = mapped_column(
        ID, ForeignKey("applicant.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    erase_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    erase_expires_at: Mapped[datetime | None]
    export_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    export_expires_at: Mapped[datetime | None]
    export_used_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]

    applicant: Mapped[Applicant] = relationship(lazy="raise")


class CommunicationSettings(TimestampMixin, Base):
    """An organization's promise and addresses for candidate mail (absent: the defaults)."""

    __tablename__ = "communication_settings"

    organization_id: Mapped[str] = mapped_column(
        ID, ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    reply_within_days: Mapped[int] = mapped_column(default=14)
    reply_to: Mapped[str | None] = mapped_column(String(320))
    privacy_notice_url: Mapped[str | None] = mapped_column(String(2048))
    # The organization's time zone (IANA name): "the next morning" is 08:00 there.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
