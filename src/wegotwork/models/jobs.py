"""Job categories and jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wegotwork.models.base import ID, Base, IdMixin, OrgScoped, TimestampMixin, str_enum


class JobType(StrEnum):
    FULLTIME = "fulltime"
    PARTTIME = "parttime"
    FULLTIME_PARTTIME = "fulltime_parttime"
    INTERNSHIP = "internship"
    CONTRACT = "contract"


class JobStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    # Hidden everywhere public and from the default lists, kept with its applicants.
    ARCHIVED = "archived"


class WorkMode(StrEnum):
    ONSITE = "onsite"
    HYBRID = "hybrid"
    REMOTE = "remote"


class ExperienceLevel(StrEnum):
    ENTRY = "entry"
    MID = "mid"
    SENIOR = "senior"
    LEAD = "lead"
    EXECUTIVE = "executive"


class SalaryInterval(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class JobCategory(IdMixin, OrgScoped, TimestampMixin, Base):
    __tablename__ = "job_category"
    __table_args__ = (
        Index(
            "uq_job_category_organization_id_name",
            "organization_id",
            func.lower("name"),
            unique=True,
        ),
        Index("ix_job_category_organization_id_position", "organization_id", "position"),
    )

    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)


class Job(IdMixin, OrgScoped, TimestampMixin, Base):
    __tablename__ = "job"
    __table_args__ = (
        Index(
            "ix_job_organization_id_status_created_at", "organization_id", "status", "created_at"
        ),
    )

    category_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("job_category.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(160))
    type: Mapped[JobType] = mapped_column(str_enum(JobType, "job_type"), default=JobType.FULLTIME)
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(120))
    # True exactly when work_mode is REMOTE (kept for the filters and clients that predate
    # work modes).
    remote: Mapped[bool] = mapped_column(default=False)
    work_mode: Mapped[WorkMode] = mapped_column(
        str_enum(WorkMode, "job_work_mode"), default=WorkMode.ONSITE, server_default="onsite"
    )
    address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    region: Mapped[str | None] = mapped_column(String(120))
    experience_level: Mapped[ExperienceLevel] = mapped_column(
        str_enum(ExperienceLevel, "job_experience_level"),
        default=ExperienceLevel.MID,
        server_default="mid",
    )
    salary_min: Mapped[int | None] = mapped_column(BigInteger)
    salary_max: Mapped[int | None] = mapped_column(BigInteger)
    salary_currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    salary_interval: Mapped[SalaryInterval] = mapped_column(
        str_enum(SalaryInterval, "job_salary_interval"),
        default=SalaryInterval.YEAR,
        server_default="year",
    )
    show_salary: Mapped[bool] = mapped_column(default=False, server_default=false())
    valid_through: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(Text, default="")
    # The description rendered and sanitized when it was saved, so that lists of many jobs (the
    # job-board feed) never render Markdown on the way out. None for rows written before it.
    description_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "job_status"), default=JobStatus.DRAFT
    )
    published_at: Mapped[datetime | None]
    # The hiring pipeline the job's applicants move through. None only for rows written
    # without one; readers then use the organization's default pipeline.
    pipeline_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("pipeline.id", ondelete="SET NULL"), index=True
    )

    category: Mapped[JobCategory | None] = relationship(lazy="raise")
