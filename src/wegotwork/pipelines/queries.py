"""Reading pipelines: an organization's pipelines with their stages, a job's stages with the
count of applicants in each, the board's columns and an applicant's timeline.

Reads take an OrgContext and check the permission themselves; they never write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import noload

from wegotwork.errors import Invalid, NotFound
from wegotwork.models import (
    Applicant,
    ApplicantActivity,
    Job,
    Pipeline,
    PipelineStage,
    ScorecardAttribute,
    User,
)
from wegotwork.schemas import decode_cursor, encode_cursor
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, owned_by, scoped

PIPELINE_NOT_FOUND = "Pipeline does not exist"
JOB_NOT_FOUND = "Job does not exist"
APPLICANT_NOT_FOUND = "Applicant does not exist"
BAD_CURSOR = "This page link is no longer valid; start from the first page"
ACTIVITY_PAGE = 50


@dataclass(frozen=True, slots=True)
class PipelineView:
    pipeline: Pipeline
    stages: list[PipelineStage]
    job_count: int


@dataclass(frozen=True, slots=True)
class StageCount:
    stage: PipelineStage
    count: int


@dataclass(frozen=True, slots=True)
class JobPipeline:
    job: Job
    pipeline: Pipeline
    stages: list[StageCount]


@dataclass(frozen=True, slots=True)
class Column:
    stage: PipelineStage
    count: int
    cards: list[Applicant]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    activity: ApplicantActivity
    actor: User | None


@dataclass(frozen=True, slots=True)
class ActivityPage:
    entries: list[ActivityEntry]
    next_cursor: str | None


def _cursor_position(cursor: str) -> tuple[datetime, str]:
    try:
        return decode_cursor(cursor)
    except ValueError:
        raise Invalid.field("cursor", BAD_CURSOR) from None


async def stages_of(db: AsyncSession, pipeline_id: str) -> list[PipelineStage]:
    """The stages of a pipeline already known to belong to the caller's organization, in
    order."""
    rows = await db.scalars(
        select(PipelineStage)
        .where(PipelineStage.pipeline_id == pipeline_id)
        .order_by(PipelineStage.position, PipelineStage.id)
    )
    return list(rows)


def default_pipeline_query(organization_id: str) -> Select[str]:
    """``SELECT`` the organization's default pipeline's id (to run, or to nest)."""
    return (
        select(Pipeline.id)
        .where(owned_by(Pipeline, organization_id), Pipeline.is_default.is_(True))
        .order_by(Pipeline.created_at, Pipeline.id)
        .limit(1)
    )


async def default_pipeline_id(db: AsyncSession, organization_id: str) -> str | None:
    """The organization's default pipeline (for the jobs and applicants it serves)."""
    return await db.scalar(default_pipeline_query(organization_id))


async def _job_counts(db: AsyncSession, ctx: OrgContext) -> dict[str, int]:
    rows = await db.execute(
        scoped(Job, ctx, Job.pipeline_id, func.count())
        .where(Job.pipeline_id.is_not(None))
        .group_by(Job.pipeline_id)
    )
    return {str(pipeline_id): count for pipeline_id, count in rows}


async def list_pipelines(db: AsyncSession, ctx: OrgContext) -> list[PipelineView]:
    """The organization's pipelines, the default first, each with its stages and how many jobs
    use it. Members (VIEW_ORGANIZATION) may call it."""
    ctx.require(Permission.VIEW_ORGANIZATION)
    pipelines = list(
        await db.scalars(
            scoped(Pipeline, ctx).order_by(
                Pipeline.is_default.desc(), Pipeline.created_at, Pipeline.id
            )
        )
    )
    stages: dict[str, list[PipelineStage]] = {pipeline.id: [] for pipeline in pipelines}
    for stage in await db.scalars(
        scoped(PipelineStage, ctx).order_by(PipelineStage.position, PipelineStage.id)
    ):
        stages.setdefault(stage.pipeline_id, []).append(stage)
    jobs = await _job_counts(db, ctx)
    return [
        PipelineView(pipeline, stages[pipeline.id], jobs.get(pipeline.id, 0))
        for pipeline in pipelines
    ]


