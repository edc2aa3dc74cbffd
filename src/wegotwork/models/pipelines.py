"""Hiring pipelines: an organization's ordered stages, each meaning one applicant status."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from wegotwork.models.base import ID, Base, IdMixin, OrgScoped, TimestampMixin, str_enum


class ApplicantStatus(StrEnum):
    """Where an applicant stands, in the six words every report, filter and old API client
    shares; each stage of a pipeline means one of them."""

    SUBMITTED = "SUBMITTED"
    UNDERREVIEW = "UNDERREVIEW"
    INTERVIEW = "INTERVIEW"
    OFFER = "OFFER"
    REJECTED = "REJECTED"
    HIRED = "HIRED"


class Pipeline(IdMixin, OrgScoped, TimestampMixin, Base):
    """An ordered list of stages; jobs use one, and each organization has one default."""

    __tablename__ = "pipeline"
    __table_args__ = (
        Index("ix_pipeline_organization_id_is_default", "organization_id", "is_default"),
    )

    name: Mapped[str] = mapped_column(String(80))
    is_default: Mapped[bool] = mapped_column(default=False, server_default=false())


class PipelineStage(IdMixin, OrgScoped, TimestampMixin, Base):
    """One step of a pipeline. ``status`` is what the stage means to reports, old API clients
    and candidates; exactly one SUBMITTED stage comes first, HIRED and REJECTED ones last."""

    __tablename__ = "pipeline_stage"
    __table_args__ = (Index("ix_pipeline_stage_pipeline_id_position", "pipeline_id", "position"),)

    pipeline_id: Mapped[str] = mapped_column(ID, ForeignKey("pipeline.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[ApplicantStatus] = mapped_column(
        str_enum(ApplicantStatus, "pipeline_stage_status")
    )
