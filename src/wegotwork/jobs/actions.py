"""Job actions: list, create, read, edit and delete an organization's jobs.

A change to a job that is (or was) public bumps the organization's content version in the same
transaction, so the careers site shows it on the very next request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.content import bump_content_version
from wegotwork.db import utcnow
from wegotwork.errors import Invalid, NotFound
from wegotwork.jobs.markdown import render_markdown
from wegotwork.jobs.rules import PUBLIC_STATUSES, TITLE_MAX, published_at_after
from wegotwork.jobs.salary import salary_problems
from wegotwork.jobs.schemas import JobCreate, JobFilters, JobUpdate
from wegotwork.messages import actions as messages
from wegotwork.models import Applicant, Job, JobCategory, JobStatus, WorkMode
from wegotwork.pipelines import actions as pipelines
from wegotwork.schemas import plausible_id
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, in_context, scoped

JOB_NOT_FOUND = "Job does not exist"
CATEGORY_NOT_FOUND = "Category does not exist"
CONFIRM_MISMATCH = "Type the job's title exactly as shown to delete it"
REMOTE_MISMATCH = "remote is true exactly when workMode is remote"
COPY_SUFFIX = " (copy)"


@dataclass(frozen=True, slots=True)
class JobRow:
    """A job with what lists and editors show beside it."""

    job: Job
    category: JobCategory | None
    applicant_count: int


@dataclass(frozen=True, slots=True)
class DeletedJob:
    title: str
    applicants: int
    # Résumé files of the erased applicants; the caller removes them after the commit.
    resume_keys: list[str] = field(default_factory=list)


def _rows_query(ctx: OrgContext) -> Select[Job, JobCategory, Any]:
    counts = (
        select(Applicant.job_id, func.count(Applicant.id).label("applicants"))
        .where(in_context(Applicant, ctx))
        .group_by(Applicant.job_id)
        .subquery()
    )
    return (
        select(Job, JobCategory, func.coalesce(counts.c.applicants, 0))
        .outerjoin(JobCategory, JobCategory.id == Job.category_id)
        .outerjoin(counts, counts.c.job_id == Job.id)
        .where(in_context(Job, ctx))
    )


def search_condition(q: str) -> object:
    """Case-insensitive match of ``q`` in a job's title or description (``%`` and ``_`` are
    literal)."""
    needle = q.lower()
    return or_(
        func.lower(Job.title).contains(needle, autoescape=True),
        func.lower(Job.description).contains(needle, autoescape=True),
    )


async def list_jobs(db: AsyncSession, ctx: OrgContext, filters: JobFilters) -> list[JobRow]:
    """Every job of the organization, newest first, with its category and applicant count;
    filtered by status, category and a search over title and description.

    Any member may call it (MANAGE_JOBS). Raises Forbidden without the permission.
    """
    ctx.require(Permission.MANAGE_JOBS)
    query = _rows_query(ctx)
    if filters.status is not None:
        query = query.where(Job.status == filters.status)
    else:
        query = query.where(Job.status != JobStatus.ARCHIVED)
    if filters.category_id is not None:
        if not plausible_id(filters.category_id):
            return []
        query = query.where(Job.category_id == filters.category_id)
    if filters.q:
        query = query.where(search_condition(filters.q))  # type: ignore[arg-type]
    query = query.order_by(Job.created_at.desc(), Job.id)
    rows = await db.execute(query)
    return [JobRow(job, category, int(count)) for job, category, count in rows]


async def get_job(db: AsyncSession, ctx: OrgContext, job_id: str) -> JobRow:
    """One job of the organization with its category and applicant count.

    Any member may call it (MANAGE_JOBS). Raises NotFound for an unknown id or another
    organization's job.
    """
    ctx.require(Permission.MANAGE_JOBS)
    if not plausible_id(job_id):
        raise NotFound(JOB_NOT_FOUND)
    row = (await db.execute(_rows_query(ctx).where(Job.id == job_id))).first()
    if row is None:
        raise NotFound(JOB_NOT_FOUND)
    job, category, count = row
    return JobRow(job, category, int(count))


async def _own_job(db: AsyncSession, ctx: OrgContext, job_id: str) -> Job:
    """The organization's job, locked for the change (NotFound for anyone else's)."""
    if not plausible_id(job_id):
        raise NotFound(JOB_NOT_FOUND)
    return await get_scoped(db, Job, ctx, job_id, message=JOB_NOT_FOUND, for_update=True)


async def _own_category(db: AsyncSession, ctx: OrgContext, category_id: str) -> JobCategory:
    found: JobCategory | None = (
        await db.scalar(scoped(JobCategory, ctx).where(JobCategory.id == category_id))
        if plausible_id(category_id)
        else None
    )
    if found is None:
        raise NotFound(CATEGORY_NOT_FOUND, field_errors={"categoryId": [CATEGORY_NOT_FOUND]})
    return found


async def create_job(db: AsyncSession, ctx: OrgContext, data: JobCreate) -> Job:
    """Create a job (a draft unless ``data.status`` says otherwise).

    Members may call it (MANAGE_JOBS). Raises NotFound when ``categoryId`` is not one of the
    organization's categories.
    """
    ctx.require(Permission.MANAGE_JOBS)
    if data.category_id is not None:
        await _own_category(db, ctx, data.category_id)
    if data.work_mode is None:
        work_mode = WorkMode.REMOTE if data.remote else WorkMode.ONSITE
    else:
        work_mode = data.work_mode
        if data.remote is not None and data.remote != (work_mode is WorkMode.REMOTE):
            raise Invalid.field("remote", REMOTE_MISMATCH)
    _check_salary(data.salary_min, data.salary_max, data.show_salary)
    now = utcnow()
    job = Job(
        organization_id=ctx.organization.id,
        title=data.title,
        type=data.type,
        category_id=data.category_id,
        country=data.country,
        city=data.city,
        remote=work_mode is WorkMode.REMOTE,
        work_mode=work_mode,
        address=data.address,
        postal_code=data.postal_code,
        region=data.region,
        experience_level=data.experience_level,
        salary_min=data.salary_min,
        salary_max=data.salary_max,
        salary_currency=data.salary_currency,
        salary_interval=data.salary_interval,
        show_salary=data.show_salary,
        valid_through=data.valid_through,
        description=data.description,
        description_html=render_markdown(data.description),
        status=data.status,
        published_at=published_at_after(JobStatus.DRAFT, data.status, None, now),
        pipeline_id=await pipelines.pipeline_for_new_job(db, ctx, data.pipeline_id),
        created_at=now,
        updated_at=now,
    )
    db.add(job)
    if job.status in PUBLIC_STATUSES:
        await bump_content_version(db, ctx.organization.id)
    await db.flush()
    return job


async def update_job(
    db: AsyncSession,
    ctx: OrgContext,
    job_id: str,
    data: JobUpdate,
    *,
    base_url: str = "",
    secret: str = "",
) -> Job:
    """Change the fields given in ``data``. Publishing stamps ``published_at``; going back to
    draft clears it; closing keeps it. Closing a job whose applicants are not all decided
    raises Conflict unless ``data.force`` or ``data.reject_remaining`` (which rejects them,
    mailing its template with the status links made from ``base_url`` and ``secret``).

    Members may call it (MANAGE_JOBS). Raises NotFound for an unknown id, another
    organization's job, or a ``categoryId`` that is not the organization's.
    """
    ctx.require(Permission.MANAGE_JOBS)
    job = await _own_job(db, ctx, job_id)
    given = data.model_fields_set
    was_public = job.status in PUBLIC_STATUSES
    if "category_id" in given and data.category_id is not None:
        await _own_category(db, ctx, data.category_id)
    if "title" in given and data.title is not None:
        job.title = data.title
    if "type" in given and data.type is not None:
        job.type = data.type
    if "category_id" in given:
        job.category_id = data.category_id
    if "country" in given:
        job.country = data.country
    if "city" in given:
        job.city = data.city
    _change_work_mode(job, data)
    for name in ("address", "postal_code", "region", "salary_min", "salary_max", "valid_through"):
        if name in given:
            setattr(job, name, getattr(data, name))
    for name in ("experience_level", "salary_currency", "salary_interval", "show_salary"):
        if name in given and getattr(data, name) is not None:
            setattr(job, name, getattr(data, name))
    _check_salary(job.salary_min, job.salary_max, job.show_salary)
    if "description" in given:
        job.description = data.description or ""
        job.description_html = render_markdown(job.description)
    if "pipeline_id" in given and data.pipeline_id is not None:
        await pipelines.assign_pipeline(db, ctx, job, data.pipeline_id)
    now = utcnow()
    if data.status is JobStatus.CLOSED and job.status is not JobStatus.CLOSED:
        remaining = data.reject_remaining
        await messages.close_job_check(
            db,
            ctx,
            job.id,
            force=bool(data.force),
            reject_remaining=(
                messages.Rejection(remaining.reason_id, remaining.template_id)
                if remaining is not None
                else None
            ),
            base_url=base_url,
            secret=secret,
        )
    if "status" in given and data.status is not None and data.status is not job.status:
        job.published_at = published_at_after(job.status, data.status, job.published_at, now)
        job.status = data.status
    if db.is_modified(job):
        job.updated_at = now
        if was_public or job.status in PUBLIC_STATUSES:
            await bump_content_version(db, ctx.organization.id)
    await db.flush()
    return job


def _check_salary(minimum: int | None, maximum: int | None, show: bool) -> None:
    problems = salary_problems(minimum, maximum, show)
    if problems:
        raise Invalid(next(iter(problems.values()))[0], field_errors=problems)


def _change_work_mode(job: Job, data: JobUpdate) -> None:
    """Apply ``workMode`` and ``remote`` from an update, keeping ``remote`` true exactly when
    the work mode is remote (``remote`` alone, from an older client, switches between remote
    and on-site, leaving a hybrid job hybrid when it says false)."""
    given = data.model_fields_set
    if "work_mode" in given and data.work_mode is not None:
        if "remote" in given and data.remote != (data.work_mode is WorkMode.REMOTE):
            raise Invalid.field("remote", REMOTE_MISMATCH)
        job.work_mode = data.work_mode
    elif "remote" in given and data.remote is not None:
        if data.remote:
            job.work_mode = WorkMode.REMOTE
        elif job.work_mode is WorkMode.REMOTE:
            job.work_mode = WorkMode.ONSITE
    job.remote = job.work_mode is WorkMode.REMOTE


# What else a copy of a job takes along: each step gets the session, the context, the original
# job and its new draft copy (flushed, so it has its id) and copies what its domain keeps about
# the job (the application questions, the pipeline assignment). Domains register their step
# with ``on_duplicate`` when they are imported.
DuplicateStep = Callable[[AsyncSession, OrgContext, Job, Job], Awaitable[None]]
DUPLICATE_STEPS: list[DuplicateStep] = []


def on_duplicate(step: DuplicateStep) -> DuplicateStep:
    """Register ``step`` to run whenever a job is duplicated (usable as a decorator)."""
    if step not in DUPLICATE_STEPS:
        DUPLICATE_STEPS.append(step)
    return step


# The columns a copy takes over as they are; status, dates and applicants start afresh.
_COPIED = (
    "category_id",
    "type",
    "country",
    "city",
    "remote",
    "work_mode",
    "address",
    "postal_code",
    "region",
    "experience_level",
    "salary_min",
    "salary_max",
    "salary_currency",
    "salary_interval",
    "show_salary",
    "valid_through",
    "description",
    "description_html",
    "pipeline_id",
)


async def duplicate_job(db: AsyncSession, ctx: OrgContext, job_id: str) -> Job:
    """A draft copy of a job (title marked as a copy, no applicants), with everything each
    domain keeps about the job copied by the registered duplicate steps.

    Members may call it (MANAGE_JOBS). Raises NotFound for an unknown id or another
    organization's job.
    """
    ctx.require(Permission.MANAGE_JOBS)
    if not plausible_id(job_id):
        raise NotFound(JOB_NOT_FOUND)
    original = await get_scoped(db, Job, ctx, job_id, message=JOB_NOT_FOUND)
    now = utcnow()
    title = original.title
    if len(title) + len(COPY_SUFFIX) <= TITLE_MAX:
        title += COPY_SUFFIX
    copy = Job(
        organization_id=ctx.organization.id,
        title=title,
        status=JobStatus.DRAFT,
        published_at=None,
        created_at=now,
        updated_at=now,
        **{name: getattr(original, name) for name in _COPIED},
    )
    db.add(copy)
    await db.flush()
    for step in DUPLICATE_STEPS:
        await step(db, ctx, original, copy)
    await db.flush()
    return copy


async def delete_job(
    db: AsyncSession, ctx: OrgContext, job_id: str, *, confirm_title: str | None = None
) -> DeletedJob:
    """Delete a job and, with it, every application to it.

    ``confirm_title``, when given (the dashboard's type-the-title check), must equal the
    job's title. Members may call it (MANAGE_JOBS). Raises NotFound for an unknown id or another
    organization's job, Invalid when the confirmation does not match.
    """
    ctx.require(Permission.MANAGE_JOBS)
    job = await _own_job(db, ctx, job_id)
    if confirm_title is not None and " ".join(confirm_title.split()) != job.title:
        raise Invalid.field("confirm", CONFIRM_MISMATCH)
    keys = list(
        (
            await db.execute(
                select(Applicant.resume_key).where(
                    Applicant.job_id == job.id, Applicant.resume_key.is_not(None)
                )
            )
        ).scalars()
    )
    erased = await db.execute(
        delete(Applicant)
        .where(in_context(Applicant, ctx), Applicant.job_id == job.id)
        .execution_options(synchronize_session=False)
    )
    if job.status in PUBLIC_STATUSES:
        await bump_content_version(db, ctx.organization.id)
    title = job.title
    await db.delete(job)
    await db.flush()
    return DeletedJob(
        title=title,
        applicants=int(getattr(erased, "rowcount", 0) or 0),
        resume_keys=[key for key in keys if key],
    )


async def applicant_count(db: AsyncSession, ctx: OrgContext, job_id: str) -> int:
    """How many applications a job has (what deleting it would erase).

    Members may call it (MANAGE_JOBS). Raises NotFound for another organization's job.
    """
    return (await get_job(db, ctx, job_id)).applicant_count


async def category_choices(db: AsyncSession, ctx: OrgContext) -> list[JobCategory]:
    """The organization's categories in order, for the editor's select."""
    ctx.require(Permission.MANAGE_JOBS)
    result = await db.execute(
        scoped(JobCategory, ctx).order_by(
            JobCategory.position, JobCategory.created_at, JobCategory.id
        )
    )
    return list(result.scalars())
