"""Jobs in and out: the same models serve the JSON API and the HTML forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator

from wegotwork.jobs.rules import CITY_MAX, DESCRIPTION_MAX, TITLE_MAX, clean_text, country_code
from wegotwork.models import JobStatus, JobType
from wegotwork.schemas import CamelModel


def clean_title(value: Any) -> str:
    if value is None:
        raise ValueError("Title is required")
    title = " ".join(clean_text(str(value)).split())
    if not title:
        raise ValueError("Title is required")
    if len(title) > TITLE_MAX:
        raise ValueError(f"Use at most {TITLE_MAX} characters")
    return title


def clean_country(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = country_code(value)
    if code is None:
        raise ValueError("Choose a country from the list")
    return code


def clean_city(value: str | None) -> str | None:
    if value is None:
        return None
    city = " ".join(clean_text(value).split())
    if len(city) > CITY_MAX:
        raise ValueError(f"Use at most {CITY_MAX} characters")
    return city or None


def clean_description(value: Any) -> str:
    if value is not None and not isinstance(value, str):  # runs before type validation
        raise ValueError("Must be text")
    text = clean_text(value or "").replace("\r\n", "\n")
    if len(text) > DESCRIPTION_MAX:
        raise ValueError(f"Use at most {DESCRIPTION_MAX:,} characters")
    return text


def clean_category(value: str | None) -> str | None:
    return value.strip() or None if value else None


class JobCreate(CamelModel):
    """A new job: only the title is required; it starts as a draft unless told otherwise."""

    title: str
    type: JobType = JobType.FULLTIME
    category_id: str | None = None
    country: str | None = None
    city: str | None = None
    remote: bool = False
    description: str = ""
    status: JobStatus = JobStatus.DRAFT

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> str:
        return clean_title(value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return clean_country(value)

    @field_validator("city")
    @classmethod
    def _city(cls, value: str | None) -> str | None:
        return clean_city(value)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> str:
        return clean_description(value)

    @field_validator("category_id")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        return clean_category(value)


class JobUpdate(CamelModel):
    """A change to a job: only the fields given change; ``null`` clears category, country and
    city."""

    title: str | None = None
    type: JobType | None = None
    category_id: str | None = None
    country: str | None = None
    city: str | None = None
    remote: bool | None = None
    description: str | None = None
    status: JobStatus | None = None

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> str:
        return clean_title(value)

    @field_validator("type", "remote", "status", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("This field cannot be empty")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        return clean_country(value)

    @field_validator("city")
    @classmethod
    def _city(cls, value: str | None) -> str | None:
        return clean_city(value)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: Any) -> str:
        return clean_description(value)

    @field_validator("category_id")
    @classmethod
    def _category(cls, value: str | None) -> str | None:
        return clean_category(value)


class JobEditForm(JobCreate):
    """The editor's form: every field is on it, so a field left empty means "none"."""

    def as_update(self) -> JobUpdate:
        """The same values as an update that sets every field."""
        return JobUpdate.model_validate(self.model_dump())


class JobDeleteConfirm(CamelModel):
    confirm: str = ""


class JobFilters(CamelModel):
    """``?status=&categoryId=&q=`` on the jobs list."""

    status: JobStatus | None = None
    category_id: str | None = None
    q: str | None = None

    @field_validator("q")
    @classmethod
    def _q(cls, value: str | None) -> str | None:
        return " ".join(clean_text(value).split())[:200] or None if value else None


class JobCategoryRef(CamelModel):
    id: str
    name: str


class JobOut(CamelModel):
    id: str
    organization_id: str
    title: str
    type: JobType
    category_id: str | None
    category: JobCategoryRef | None = None
    country: str | None
    city: str | None
    remote: bool
    description: str
    description_html: str
    status: JobStatus
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    applicant_count: int = 0


class JobEnvelope(CamelModel):
    error: bool = False
    job: JobOut


class JobsEnvelope(CamelModel):
    error: bool = False
    jobs: list[JobOut]


class JobDeleted(CamelModel):
    error: bool = False
    message: str
    deleted_applicants: int
