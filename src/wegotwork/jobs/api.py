"""Jobs as JSON: ``/api/v1/organizations/{orgId}/jobs`` and ``/api/v1/jobs/{jobId}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from wegotwork.deps import DbSession, ServicesDep
from wegotwork.jobs import actions
from wegotwork.jobs.markdown import render_markdown
from wegotwork.jobs.schemas import (
    JobCategoryRef,
    JobCreate,
    JobDeleted,
    JobEnvelope,
    JobFilters,
    JobOut,
    JobsEnvelope,
    JobUpdate,
)
from wegotwork.models import Job, JobCategory, JobStatus
from wegotwork.schemas import error_responses
from wegotwork.storage.cleanup import discard_files
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import JOB_ID, require
from wegotwork.tenancy.permissions import Permission

router = APIRouter(tags=["jobs"])

OrgJobs = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS))]


JobContext = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS, via=JOB_ID))]


def job_out(job: Job, category: JobCategory | None = None, applicant_count: int = 0) -> JobOut:
    return JobOut(
        id=job.id,
        organization_id=job.organization_id,
        title=job.title,
        type=job.type,
        category_id=job.category_id,
        category=JobCategoryRef(id=category.id, name=category.name) if category else None,
        country=job.country,
        city=job.city,
        remote=job.remote,
        work_mode=job.work_mode,
        address=job.address,
        postal_code=job.postal_code,
        region=job.region,
        experience_level=job.experience_level,
        salary_min=job.salary_min,
        salary_max=job.salary_max,
        salary_currency=job.salary_currency,
        salary_interval=job.salary_interval,
        show_salary=job.show_salary,
        valid_through=job.valid_through,
        description=job.description,
        description_html=render_markdown(job.description),
        status=job.status,
        published_at=job.published_at,
        created_at=job.created_at,
        updated_at=job.updated_at,
        applicant_count=applicant_count,
        pipeline_id=job.pipeline_id,
    )


def _row_out(row: actions.JobRow) -> JobOut:
    return job_out(row.job, row.category, row.applicant_count)


@router.get(
    "/api/v1/organizations/{orgId}/jobs",
    response_model=JobsEnvelope,
    responses=error_responses(401, 403, 404),
)
async def list_jobs(
    ctx: OrgJobs,
    db: DbSession,
    status: Annotated[JobStatus | None, Query()] = None,
    categoryId: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> JobsEnvelope:
    """Every job of the organization, newest first, with applicant counts; archived jobs only
    with ``status=archived``."""
    filters = JobFilters(status=status, category_id=categoryId, q=q)
    rows = await actions.list_jobs(db, ctx, filters)
    return JobsEnvelope(jobs=[_row_out(row) for row in rows])


@router.post(
    "/api/v1/organizations/{orgId}/jobs",
    status_code=201,
    response_model=JobEnvelope,
    responses=error_responses(401, 403, 404),
)
async def create_job(ctx: OrgJobs, db: DbSession, body: JobCreate) -> JobEnvelope:
    """Create a job; only ``title`` is required and it starts as a draft."""
    job = await actions.create_job(db, ctx, body)
    await db.commit()
    row = await actions.get_job(db, ctx, job.id)
    return JobEnvelope(job=_row_out(row))


@router.get("/api/v1/jobs/{jobId}", response_model=JobEnvelope, responses=error_responses(401, 404))
async def get_job(jobId: str, ctx: JobContext, db: DbSession) -> JobEnvelope:
    """One job with its category and applicant count."""
    return JobEnvelope(job=_row_out(await actions.get_job(db, ctx, jobId)))


@router.patch(
    "/api/v1/jobs/{jobId}",
    response_model=JobEnvelope,
    responses=error_responses(401, 403, 404, 409),
)
async def update_job(
    jobId: str, ctx: JobContext, db: DbSession, body: JobUpdate, services: ServicesDep
) -> JobEnvelope:
    """Change the fields given; ``null`` clears ``categoryId``, ``country`` and ``city``.
    Closing a job whose applicants are not all decided answers 409 with their count unless
    the body carries ``rejectRemaining`` or ``force: true``."""
    await actions.update_job(
        db, ctx, jobId, body, base_url=services.settings.base_url, secret=services.secret
    )
    await db.commit()
    return JobEnvelope(job=_row_out(await actions.get_job(db, ctx, jobId)))


@router.post(
    "/api/v1/jobs/{jobId}/duplicate",
    status_code=201,
    response_model=JobEnvelope,
    responses=error_responses(401, 403, 404),
)
async def duplicate_job(jobId: str, ctx: JobContext, db: DbSession) -> JobEnvelope:
    """A draft copy of the job, with its questions and pipeline; no applicants."""
    copy = await actions.duplicate_job(db, ctx, jobId)
    await db.commit()
    return JobEnvelope(job=_row_out(await actions.get_job(db, ctx, copy.id)))


@router.delete(
    "/api/v1/jobs/{jobId}", response_model=JobDeleted, responses=error_responses(401, 403, 404)
)
async def delete_job(
    jobId: str, ctx: JobContext, db: DbSession, services: ServicesDep
) -> JobDeleted:
    """Delete a job and every application to it (``deletedApplicants`` says how many)."""
    deleted = await actions.delete_job(db, ctx, jobId)
    await db.commit()
    await discard_files(services.storage, deleted.resume_keys)
    return JobDeleted(message="Job deleted", deleted_applicants=deleted.applicants)
