"""Sources and analytics in and out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field, field_validator

from wegotwork.analytics.rules import NAME_MAX, clean_source
from wegotwork.models import TrackedSource
from wegotwork.schemas import CamelModel, InputModel, visible_text
from wegotwork.settings import Settings
from wegotwork.urls import careers_url


class SourceCreate(InputModel):
    """``{name}``: what the tracked link is called in reports (``LinkedIn``)."""

    name: str = Field(json_schema_extra=visible_text(1))

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> str:
        if not isinstance(value, str) or not clean_source(value):
            raise ValueError("Name is required")
        name = clean_source(value)
        if len(name) > NAME_MAX:
            raise ValueError(f"Use at most {NAME_MAX} characters")
        return name


class SourceOut(CamelModel):
    id: str
    name: str
    code: str
    url: str
    created_at: datetime

    @classmethod
    def of(cls, settings: Settings, slug: str, source: TrackedSource) -> SourceOut:
        """A tracked link, with the careers URL to share."""
        return cls(
            id=source.id,
            name=source.name,
            code=source.code,
            url=f"{careers_url(settings, slug)}?src={source.code}",
            created_at=source.created_at,
        )


class SourceEnvelope(CamelModel):
    error: bool = False
    source: SourceOut


class SourcesEnvelope(CamelModel):
    error: bool = False
    sources: list[SourceOut]


class StepOut(CamelModel):
    """One step of the funnel: how many applicants reached it, as a share of applications
    (``conversion``) and of the step before (``stepConversion``), and the median whole days
    spent in it before moving on."""

    key: str
    name: str
    reached: int
    conversion: float | None
    step_conversion: float | None
    median_days: float | None


class FunnelOut(CamelModel):
    views: int
    applications: int
    hired: int
    rejected: int
    median_days_to_hire: float | None
    steps: list[StepOut]


class FunnelRowOut(FunnelOut):
    """The funnel of one source or one job."""

    key: str
    name: str


class DayOut(CamelModel):
    day: date
    views: int
    applications: int


class AnalyticsOut(CamelModel):
    from_: date = Field(alias="from")
    to: date
    job_id: str | None
    total: FunnelOut
    by_source: list[FunnelRowOut]
    by_job: list[FunnelRowOut]
    days: list[DayOut]


class AnalyticsEnvelope(CamelModel):
    error: bool = False
    analytics: AnalyticsOut
