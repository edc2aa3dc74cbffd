"""The read side of the careers site: what anyone may see of an organization and its jobs.

Only published jobs are listed; a closed job keeps its page (saying it is closed) but leaves the
lists; drafts are never visible. Nothing here needs a signed-in caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import Database
from wegotwork.errors import NotFound
from wegotwork.jobs.actions import search_condition
from wegotwork.jobs.rules import (
    LEVEL_LABELS,
    PUBLIC_STATUSES,
    PUBLISHED_SQL,
    TYPE_LABELS,
    WORK_MODE_LABELS,
    clean_text,
    country_name,
    location_label,
)
from wegotwork.jobs.salary import salary_label
from wegotwork.models import (
    ExperienceLevel,
    Job,
    JobCategory,
    JobStatus,
    JobType,
    Organization,
    SalaryInterval,
    WorkMode,
)
from wegotwork.schemas import plausible_id
from wegotwork.tenancy.scoping import joins_organization, owned_by

CAREERS_NOT_FOUND = "This careers page does not exist"
JOB_NOT_FOUND = "Job does not exist"
QUERY_MAX = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CareersFilters:
    """What a visitor filters by. Parsed leniently: an unknown value means "no filter", so an
    old or hand-edited link still shows the page."""

    q: str = ""
    category: str = ""
    location: str = ""
    type: JobType | None = None
    remote: bool = False
    work_mode: WorkMode | None = None
    level: ExperienceLevel | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> CareersFilters:
        return cls(
            q=" ".join(clean_text(params.get("q", "")).split())[:QUERY_MAX],
            category=params.get("category", "").strip()[:64],
            location=params.get("location", "").strip()[:200],
            type=_choice(JobType, params.get("type", "")),
            remote=params.get("remote", "") in {"true", "on", "1"},
            work_mode=_choice(WorkMode, params.get("workMode", "")),
            level=_choice(ExperienceLevel, params.get("level", "")),
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.panel_count)

    @property
    def panel_count(self) -> int:
        """How many filters of the collapsible panel are set (the search box is not in it)."""
        values = (self.category, self.location, self.type, self.remote, self.work_mode, self.level)
        return sum(1 for value in values if value)


_E = TypeVar("_E", bound=StrEnum)


def _choice(enum: type[_E], raw: str) -> _E | None:
    try:
        return enum(raw) if raw else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class ListedJob:
    id: str
    title: str
    type: JobType
    country: str | None
    city: str | None
    remote: bool
    category_id: str | None
    published_at: datetime | None
    work_mode: WorkMode = WorkMode.ONSITE
    experience_level: ExperienceLevel = ExperienceLevel.MID
    show_salary: bool = False
    salary_min: int | None = None
    salary_max: int | None = None
    salary_currency: str = "USD"
    salary_interval: SalaryInterval = SalaryInterval.YEAR
    # The values as read, in one tuple: an exact and cheap key for what the job's list item
    # shows (careers.fragments); comparing the fields above one by one costs more.
    row: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    @property
    def salary(self) -> str | None:
        """The pay as the listing shows it; None unless the job shows its salary."""
        if not self.show_salary:
            return None
        return salary_label(
            self.salary_min,
            self.salary_max,
            self.salary_currency,
            self.salary_interval,
            self.country,
        )

    @property
    def location(self) -> str:
        return location_label(self.city, self.country)

    @property
    def work_mode_label(self) -> str:
        return WORK_MODE_LABELS[self.work_mode]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.experience_level]

    @property
    def location_value(self) -> str:
        return location_value(self.city, self.country)

    @property
    def type_label(self) -> str:
        return TYPE_LABELS[self.type]


@dataclass(frozen=True, slots=True)
class CategoryRef:
    """A category as the careers site shows it."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class JobGroup:
    """A category (None: jobs without one) and its jobs, newest first."""

    category: CategoryRef | None
    jobs: list[ListedJob]

    @property
    def name(self) -> str:
        return self.category.name if self.category else "Other jobs"


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass
class CareersListing:
    organization: Organization
    filters: CareersFilters
    groups: list[JobGroup]
    total: int
    shown: int
    categories: list[Option] = field(default_factory=list)
    locations: list[Option] = field(default_factory=list)
    types: list[Option] = field(default_factory=list)
    work_modes: list[Option] = field(default_factory=list)
    levels: list[Option] = field(default_factory=list)
    any_remote: bool = False


def location_value(city: str | None, country: str | None) -> str:
    """A location as a filter value: ``"Berlin, DE"``, ``"DE"`` or ``"Berlin"``."""
    return ", ".join(part for part in (city or "", country or "") if part)


