"""Mail waiting to be sent: written in the same transaction as the change that causes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wegotwork.db import utcnow
from wegotwork.models.applicants import Applicant
from wegotwork.models.base import ID, Base, CreatedMixin, IdMixin, OrgScoped


class OutboxMessage(IdMixin, CreatedMixin, Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),)

    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A sender claims a message by setting this lease; another process skips it until it lapses.
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    # The applicant the mail is about (erased with them, sent or not) and where replies go.
    applicant_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("applicant.id", ondelete="CASCADE"), index=True
    )
    reply_to: Mapped[str | None] = mapped_column(String(320))

    # Declared so that an applicant and the mail about it are written in that order.
    applicant: Mapped[Applicant | None] = relationship(lazy="raise")


class MailSend(IdMixin, CreatedMixin, OrgScoped, Base):
    """One message a member sent to someone outside the product's own flows (an invitation, a
    mention, a message to a candidate): what the per-user and per-organization mail limits
    count. It holds no address or text, only who sent what kind of mail when."""

    __tablename__ = "mail_send"
    __table_args__ = (
        Index("ix_mail_send_user_id_kind_created_at", "user_id", "kind", "created_at"),
        Index(
            "ix_mail_send_organization_id_kind_created_at", "organization_id", "kind", "created_at"
        ),
    )

    user_id: Mapped[str] = mapped_column(ID, ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
