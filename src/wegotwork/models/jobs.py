"""Job categories and jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wegotwork.models.base import ID, Base, IdMixin, OrgScoped, TimestampMixin, str_enum


class JobType(StrEnum):
    FULLTIME = "fulltime"
    PARTTIME = "parttime"
    INTERNSHIP = "internship"
    CONTRACT = "contract"


class JobStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


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
    remote: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "job_status"), default=JobStatus.DRAFT
    )
    published_at: Mapped[datetime | None]

    category: Mapped[JobCategory | None] = relationship(lazy="raise")