# The careers page reads everything it shows in ONE statement, built once: the organization,
# its published jobs and their categories. On a render-cache miss this is the whole database
# cost of the page.
_ORGANIZATION_COLUMNS = (
    Organization.id,
    Organization.name,
    Organization.slug,
    Organization.description,
    Organization.website,
    Organization.logo,
    Organization.content_version,
    Organization.created_at,
    Organization.updated_at,
)
_SNAPSHOT = (
    select(
        *_ORGANIZATION_COLUMNS,
        Job.id.label("job_id"),
        Job.title,
        Job.type,
        Job.country,
        Job.city,
        Job.remote,
        Job.category_id,
        Job.published_at,
        JobCategory.name.label("category_name"),
        Job.work_mode,
        Job.experience_level,
        Job.show_salary,
        Job.salary_min,
        Job.salary_max,
        Job.salary_currency,
        Job.salary_interval,
    )
    .select_from(Organization)
    .outerjoin(
        Job,
        (joins_organization(Job)) & PUBLISHED_SQL,
    )
    .outerjoin(JobCategory, JobCategory.id == Job.category_id)
    .where(func.lower(Organization.slug) == bindparam("slug"))
    .order_by(
        JobCategory.position,
        JobCategory.created_at,
        JobCategory.id,
        Job.published_at.desc(),
        Job.created_at.desc(),
        Job.id,
    )
)
_ORGANIZATION_BY_SLUG = select(Organization).where(
    func.lower(Organization.slug) == bindparam("slug")
)


@dataclass(frozen=True, slots=True)
class CareersSnapshot:
    """An organization and what its careers site lists: categories in its order (only those
    with published jobs), and every published job newest first within its category."""

    organization: Organization
    categories: list[CategoryRef]
    jobs: list[ListedJob]


async def careers_snapshot(database: Database, slug: str) -> CareersSnapshot:
    """Everything the careers page needs, in one round trip; NotFound for an unknown slug."""
    if not plausible_id(slug):
        raise NotFound(CAREERS_NOT_FOUND)
    rows = await database.read(_SNAPSHOT, slug=slug.lower())
    if not rows:
        raise NotFound(CAREERS_NOT_FOUND)
    first = rows[0]
    organization = Organization(
        id=first[0],
        name=first[1],
        slug=first[2],
        description=first[3],
        website=first[4],
        logo=first[5],
        content_version=first[6],
        created_at=first[7],
        updated_at=first[8],
    )
    categories: dict[str, CategoryRef] = {}
    jobs: list[ListedJob] = []
    for row in rows:
        job_id, title, kind, country, city, remote, category_id, published_at, category = row[9:18]
        mode, level, show_salary, salary_min, salary_max, currency, interval = row[18:]
        if job_id is None:
            continue
        if category_id is not None and category_id not in categories:
            categories[category_id] = CategoryRef(category_id, category)
        jobs.append(
            ListedJob(
                job_id,
                title,
                JobType(kind),
                country,
                city,
                remote,
                category_id if category is not None else None,
                published_at,
                WorkMode(mode),
                ExperienceLevel(level),
                bool(show_salary),
                salary_min,
                salary_max,
                currency,
                SalaryInterval(interval),
                tuple(row[9:]),
            )
        )
    # Newest first overall; grouping by category (in the organization's order) keeps it.
    jobs.sort(key=lambda job: job.published_at or _EPOCH, reverse=True)
    return CareersSnapshot(organization, list(categories.values()), jobs)


async def organization_by_slug(db: AsyncSession, slug: str) -> Organization:
    """The organization whose careers site lives at ``slug`` (any case), or NotFound."""
    if not plausible_id(slug):
        raise NotFound(CAREERS_NOT_FOUND)
    organization = await db.scalar(_ORGANIZATION_BY_SLUG, {"slug": slug.lower()})
    if organization is None:
        raise NotFound(CAREERS_NOT_FOUND)
    return organization


async def careers_listing(
    database: Database, snapshot: CareersSnapshot, filters: CareersFilters
) -> CareersListing:
    """The organization's published jobs grouped by category in its order (newest first inside
    each group, jobs without a category last), narrowed by ``filters``, with the choices the
    filters offer (drawn from every published job, so a choice never leads nowhere)."""
    organization, categories, every = snapshot.organization, snapshot.categories, snapshot.jobs
    matching: set[str] | None = None
    if filters.q:
        # Only a search reads the database again; the page itself is the snapshot.
        async with database.reader() as connection:
            ids = await connection.scalars(
                select(Job.id).where(
                    owned_by(Job, organization.id),
                    Job.status == JobStatus.PUBLISHED,
                    search_condition(filters.q),  # type: ignore[arg-type]
                )
            )
            matching = set(ids)

    def keep(job: ListedJob) -> bool:
        return (
            (matching is None or job.id in matching)
            and (not filters.category or job.category_id == filters.category)
            and (not filters.location or job.location_value == filters.location)
            and (filters.type is None or job.type is filters.type)
            and (not filters.remote or job.remote)
            and (filters.work_mode is None or job.work_mode is filters.work_mode)
            and (filters.level is None or job.experience_level is filters.level)
        )

    shown = [job for job in every if keep(job)]
    by_category: dict[str | None, list[ListedJob]] = {}
    for job in shown:
        by_category.setdefault(job.category_id, []).append(job)
    groups = [
        JobGroup(category, by_category[category.id])
        for category in categories
        if category.id in by_category
    ]
    if None in by_category:
        groups.append(JobGroup(None, by_category[None]))

    locations: dict[str, str] = {}
    for job in every:
        if job.location_value:
            locations.setdefault(job.location_value, job.location)
    used_types = {job.type for job in every}
    used_modes = {job.work_mode for job in every}
    used_levels = {job.experience_level for job in every}
    return CareersListing(
        organization=organization,
        filters=filters,
        groups=groups,
        total=len(every),
        shown=len(shown),
        categories=[Option(category.id, category.name) for category in categories],
        locations=[
            Option(value, label)
            for value, label in sorted(locations.items(), key=lambda item: item[1].casefold())
        ],
        types=[
            Option(str(kind), label) for kind, label in TYPE_LABELS.items() if kind in used_types
        ],
        work_modes=[
            Option(str(mode), label)
            for mode, label in WORK_MODE_LABELS.items()
            if mode in used_modes
        ],
        levels=[
            Option(str(level), label)
            for level, label in LEVEL_LABELS.items()
            if level in used_levels
        ],
        any_remote=any(job.remote for job in every),
    )