async def get_pipeline(db: AsyncSession, ctx: OrgContext, pipeline_id: str) -> PipelineView:
    """One of the organization's pipelines. Members (VIEW_ORGANIZATION) may call it; NotFound
    for another organization's."""
    ctx.require(Permission.VIEW_ORGANIZATION)
    pipeline = await get_scoped(db, Pipeline, ctx, pipeline_id, message=PIPELINE_NOT_FOUND)
    jobs = await db.scalar(scoped(Job, ctx, func.count()).where(Job.pipeline_id == pipeline.id))
    return PipelineView(pipeline, await stages_of(db, pipeline.id), jobs or 0)


async def pipeline_of_job(db: AsyncSession, ctx: OrgContext, job: Job) -> Pipeline:
    """The pipeline ``job`` uses (the organization's default when it names none)."""
    pipeline_id = job.pipeline_id or await default_pipeline_id(db, ctx.organization.id)
    if pipeline_id is None:
        raise NotFound(PIPELINE_NOT_FOUND)
    return await get_scoped(db, Pipeline, ctx, pipeline_id, message=PIPELINE_NOT_FOUND)


async def stage_counts(db: AsyncSession, ctx: OrgContext, job_id: str) -> dict[str, int]:
    """How many of the job's applicants are in each stage (by stage id)."""
    rows = await db.execute(
        scoped(Applicant, ctx, Applicant.stage_id, func.count())
        .where(Applicant.job_id == job_id)
        .group_by(Applicant.stage_id)
    )
    return {str(stage_id): count for stage_id, count in rows if stage_id is not None}


async def job_pipeline(db: AsyncSession, ctx: OrgContext, job_id: str) -> JobPipeline:
    """The job's pipeline with the count of applicants in each stage. Members
    (VIEW_APPLICANTS) may call it; NotFound for another organization's job."""
    ctx.require(Permission.VIEW_APPLICANTS)
    row = (
        await db.execute(
            scoped(Job, ctx, Job, Pipeline)
            .join(Pipeline, Pipeline.id == Job.pipeline_id)
            .where(Job.id == job_id)
        )
    ).first()
    if row is not None:
        job, pipeline = row
    else:
        job = await get_scoped(db, Job, ctx, job_id, message=JOB_NOT_FOUND)
        pipeline = await pipeline_of_job(db, ctx, job)
    counts = await stage_counts(db, ctx, job.id)
    stages = await stages_of(db, pipeline.id)
    return JobPipeline(
        job, pipeline, [StageCount(stage, counts.get(stage.id, 0)) for stage in stages]
    )


def _newest_first(query: Any, cursor: str | None) -> Any:
    if cursor:
        created_at, last_id = _cursor_position(cursor)
        query = query.where(
            tuple_(Applicant.created_at, Applicant.id) < tuple_(created_at, last_id)
        )
    return query.order_by(Applicant.created_at.desc(), Applicant.id.desc())


