"""Applicants (one application of one person to one job) and their status history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy import literal_column as _literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

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
from wegotwork.models.pipelines import ApplicantStatus, PipelineStage

# Name, email and motivation as one lower-cased text. The same expression is indexed (with
# pg_trgm on PostgreSQL) and searched, so the index serves the query.
SEARCH_EXPRESSION = "lower((((name || ' ') || email) || ' ') || coalesce(motivation, ''))"
# The searched text's three-character windows keyed with the job (migration 0017): a search
# inside one job reads only that job's part of the index on PostgreSQL.
JOB_SEARCH_KEYS = f"applicant_search_keys(job_id, {SEARCH_EXPRESSION})"
# A term shorter than a window has no keys; it is searched without them.
JOB_SEARCH_MIN = 3


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
        Index("ix_applicant_job_search_keys", text(JOB_SEARCH_KEYS), postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
        Index("uq_applicant_job_id_email", "job_id", func.lower("email"), unique=True),
        # Whether an address applied elsewhere too (erasure decides the mail to delete by it).
        Index("ix_applicant_email_lower", func.lower("email")),
        Index("ix_applicant_job_id_created_at", "job_id", "created_at", "id"),
        # The board: each stage's newest cards and its count, whatever the job's size.
        Index("ix_applicant_job_id_stage_id_created_at", "job_id", "stage_id", "created_at", "id"),
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
    # The pipeline stage the applicant is in (its status is the stage's status). None only for
    # rows written without one; readers place those in the first stage of their status.
    stage_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("pipeline_stage.id", ondelete="SET NULL")
    )
    # The privacy notice the candidate consented to (when the organization has one).
    consent_notice_url: Mapped[str | None] = mapped_column(String(2048))
    consent_notice_version: Mapped[int | None]
    consented_at: Mapped[datetime | None]

    # Privacy: when the retention run (or an admin) hid the applicant; None while visible.
    quarantined_at: Mapped[datetime | None]
    # Legal hold: never quarantined or erased while set.
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())

    job: Mapped[Job] = relationship(lazy="raise")
    # Loaded with every applicant (one extra query per load, not per row).
    stage: Mapped[PipelineStage | None] = relationship(lazy="selectin")


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


class ActivityKind(StrEnum):
    APPLIED = "applied"
    STAGE_CHANGED = "stage_changed"
    NOTE_ADDED = "note_added"
    SCORECARD_SUBMITTED = "scorecard_submitted"
    MESSAGE_SENT = "message_sent"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ApplicantActivity(IdMixin, OrgScoped, CreatedMixin, Base):
    """One entry of an applicant's timeline: what happened, who did it (None: the candidate or
    the system) and the details as JSON."""

    __tablename__ = "applicant_activity"
    __table_args__ = (
        Index("ix_applicant_activity_applicant_id_created_at", "applicant_id", "created_at", "id"),
    )

    applicant_id: Mapped[str] = mapped_column(ID, ForeignKey("applicant.id", ondelete="CASCADE"))
    actor_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, "applicant_activity_kind"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Declared so that an applicant and its first entry are written in that order.
    applicant: Mapped[Applicant] = relationship(lazy="raise")


def search_text() -> ColumnElement[str]:
    """The searched text of an applicant, written exactly as the trigram index expression."""
    space: ColumnElement[str] = _literal("' '")
    return func.lower(
        Applicant.name.op("||")(space)
        .op("||")(Applicant.email)
        .op("||")(space)
        .op("||")(func.coalesce(Applicant.motivation, _literal("''")))
    )


class job_search_keys_contain(FunctionElement[bool]):
    """``job_search_keys_contain(job_id, term)``: on PostgreSQL, the applicant's job search keys
    hold every key of ``term`` in job ``job_id`` (``ix_applicant_job_search_keys`` answers it);
    elsewhere always true. Only a pre-filter: pair it with the LIKE of ``search_text()``, and
    only for a ``term`` of at least ``JOB_SEARCH_MIN`` characters (a shorter one has no keys,
    and an empty key list would match every row)."""

    type = Boolean()
    inherit_cache = True
    name = "job_search_keys_contain"


@compiles(job_search_keys_contain, "postgresql")
def _job_search_keys_postgresql(
    element: job_search_keys_contain, compiler: SQLCompiler, **kw: Any
) -> str:
    job_id, term = (compiler.process(clause, **kw) for clause in element.clauses)
    column = compiler.process(Applicant.__table__.c.job_id, **kw)
    searched = compiler.process(search_text(), **kw)
    return f"applicant_search_keys({column}, {searched}) @> applicant_search_keys({job_id}, {term})"


@compiles(job_search_keys_contain)
def _job_search_keys_other(
    element: job_search_keys_contain, compiler: SQLCompiler, **kw: Any
) -> str:
    return "1 = 1"