@dataclass(frozen=True, slots=True)
class PublicJob:
    organization: Organization
    job: Job
    category: JobCategory | None

    @property
    def accepting(self) -> bool:
        """Whether the job takes applications (only a published one does)."""
        return self.job.status is JobStatus.PUBLISHED

    @property
    def location(self) -> str:
        return location_label(self.job.city, self.job.country)

    @property
    def country_name(self) -> str:
        return country_name(self.job.country)

    @property
    def work_mode_label(self) -> str:
        return WORK_MODE_LABELS[self.job.work_mode]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.job.experience_level]

    @property
    def address(self) -> str:
        """Street, postal code and region as one line ("" when none is set)."""
        job = self.job
        return ", ".join(part for part in (job.address, job.postal_code, job.region) if part)

    @property
    def salary(self) -> str | None:
        """The pay as the page shows it; None unless the job shows its salary."""
        job = self.job
        if not job.show_salary:
            return None
        return salary_label(
            job.salary_min, job.salary_max, job.salary_currency, job.salary_interval, job.country
        )


async def public_job(db: AsyncSession, job_id: str, *, slug: str | None = None) -> PublicJob:
    """A published or closed job with its organization and category. With ``slug`` the job must
    belong to that organization. NotFound for drafts, unknown ids and mismatched slugs."""
    if not plausible_id(job_id) or (slug is not None and not plausible_id(slug)):
        raise NotFound(JOB_NOT_FOUND)
    query = (
        select(Job, Organization, JobCategory)
        .join(Organization, joins_organization(Job))
        .outerjoin(JobCategory, JobCategory.id == Job.category_id)
        .where(Job.id == job_id, Job.status.in_(PUBLIC_STATUSES))
    )
    if slug is not None:
        query = query.where(func.lower(Organization.slug) == slug.lower())
    row = (await db.execute(query)).first()
    if row is None:
        raise NotFound(JOB_NOT_FOUND)
    job, organization, category = row
    return PublicJob(organization, job, category)


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    slug: str
    job_id: str | None
    modified: datetime


async def sitemap_entries(db: AsyncSession) -> list[SitemapEntry]:
    """Every careers page and every job page that takes applications, by organization (a
    closed job's page answers 410, so search engines are not sent to it)."""
    organizations = await db.execute(
        select(Organization.id, Organization.slug, Organization.updated_at).order_by(
            Organization.slug
        )
    )
    slugs: dict[str, str] = {}
    entries: list[SitemapEntry] = []
    for organization_id, slug, modified in organizations:
        slugs[organization_id] = slug
        entries.append(SitemapEntry(slug, None, modified))
    jobs = await db.execute(
        select(Job.organization_id, Job.id, Job.updated_at)
        .where(Job.status == JobStatus.PUBLISHED)
        .order_by(Job.organization_id, Job.published_at.desc(), Job.id)
    )
    for organization_id, job_id, modified in jobs:
        if organization_id in slugs:
            entries.append(SitemapEntry(slugs[organization_id], job_id, modified))
    return entries


async def published_for_feed(
    db: AsyncSession, organization_id: str, limit: int = 100
) -> list[tuple[Job, str | None]]:
    """The organization's newest published jobs with their category names, for the feed."""
    rows = await db.execute(
        select(Job, JobCategory.name)
        .outerjoin(JobCategory, JobCategory.id == Job.category_id)
        .where(owned_by(Job, organization_id), Job.status == JobStatus.PUBLISHED)
        .order_by(Job.published_at.desc(), Job.created_at.desc(), Job.id)
        .limit(limit)
    )
    return [(job, category) for job, category in rows]
