"""Jobs in and out: the same models serve the JSON API and the HTML forms."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from wegotwork.jobs.rules import (
    ADDRESS_MAX,
    CITY_MAX,
    DESCRIPTION_MAX,
    POSTAL_CODE_MAX,
    REGION_MAX,
    TITLE_MAX,
    clean_text,
    country_code,
)
from wegotwork.jobs.salary import SALARY_MAX, currency_code, currency_codes
from wegotwork.models import ExperienceLevel, JobStatus, JobType, SalaryInterval, WorkMode
from wegotwork.schemas import CamelModel, InputModel, visible_text

AMOUNT: dict[str, Any] = {"minimum": 0, "maximum": SALARY_MAX}
CURRENCY: dict[str, Any] = {"enum": sorted(currency_codes())}


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


def clean_line(value: Any, limit: int) -> str | None:
    """One line of text (address, postal code, region): spaces collapsed, empty is none."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("Must be text")
    line = " ".join(clean_text(value).split())
    if len(line) > limit:
        raise ValueError(f"Use at most {limit} characters")
    return line or None


def clean_amount(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("Enter a whole amount, like 60000")
    if isinstance(value, str):
        digits = value.strip().replace(",", "").replace("_", "").replace(" ", "")
        if not re.fullmatch(r"-?\d+", digits):
            raise ValueError("Enter a whole amount, like 60000")
        value = int(digits)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("Enter a whole amount, like 60000")
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError("A salary cannot be negative")
        if value > SALARY_MAX:
            raise ValueError(f"Use at most {SALARY_MAX:,}")
    return value


def clean_currency(value: Any) -> str:
    code = currency_code(value) if isinstance(value, str) else None
    if code is None:
        raise ValueError("Choose an ISO 4217 currency from the list, like EUR or USD")
    return code


def clean_valid_through(value: Any) -> Any:
    """A date (the posting is valid through the end of that day, UTC) or a date and time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("Enter a date like 2026-12-31") from None
        return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    return value


class PostingChecks(InputModel):
    """The checks of the posting fields, shared by creating and changing a job."""

    @field_validator("address", mode="before", check_fields=False)
    @classmethod
    def _address(cls, value: Any) -> str | None:
        return clean_line(value, ADDRESS_MAX)

    @field_validator("postal_code", mode="before", check_fields=False)
    @classmethod
    def _postal_code(cls, value: Any) -> str | None:
        return clean_line(value, POSTAL_CODE_MAX)

    @field_validator("region", mode="before", check_fields=False)
    @classmethod
    def _region(cls, value: Any) -> str | None:
        return clean_line(value, REGION_MAX)

    @field_validator("salary_min", "salary_max", mode="before", check_fields=False)
    @classmethod
    def _amount(cls, value: Any) -> Any:
        return clean_amount(value)

    @field_validator("salary_currency", mode="before", check_fields=False)
    @classmethod
    def _currency(cls, value: Any) -> str:
        return clean_currency(value)

    @field_validator("valid_through", mode="before", check_fields=False)
    @classmethod
    def _valid_through_input(cls, value: Any) -> Any:
        return clean_valid_through(value)

    @field_validator("valid_through", check_fields=False)
    @classmethod
    def _valid_through(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class JobCreate(PostingChecks):
    """A new job: only the title is required; it starts as a draft unless told otherwise.
    ``workMode`` decides ``remote``; a client that only sends ``remote`` gets ``workMode``
    remote (true) or on-site (false)."""

    title: str = Field(json_schema_extra=visible_text(1, TITLE_MAX))
    type: JobType = JobType.FULLTIME
    category_id: str | None = None
    country: str | None = None
    city: str | None = None
    remote: bool | None = None
    work_mode: WorkMode | None = None
    address: str | None = None
    postal_code: str | None = None
    region: str | None = None
    experience_level: ExperienceLevel = ExperienceLevel.MID
    salary_min: int | None = Field(None, json_schema_extra=AMOUNT)
    salary_max: int | None = Field(None, json_schema_extra=AMOUNT)
    salary_currency: str = Field("USD", json_schema_extra=CURRENCY)
    salary_interval: SalaryInterval = SalaryInterval.YEAR
    show_salary: bool = False
    valid_through: datetime | None = None
    description: str = ""
    status: JobStatus = JobStatus.DRAFT
    pipeline_id: str | None = Field(
        default=None, max_length=64, description="Default: the organization's default pipeline"
    )

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


class RejectRemaining(InputModel):
    """Closing a job: reject the applicants still waiting, with a reason and a template."""

    reason_id: Annotated[str, Field(min_length=1, max_length=64)]
    template_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class JobUpdate(PostingChecks):
    """A change to a job: only the fields given change; ``null`` clears category, country,
    city, address, postal code, region, the salary amounts and ``validThrough``."""

    title: str | SkipJsonSchema[None] = Field(None, json_schema_extra=visible_text(1, TITLE_MAX))
    type: JobType | SkipJsonSchema[None] = None
    category_id: str | None = None
    country: str | None = None
    city: str | None = None
    remote: bool | SkipJsonSchema[None] = None
    work_mode: WorkMode | SkipJsonSchema[None] = None
    address: str | None = None
    postal_code: str | None = None
    region: str | None = None
    experience_level: ExperienceLevel | SkipJsonSchema[None] = None
    salary_min: int | None = Field(None, json_schema_extra=AMOUNT)
    salary_max: int | None = Field(None, json_schema_extra=AMOUNT)
    salary_currency: str | SkipJsonSchema[None] = Field(None, json_schema_extra=CURRENCY)
    salary_interval: SalaryInterval | SkipJsonSchema[None] = None
    show_salary: bool | SkipJsonSchema[None] = None
    valid_through: datetime | None = None
    description: str | None = None
    status: JobStatus | SkipJsonSchema[None] = None
    pipeline_id: Annotated[str, Field(max_length=64)] | SkipJsonSchema[None] = Field(
        default=None,
        description="Another pipeline: each applicant moves to its first stage of the same "
        "status (else its first stage), recorded in the activity log",
    )
    # Closing a job with applicants not in an end state answers 409 unless one of these says
    # what becomes of them.
    force: bool | SkipJsonSchema[None] = Field(
        None, description="Close even though applicants are still waiting for an answer"
    )
    reject_remaining: RejectRemaining | SkipJsonSchema[None] = Field(
        None, description="Close and reject the applicants still waiting, with this reason"
    )

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> str:
        return clean_title(value)

    @field_validator(
        "type",
        "remote",
        "status",
        "work_mode",
        "experience_level",
        "salary_currency",
        "salary_interval",
        "show_salary",
        mode="before",
    )
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
    """The editor's form: every field is on it, so a field left empty means "none" (and an
    unchecked "remote" box is false: the work mode decides)."""

    def as_update(self) -> JobUpdate:
        """The same values as an update that sets every field (the work mode decides
        ``remote``)."""
        values = self.model_dump()
        del values["remote"]
        # Every field is on the form: no work mode means the first choice, on-site.
        values["work_mode"] = values["work_mode"] or WorkMode.ONSITE
        return JobUpdate.model_validate(values)


class JobDeleteConfirm(CamelModel):
    confirm: str = ""


class JobFilters(CamelModel):
    """``?status=&categoryId=&q=`` on the jobs list (archived jobs only when asked for)."""

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
    work_mode: WorkMode
    address: str | None
    postal_code: str | None
    region: str | None
    experience_level: ExperienceLevel
    salary_min: int | None
    salary_max: int | None
    salary_currency: str
    salary_interval: SalaryInterval
    show_salary: bool
    valid_through: datetime | None
    description: str
    description_html: str
    status: JobStatus
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    applicant_count: int = 0
    pipeline_id: str | None = None


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