async def stage_cards(
    db: AsyncSession,
    ctx: OrgContext,
    job_id: str,
    stage_id: str,
    *,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Applicant], str | None]:
    """One page of the applicants in a stage of a job, newest first, with the next cursor.
    Members (VIEW_APPLICANTS) may call it; Invalid (``cursor``) for a cursor we did not make."""
    ctx.require(Permission.VIEW_APPLICANTS)
    # Every card of a column is in the same stage: its row is not loaded again per page.
    query = (
        scoped(Applicant, ctx)
        .where(Applicant.job_id == job_id, Applicant.stage_id == stage_id)
        .options(noload(Applicant.stage))
    )
    rows = list(await db.scalars(_newest_first(query, cursor).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id)
    return rows, next_cursor


async def board(
    db: AsyncSession, ctx: OrgContext, job_id: str, *, per_column: int
) -> tuple[JobPipeline, list[Column]]:
    """The board of a job: per stage its count and first ``per_column`` cards (newest first)
    with the cursor of the rest. One count query and one query per stage, each served by the
    ``(job_id, stage_id)`` order of the index, so it costs the same for 10 or 10,000
    applicants. Members (VIEW_APPLICANTS) may call it."""
    overview = await job_pipeline(db, ctx, job_id)
    columns = []
    for entry in overview.stages:
        cards: list[Applicant] = []
        next_cursor = None
        if entry.count:
            cards, next_cursor = await stage_cards(
                db, ctx, job_id, entry.stage.id, limit=per_column
            )
        columns.append(Column(entry.stage, entry.count, cards, next_cursor))
    return overview, columns


async def activity(
    db: AsyncSession,
    ctx: OrgContext,
    applicant_id: str,
    *,
    cursor: str | None = None,
    limit: int = ACTIVITY_PAGE,
) -> ActivityPage:
    """An applicant's timeline, newest first, with the cursor of the next page. Members
    (VIEW_APPLICANTS) may call it; NotFound for another organization's applicant, Invalid
    (``cursor``) for a cursor we did not make."""
    ctx.require(Permission.VIEW_APPLICANTS)
    applicant = await get_scoped(db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND)
    query = (
        scoped(ApplicantActivity, ctx, ApplicantActivity, User)
        .outerjoin(User, User.id == ApplicantActivity.actor_id)
        .where(ApplicantActivity.applicant_id == applicant.id)
    )
    if cursor:
        created_at, last_id = _cursor_position(cursor)
        query = query.where(
            tuple_(ApplicantActivity.created_at, ApplicantActivity.id) < tuple_(created_at, last_id)
        )
    rows = (
        await db.execute(
            query.order_by(ApplicantActivity.created_at.desc(), ApplicantActivity.id.desc()).limit(
                limit + 1
            )
        )
    ).all()
    entries = [ActivityEntry(entry, actor) for entry, actor in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = entries[-1].activity
        next_cursor = encode_cursor(last.created_at, last.id)
    return ActivityPage(entries, next_cursor)


def stage_ref(stage: PipelineStage) -> dict[str, str]:
    """How a stage is written into the activity log."""
    return {"id": stage.id, "name": stage.name, "status": stage.status.value}


def by_id(stages: Sequence[PipelineStage]) -> dict[str, PipelineStage]:
    return {stage.id: stage for stage in stages}


async def applicants_per_stage(
    db: AsyncSession, ctx: OrgContext, pipeline_id: str
) -> dict[str, int]:
    """How many applicants (of all jobs) each stage of one of the organization's pipelines
    holds. Members (VIEW_ORGANIZATION) may call it."""
    ctx.require(Permission.VIEW_ORGANIZATION)
    rows = await db.execute(
        scoped(Applicant, ctx, Applicant.stage_id, func.count())
        .join(PipelineStage, PipelineStage.id == Applicant.stage_id)
        .where(PipelineStage.pipeline_id == pipeline_id)
        .group_by(Applicant.stage_id)
    )
    return {str(stage_id): count for stage_id, count in rows}


# Interview kits: what interviewers at a stage rate.


@dataclass(frozen=True, slots=True)
class KitAttribute:
    """One thing interviewers at a stage rate."""

    name: str
    description: str | None


async def kits(db: AsyncSession, stage_ids: list[str]) -> dict[str, list[KitAttribute]]:
    """The interview kit of each stage (stages already known to be the caller's)."""
    found: dict[str, list[KitAttribute]] = {stage_id: [] for stage_id in stage_ids}
    if not stage_ids:
        return found
    rows = await db.scalars(
        select(ScorecardAttribute)
        .where(ScorecardAttribute.stage_id.in_(stage_ids))
        .order_by(ScorecardAttribute.stage_id, ScorecardAttribute.position)
    )
    for row in rows:
        found[row.stage_id].append(KitAttribute(row.name, row.description))
    return found
