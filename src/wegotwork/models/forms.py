"""Application forms: the questions a job asks, an organization's library of reusable
questions, and each applicant's answers (kept with the label they were given under)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Numeric, String, Text
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


class QuestionKind(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    NUMBER = "number"
    URL = "url"
    FILE = "file"


class LibraryQuestion(IdMixin, OrgScoped, TimestampMixin, Base):
    """A question an organization keeps for reuse; adding it to a job copies it."""

    __tablename__ = "library_question"

    label: Mapped[str] = mapped_column(String(300))
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "library_question_kind"))
    help_text: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(default=False)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    knockout: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Question(IdMixin, OrgScoped, TimestampMixin, Base):
    """One question of a job's application form, in ``position`` order. A question that was
    answered is retired rather than deleted when it leaves the form."""

    __tablename__ = "question"
    __table_args__ = (Index("ix_question_job_id_position", "job_id", "retired", "position"),)

    job_id: Mapped[str] = mapped_column(ID, ForeignKey("job.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(300))
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "question_kind"))
    help_text: Mapped[str | None] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(default=False)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    # What disqualifies: {"rejectIf": [...]} for choice and yes/no kinds, {"min": n} and/or
    # {"max": n} for numbers.
    knockout: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)


class Answer(IdMixin, OrgScoped, CreatedMixin, Base):
    """An applicant's answer to one question, with the question's label and kind at the time.
    ``value`` is the text, the chosen option(s) as a list, or for a file its stored name."""

    __tablename__ = "answer"
    __table_args__ = (
        Index("uq_answer_applicant_id_question_id", "applicant_id", "question_id", unique=True),
    )

    applicant_id: Mapped[str] = mapped_column(ID, ForeignKey("applicant.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(
        ID, ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(300))
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind, "answer_kind"))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    file_key: Mapped[str | None] = mapped_column(String(255))
    file_content_type: Mapped[str | None] = mapped_column(String(127))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    knocked_out: Mapped[bool] = mapped_column(default=False)
