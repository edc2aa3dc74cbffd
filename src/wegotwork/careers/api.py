"""The public JSON API: ``/api/v1/public/organizations/{slug}`` and
``/api/v1/public/jobs/{jobId}``. No sign-in; cached and conditional like the pages."""

from __future__ import annotations

from typing import Protocol

from fastapi import APIRouter

from wegotwork.careers.queries import (
    CareersFilters,
    careers_listing,
    careers_snapshot,
    public_job,
)
from wegotwork.careers.schemas import (
    CareersEnvelope,
    PublicCategory,
    PublicJobDetail,
    PublicJobEnvelope,
    PublicJobOrganization,
    PublicJobSummary,
    PublicJobType,
    PublicLocation,
    PublicOrganization,
    PublicSalary,
)
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.jobs.markdown import render_markdown
from wegotwork.jobs.salary import salary_label
from wegotwork.models import JobType, SalaryInterval
from wegotwork.organizations.rules import logo_url as stored_logo_url
from wegotwork.schemas import error_responses
from wegotwork.urls import absolute, careers_url, job_url

router = APIRouter(prefix="/api/v1/public", tags=["public"])

# Both answers carry an ETag derived from the organization's content version.
RESPONSES = {
    **error_responses(404),
    304: {"description": "Not modified: If-None-Match matched the current ETag"},
}


class _Pay(Protocol):
    @property
    def show_salary(self) -> bool: ...
    @property
    def salary_min(self) -> int | None: ...
    @property
    def salary_max(self) -> int | None: ...
    @property
    def salary_currency(self) -> str: ...
    @property
    def salary_interval(self) -> SalaryInterval: ...
    @property
    def country(self) -> str | None: ...


def _salary(job: _Pay) -> PublicSalary | None:
    """The pay, only when the job shows it."""
    if not job.show_salary:
        return None
    text = salary_label(
        job.salary_min, job.salary_max, job.salary_currency, job.salary_interval, job.country
    )
    if text is None:
        return None
    return PublicSalary(
        min=job.salary_min,
        max=job.salary_max,
        currency=job.salary_currency,
        interval=job.salary_interval,
        text=text,
    )


@router.get("/organizations/{slug}", response_model=CareersEnvelope, responses=error_responses(404))
async def careers_data(slug: str, services: ServicesDep) -> CareersEnvelope:
    """The careers data: the organization, its categories in order with their published jobs
    (newest first; jobs without a category come last with ``id: null``), and the distinct
    locations and job types for filters."""
    settings = services.settings
    snapshot = await careers_snapshot(services.db, slug)
    organization = snapshot.organization
    listing = await careers_listing(services.db, snapshot, CareersFilters())
    logo = stored_logo_url(organization.logo)
    return CareersEnvelope(
        organization=PublicOrganization(
            name=organization.name,
            slug=organization.slug,
            description=organization.description,
            website=organization.website,
            logo_url=absolute(settings, logo) if logo else None,
            careers_url=careers_url(settings, organization.slug),
        ),
        categories=[
            PublicCategory(
                id=group.category.id if group.category else None,
                name=group.name,
                jobs=[
                    PublicJobSummary(
                        id=job.id,
                        title=job.title,
                        type=job.type,
                        country=job.country,
                        city=job.city,
                        location=job.location,
                        remote=job.remote,
                        work_mode=job.work_mode,
                        experience_level=job.experience_level,
                        salary=_salary(job),
                        published_at=job.published_at,
                        url=job_url(settings, organization.slug, job.id),
                    )
                    for job in group.jobs
                ],
            )
            for group in listing.groups
        ],
        locations=[
            PublicLocation(value=item.value, label=item.label) for item in listing.locations
        ],
        types=[
            PublicJobType(value=JobType(item.value), label=item.label) for item in listing.types
        ],
    )


@router.get("/jobs/{jobId}", response_model=PublicJobEnvelope, responses=RESPONSES)
async def public_job_data(jobId: str, services: ServicesDep, db: DbSession) -> PublicJobEnvelope:
    """A published job (or a closed one, with ``acceptingApplications: false``) with its
    organization's name and slug. Drafts and unknown ids are 404."""
    settings = services.settings
    item = await public_job(db, jobId)
    job, organization = item.job, item.organization
    logo = stored_logo_url(organization.logo)
    return PublicJobEnvelope(
        job=PublicJobDetail(
            id=job.id,
            title=job.title,
            type=job.type,
            status=job.status,
            accepting_applications=item.accepting,
            category=item.category.name if item.category else None,
            country=job.country,
            city=job.city,
            location=item.location,
            remote=job.remote,
            work_mode=job.work_mode,
            experience_level=job.experience_level,
            address=job.address,
            postal_code=job.postal_code,
            region=job.region,
            salary=_salary(job),
            valid_through=job.valid_through,
            description=job.description,
            description_html=render_markdown(job.description),
            published_at=job.published_at,
            url=job_url(settings, organization.slug, job.id),
            organization=PublicJobOrganization(
                name=organization.name,
                slug=organization.slug,
                website=organization.website,
                logo_url=absolute(settings, logo) if logo else None,
            ),
        )
    )
