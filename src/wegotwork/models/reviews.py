"""Team review: notes on applicants, the notifications they raise, interview kits per stage and
each member's scorecard per applicant and stage."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wegotwork.models.base import (
    ID,
    Base,
    CreatedMixin,
    IdMixin,
    OrgScoped,
    TimestampMixin,
    str_enum,
)


class Recommendation(StrEnum):
    STRONG_NO = "strong_no"
    NO = "no"
    YES = "yes"
    STRONG_YES = "strong_yes"


class NotificationKind(StrEnum):
    MENTION = "mention"


class Note(IdMixin, OrgScoped, TimestampMixin, Base):
    """A member's Markdown note on an applicant (rendered through the sanitizer on display)."""

    __tablename__ = "note"
    __table_args__ = (Index("ix_note_applicant_id_created_at", "applicant_id", "created_at", "id"),)

    applicant_id: Mapped[str] = mapped_column(ID, ForeignKey("applicant.id", ondelete="CASCADE"))
    # None once the author's account is gone; the note stays with the applicant.
    author_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)


class Notification(IdMixin, OrgScoped, CreatedMixin, Base):
    """Something a member should see: for now, that a note mentions them."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_created_at", "user_id", "created_at", "id"),)

    user_id: Mapped[str] = mapped_column(ID, ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, "notification_kind"))
    actor_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    applicant_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("applicant.id", ondelete="CASCADE"), index=True
    )
    note_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("note.id", ondelete="CASCADE"), index=True
    )
    read_at: Mapped[datetime | None]


class ScorecardAttribute(IdMixin, OrgScoped, CreatedMixin, Base):
    """One attribute of a stage's interview kit ("Python", "Communication")."""

    __tablename__ = "scorecard_attribute"
    __table_args__ = (Index("ix_scorecard_attribute_stage_id_position", "stage_id", "position"),)

    stage_id: Mapped[str] = mapped_column(ID, ForeignKey("pipeline_stage.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)


class Scorecard(IdMixin, OrgScoped, TimestampMixin, Base):
    """A member's scorecard for an applicant at one stage: a 1-4 rating per attribute of the
    stage's kit (by name), an overall recommendation and notes. One per member and stage."""

    __tablename__ = "scorecard"
    __table_args__ = (
        Index(
            "uq_scorecard_applicant_id_stage_id_author_id",
            "applicant_id",
            "stage_id",
            "author_id",
            unique=True,
        ),
    )

    applicant_id: Mapped[str] = mapped_column(ID, ForeignKey("applicant.id", ondelete="CASCADE"))
    stage_id: Mapped[str] = mapped_column(ID, ForeignKey("pipeline_stage.id", ondelete="CASCADE"))
    author_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    ratings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recommendation: Mapped[Recommendation] = mapped_column(
        str_enum(Recommendation, "scorecard_recommendation")
    )
    notes: Mapped[str | None] = mapped_column(Text)
