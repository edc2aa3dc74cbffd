"""Applicants (one application of one person to one job) and their status history."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, ColumnElement, ForeignKey, Index, String, Text, func, text
from sqlalchemy import literal_column as _literal
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wegotwork.models.auth import User
from wegotwork.models.base import (
    ID,
    Base,
    CreatedMixin,
    IdMixin,
    OrgScoped,
    TimestampMixin,
    str_enum,
)
from wegotwork.models.jobs import Job

# Name, email and motivation as one lower-cased text. The same expression is indexed (with
# pg_trgm on PostgreSQL) and searched, so the index serves the query.
SEARCH_EXPRESSION = "lower((((name || ' ') || email) || ' ') || coalesce(motivation, ''))"


class ApplicantStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    UNDERREVIEW = "UNDERREVIEW"
    INTERVIEW = "INTERVIEW"
    OFFER = "OFFER"
    REJECTED = "REJECTED"
    HIRED = "HIRED"


class Applicant(IdMixin, OrgScoped, TimestampMixin, Base):
    __tablename__ = "applicant"
    __table_args__ = (
        Index("ix_applicant_job_id_status_created_at", "job_id", "status", "created_at", "id"),
        # What the applicant search looks in; PostgreSQL indexes it with trigrams so that a
        # substring search stays fast over a million applicants (see search_text()).
        Index(
            "ix_applicant_search_trgm",
            text(SEARCH_EXPRESSION),
            postgresql_using="gin",
            postgresql_ops={"search": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        Index("uq_applicant_job_id_email", "job_id", func.lower("email"), unique=True),
        Index("ix_applicant_job_id_created_at", "job_id", "created_at", "id"),
        Index("ix_applicant_organization_id_created_at", "organization_id", "created_at", "id"),
        Index("ix_applicant_organization_id_source", "organization_id", "source"),
        Index(
            "ix_applicant_organization_id_status_created_at",
            "organization_id",
            "status",
            "created_at",
        ),
    )

    job_id: Mapped[str] = mapped_column(ID, ForeignKey("job.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(320))
    motivation: Mapped[str | None] = mapped_column(Text)
    linkedin: Mapped[str | None] = mapped_column(String(255))
    twitter: Mapped[str | None] = mapped_column(String(255))
    github: Mapped[str | None] = mapped_column(String(255))
    resume_key: Mapped[str | None] = mapped_column(String(255))
    resume_filename: Mapped[str | None] = mapped_column(String(255))
    resume_content_type: Mapped[str | None] = mapped_column(String(127))
    resume_size: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[ApplicantStatus] = mapped_column(
        str_enum(ApplicantStatus, "applicant_status"), default=ApplicantStatus.SUBMITTED
    )
    # Where the candidate came from: a tracked link's name or the utm_source text.
    source: Mapped[str | None] = mapped_column(String(120))

    job: Mapped[Job] = relationship(lazy="raise")


class ApplicantEvent(IdMixin, CreatedMixin, Base):
    """One status change: who moved the applicant, from where to where, and when."""

    __tablename__ = "applicant_event"
    __table_args__ = (
        Index("ix_applicant_event_applicant_id_created_at", "applicant_id", "created_at"),
    )

    applicant_id: Mapped[str] = mapped_column(ID, ForeignKey("applicant.id", ondelete="CASCADE"))
    actor_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    from_status: Mapped[ApplicantStatus | None] = mapped_column(
        str_enum(ApplicantStatus, "applicant_event_from_status")
    )
    to_status: Mapped[ApplicantStatus] = mapped_column(
        str_enum(ApplicantStatus, "applicant_event_to_status")
    )

    actor: Mapped[User | None] = relationship(lazy="raise")


def search_text() -> ColumnElement[str]:
    """The searched text of an applicant, written exactly as the trigram index expression."""
    space: ColumnElement[str] = _literal("' '")
    return func.lower(
        Applicant.name.op("||")(space)
        .op("||")(Applicant.email)
        .op("||")(space)
        .op("||")(func.coalesce(Applicant.motivation, _literal("''")))
    )
