"""The public JSON: what anyone may know of an organization's careers site. No internal ids
beyond the public ones (job and category ids appear in public URLs), no members, no drafts."""

from __future__ import annotations

from datetime import datetime

from wegotwork.models import ExperienceLevel, JobStatus, JobType, SalaryInterval, WorkMode
from wegotwork.schemas import CamelModel


class PublicSalary(CamelModel):
    """The pay of a job that shows it: the range, its currency and interval, and how it
    reads (formatted for the currency and the job's country)."""

    min: int | None
    max: int | None
    currency: str
    interval: SalaryInterval
    text: str


class PublicOrganization(CamelModel):
    name: str
    slug: str
    description: str | None
    website: str | None
    logo_url: str | None
    careers_url: str


class PublicJobSummary(CamelModel):
    id: str
    title: str
    type: JobType
    country: str | None
    city: str | None
    location: str
    remote: bool
    work_mode: WorkMode
    experience_level: ExperienceLevel
    salary: PublicSalary | None = None
    published_at: datetime | None
    url: str


class PublicCategory(CamelModel):
    id: str | None
    name: str
    jobs: list[PublicJobSummary]


class PublicLocation(CamelModel):
    value: str
    label: str


class PublicJobType(CamelModel):
    value: JobType
    label: str


class CareersEnvelope(CamelModel):
    error: bool = False
    organization: PublicOrganization
    categories: list[PublicCategory]
    locations: list[PublicLocation]
    types: list[PublicJobType]


class PublicJobOrganization(CamelModel):
    name: str
    slug: str
    website: str | None
    logo_url: str | None


class PublicJobDetail(CamelModel):
    id: str
    title: str
    type: JobType
    status: JobStatus
    accepting_applications: bool
    category: str | None
    country: str | None
    city: str | None
    location: str
    remote: bool
    work_mode: WorkMode
    experience_level: ExperienceLevel
    address: str | None
    postal_code: str | None
    region: str | None
    salary: PublicSalary | None = None
    valid_through: datetime | None
    description: str
    description_html: str
    published_at: datetime | None
    url: str
    organization: PublicJobOrganization


class PublicJobEnvelope(CamelModel):
    error: bool = False
    job: PublicJobDetail
