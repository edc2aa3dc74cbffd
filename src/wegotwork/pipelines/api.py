"""Pipelines as JSON: ``/api/v1/organizations/{orgId}/pipelines``, ``/api/v1/pipelines/{id}``,
a job's stages with counts and an applicant's activity timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from wegotwork.deps import DbSession
from wegotwork.pipelines import actions, queries
from wegotwork.pipelines.schemas import (
    ActivityEnvelope,
    ActivityOut,
    JobPipelineEnvelope,
    JobPipelineOut,
    PipelineCreate,
    PipelineEnvelope,
    PipelineOut,
    PipelinesEnvelope,
    PipelineUpdate,
    StageCountOut,
)
from wegotwork.schemas import Ok, error_responses
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import APPLICANT_ID, JOB_ID, PIPELINE_ID, require
from wegotwork.tenancy.permissions import Permission

router = APIRouter(prefix="/api/v1", tags=["pipelines"])

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION))]
Manager = Annotated[OrgContext, Depends(require(Permission.MANAGE_PIPELINES))]
PipelineViewer = Annotated[
    OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=PIPELINE_ID))
]
PipelineManager = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_PIPELINES, via=PIPELINE_ID))
]
JobViewer = Annotated[OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=JOB_ID))]
ApplicantViewer = Annotated[
    OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=APPLICANT_ID))
]


@router.get(
    "/organizations/{orgId}/pipelines",
    response_model=PipelinesEnvelope,
    responses=error_responses(401, 404),
    summary="The organization's pipelines, the default first",
)
async def list_pipelines(ctx: Viewer, db: DbSession) -> PipelinesEnvelope:
    views = await queries.list_pipelines(db, ctx)
    return PipelinesEnvelope(pipelines=[PipelineOut.of(view) for view in views])


@router.post(
    "/organizations/{orgId}/pipelines",
    status_code=201,
    response_model=PipelineEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Create a pipeline from stages or a template",
)
async def create_pipeline(ctx: Manager, db: DbSession, body: PipelineCreate) -> PipelineEnvelope:
    """``stages`` as given (exactly one SUBMITTED stage first, HIRED and REJECTED last), else
    the ``template``'s: standard, technical, senior or agency."""
    data = actions.PipelineInput(
        name=body.name,
        stages=[stage.spec() for stage in body.stages] if body.stages is not None else None,
        template=body.template,
    )
    view = await actions.create_pipeline(db, ctx, data)
    await db.commit()
    return PipelineEnvelope(pipeline=PipelineOut.of(view))


@router.get(
    "/pipelines/{pipelineId}",
    response_model=PipelineEnvelope,
    responses=error_responses(401, 404),
    summary="One pipeline with its stages",
)
async def get_pipeline(pipelineId: str, ctx: PipelineViewer, db: DbSession) -> PipelineEnvelope:
    return PipelineEnvelope(
        pipeline=PipelineOut.of(await queries.get_pipeline(db, ctx, pipelineId))
    )


@router.patch(
    "/pipelines/{pipelineId}",
    response_model=PipelineEnvelope,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="Rename, make default, or replace the stages of a pipeline",
)
async def update_pipeline(
    pipelineId: str, body: PipelineUpdate, ctx: PipelineManager, db: DbSession
) -> PipelineEnvelope:
    """``stages`` is the full new list (existing stages by ``id``). Removing a stage that holds
    applicants needs ``moveTo: {removedStageId: keptStageId}``, else 409."""
    change = actions.PipelineChange(
        name=body.name,
        is_default=body.is_default,
        stages=[stage.spec() for stage in body.stages] if body.stages is not None else None,
        move_to=dict(body.move_to or {}),
    )
    view = await actions.update_pipeline(db, ctx, pipelineId, change)
    await db.commit()
    return PipelineEnvelope(pipeline=PipelineOut.of(view))


@router.delete(
    "/pipelines/{pipelineId}",
    response_model=Ok,
    responses=error_responses(401, 403, 404, 409),
    summary="Delete a pipeline no job uses (not the default, not the last)",
)
async def delete_pipeline(pipelineId: str, ctx: PipelineManager, db: DbSession) -> Ok:
    name = await actions.delete_pipeline(db, ctx, pipelineId)
    await db.commit()
    return Ok(message=f"Pipeline “{name}” deleted")


@router.get(
    "/jobs/{jobId}/pipeline",
    response_model=JobPipelineEnvelope,
    responses=error_responses(401, 404),
    summary="The job's stages with the count of applicants in each",
)
async def job_pipeline(jobId: str, ctx: JobViewer, db: DbSession) -> JobPipelineEnvelope:
    overview = await queries.job_pipeline(db, ctx, jobId)
    return JobPipelineEnvelope(
        pipeline=JobPipelineOut(
            job_id=overview.job.id,
            pipeline_id=overview.pipeline.id,
            name=overview.pipeline.name,
            stages=[StageCountOut.counted(entry) for entry in overview.stages],
        )
    )


@router.get(
    "/applicants/{applicantId}/activity",
    response_model=ActivityEnvelope,
    responses=error_responses(401, 404, 422),
    summary="An applicant's timeline, newest first",
)
async def applicant_activity(
    applicantId: str,
    ctx: ApplicantViewer,
    db: DbSession,
    cursor: Annotated[
        str | None, Query(max_length=200, description="nextCursor of the previous page")
    ] = None,
) -> ActivityEnvelope:
    page = await queries.activity(db, ctx, applicantId, cursor=cursor)
    return ActivityEnvelope(
        activity=[ActivityOut.of(entry) for entry in page.entries], nextCursor=page.next_cursor
    )
