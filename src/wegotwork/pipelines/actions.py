"""Changing pipelines: creating (from stages or a template), renaming, reshaping and deleting
them, putting jobs on a pipeline and moving applicants between stages, each move written to the
applicant's activity log.

Every action flushes and never commits; the face commits once. Actions take an OrgContext and
check the permission themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.analytics import funnel
from wegotwork.db import new_id, utcnow
from wegotwork.errors import Conflict, Invalid, NotFound
from wegotwork.models import (
    ActivityKind,
    Applicant,
    ApplicantActivity,
    ApplicantEvent,
    ApplicantStatus,
    Job,
    Pipeline,
    PipelineStage,
    User,
)
from wegotwork.pipelines import rules
from wegotwork.pipelines.queries import (
    APPLICANT_NOT_FOUND,
    PIPELINE_NOT_FOUND,
    PipelineView,
    default_pipeline_id,
    default_pipeline_query,
    get_pipeline,
    pipeline_of_job,
    stage_ref,
    stages_of,
)
from wegotwork.privacy import registry as privacy_registry
from wegotwork.privacy.registry import Part, Section, Subject
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, owned_by, scoped

STAGE_NOT_FOUND = "Stage does not exist"
STAGE_ELSEWHERE = "This stage is not in the job's pipeline"
LAST_PIPELINE = (
    "This is the organization's only pipeline. Create another pipeline before deleting this one."
)
DEFAULT_PIPELINE = (
    "This is the default pipeline. Make another pipeline the default before deleting this one."
)
UNKNOWN_TEMPLATE = "Choose a template: " + ", ".join(rules.TEMPLATES)


@dataclass(frozen=True, slots=True)
class PipelineInput:
    """What a new pipeline is made of: ``stages`` as given, else the ``template``'s."""

    name: str
    stages: Sequence[rules.StageSpec] | None = None
    template: str | None = None


@dataclass(frozen=True, slots=True)
class PipelineChange:
    """The fields of a PATCH that were given (None: unchanged)."""

    name: str | None = None
    is_default: bool | None = None
    stages: Sequence[rules.StageSpec] | None = None
    move_to: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Writing the log


def log_activity(
    db: AsyncSession,
    applicant: Applicant,
    kind: ActivityKind,
    data: dict[str, object],
    *,
    actor: User | None = None,
) -> ApplicantActivity:
    """Add one entry to ``applicant``'s timeline (flushed with the caller's next flush)."""
    entry = ApplicantActivity(
        id=new_id(),
        organization_id=applicant.organization_id,
        applicant_id=applicant.id,
        actor_id=actor.id if actor else None,
        kind=kind,
        data=data,
        created_at=utcnow(),
    )
    db.add(entry)
    return entry


async def landing_stage(
    db: AsyncSession, applicant: Applicant, status: ApplicantStatus
) -> PipelineStage | None:
    """The stage ``applicant`` with ``status`` belongs in: the first stage of that status in
    its job's pipeline (the organization's default when the job names none), else its first
    stage; None when the organization has no pipeline. For the apply flow, which acts for the
    organization the job belongs to."""
    # One round trip (it is on the apply path): the job's pipeline, else the default one.
    pipeline_id = func.coalesce(
        select(Job.pipeline_id).where(Job.id == applicant.job_id).scalar_subquery(),
        default_pipeline_query(applicant.organization_id).scalar_subquery(),
    )
    stages = list(
        await db.scalars(
            select(PipelineStage)
            .where(PipelineStage.pipeline_id == pipeline_id)
            .order_by(PipelineStage.position, PipelineStage.id)
        )
    )
    if not stages:
        return None
    chosen = rules.landing_stage([(stage.id, stage.status) for stage in stages], status)
    return next(stage for stage in stages if stage.id == chosen)


async def record_application(db: AsyncSession, applicant: Applicant) -> None:
    """Place a new applicant (not flushed yet) in the stage of its status in the job's
    pipeline and start its timeline. Anyone may call it (the apply flow)."""
    stage = await landing_stage(db, applicant, applicant.status)
    data: dict[str, object] = {}
    if stage is not None:
        applicant.stage_id, applicant.stage = stage.id, stage
        data = {"stage": stage_ref(stage)}
    log_activity(db, applicant, ActivityKind.APPLIED, data)


# ---------------------------------------------------------------------------------------------
# Moving applicants


async def move_applicants(
    db: AsyncSession,
    applicants: Sequence[Applicant],
    stage: PipelineStage,
    *,
    actor: User | None,
    known: dict[str, PipelineStage] | None = None,
) -> int:
    """Move ``applicants`` (already locked and checked to belong where ``stage`` is) into
    ``stage``: the status follows the stage, the funnel counts the status changes, and each
    move is logged with who and when. Returns how many moved (already being there is no move).
    ``known`` maps stage ids to stages for writing where each applicant came from."""
    now = utcnow()
    moving = [
        applicant
        for applicant in applicants
        if applicant.stage_id != stage.id or applicant.status != stage.status
    ]
    await funnel.record_moves(
        db,
        [
            funnel.Move(applicant, applicant.status, stage.status, now)
            for applicant in moving
            if applicant.status != stage.status
        ],
    )
    stages = dict(known or {})
    missing = {a.stage_id for a in moving if a.stage_id and a.stage_id not in stages}
    if missing:
        for found in await db.scalars(select(PipelineStage).where(PipelineStage.id.in_(missing))):
            stages[found.id] = found
    for applicant in moving:
        before = stages.get(applicant.stage_id or "")
        was = stage_ref(before) if before else {"status": applicant.status.value}
        if before is not None and before.status != applicant.status:
            was["status"] = applicant.status.value
        if applicant.status != stage.status:
            db.add(
                ApplicantEvent(
                    applicant_id=applicant.id,
                    actor_id=actor.id if actor else None,
                    from_status=applicant.status,
                    to_status=stage.status,
                    created_at=now,
                )
            )
        log_activity(
            db,
            applicant,
            ActivityKind.STAGE_CHANGED,
            {"from": was, "to": stage_ref(stage)},
            actor=actor,
        )
        applicant.stage_id, applicant.stage = stage.id, stage
        applicant.status = stage.status
        applicant.updated_at = now
    await db.flush()
    return len(moving)


async def _job_stages(db: AsyncSession, ctx: OrgContext, job_id: str) -> list[PipelineStage]:
    # One statement on the path every move takes: the stages of the pipeline the job names.
    stages = list(
        await db.scalars(
            scoped(PipelineStage, ctx)
            .join(Job, Job.pipeline_id == PipelineStage.pipeline_id)
            .where(Job.id == job_id)
            .order_by(PipelineStage.position, PipelineStage.id)
        )
    )
    if stages:
        return stages
    job = await get_scoped(db, Job, ctx, job_id, message=APPLICANT_NOT_FOUND)
    pipeline = await pipeline_of_job(db, ctx, job)
    return await stages_of(db, pipeline.id)


async def target_stage(
    db: AsyncSession,
    ctx: OrgContext,
    job_id: str,
    *,
    stage_id: str | None = None,
    status: ApplicantStatus | None = None,
) -> tuple[PipelineStage, list[PipelineStage]]:
    """The stage of the job's pipeline a move goes to: ``stage_id``, or the first stage of
    ``status``; with all the pipeline's stages. Raises Invalid (``stageId``) for a stage of
    another pipeline or organization, or a status no stage has."""
    stages = await _job_stages(db, ctx, job_id)
    if stage_id is not None:
        chosen = next((stage for stage in stages if stage.id == stage_id), None)
        if chosen is None:
            raise Invalid.field("stageId", STAGE_ELSEWHERE)
        return chosen, stages
    assert status is not None
    first = rules.first_of_status([(stage.id, stage.status) for stage in stages], status)
    if first is None:
        raise Invalid.field("status", f"The job's pipeline has no {status.value} stage")
    return next(stage for stage in stages if stage.id == first), stages


async def move_applicant(
    db: AsyncSession,
    ctx: OrgContext,
    applicant_id: str,
    *,
    stage_id: str | None = None,
    status: ApplicantStatus | None = None,
) -> Applicant:
    """Move one applicant to ``stage_id`` (a stage of its job's pipeline) or to the first stage
    of ``status``, logged with who and when. Two members moving the same applicant at once are
    served one after the other (the row is locked), and both moves are logged.

    Members (MANAGE_APPLICANTS) may call it. Raises NotFound for another organization's
    applicant, Invalid (``stageId``) for a stage outside the job's pipeline, nothing changed.
    """
    ctx.require(Permission.MANAGE_APPLICANTS)
    applicant = await get_scoped(
        db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND, for_update=True
    )
    stage, stages = await target_stage(db, ctx, applicant.job_id, stage_id=stage_id, status=status)
    await move_applicants(
        db, [applicant], stage, actor=ctx.user, known={item.id: item for item in stages}
    )
    return applicant


async def move_to_status(
    db: AsyncSession, ctx: OrgContext, applicants: Sequence[Applicant], status: ApplicantStatus
) -> int:
    """Move locked applicants of the organization (of any jobs) to the first stage of
    ``status`` in each job's pipeline. Members (MANAGE_APPLICANTS) may call it."""
    ctx.require(Permission.MANAGE_APPLICANTS)
    moved = 0
    by_job: dict[str, list[Applicant]] = {}
    for applicant in applicants:
        by_job.setdefault(applicant.job_id, []).append(applicant)
    for job_id, group in by_job.items():
        stage, stages = await target_stage(db, ctx, job_id, status=status)
        moved += await move_applicants(
            db, group, stage, actor=ctx.user, known={item.id: item for item in stages}
        )
    return moved


# ---------------------------------------------------------------------------------------------
# Pipelines


def _checked(stages: Sequence[rules.StageSpec]) -> list[rules.StageSpec]:
    cleaned = [
        rules.StageSpec(rules.clean_name(stage.name), stage.status, stage.id) for stage in stages
    ]
    problems = rules.stage_problems(cleaned)
    if problems:
        first = next(iter(problems.values()))[0]
        raise Invalid(first, field_errors=problems)
    return cleaned


def _name(value: str) -> str:
    name = rules.clean_name(value)
    if not name:
        raise Invalid.field("name", "Give the pipeline a name")
    if len(name) > rules.MAX_PIPELINE_NAME:
        raise Invalid.field(
            "name", f"A pipeline name has at most {rules.MAX_PIPELINE_NAME} characters"
        )
    return name


def _add_stages(
    db: AsyncSession, organization_id: str, pipeline_id: str, stages: Sequence[rules.StageSpec]
) -> list[PipelineStage]:
    now = utcnow()
    rows = [
        PipelineStage(
            id=new_id(),
            organization_id=organization_id,
            pipeline_id=pipeline_id,
            name=stage.name,
            status=stage.status,
            position=position,
            created_at=now,
            updated_at=now,
        )
        for position, stage in enumerate(stages)
    ]
    db.add_all(rows)
    return rows


def _new_pipeline(
    db: AsyncSession,
    organization_id: str,
    name: str,
    stages: Sequence[rules.StageSpec],
    *,
    is_default: bool,
) -> Pipeline:
    now = utcnow()
    pipeline = Pipeline(
        id=new_id(),
        organization_id=organization_id,
        name=name,
        is_default=is_default,
        created_at=now,
        updated_at=now,
    )
    db.add(pipeline)
    _add_stages(db, organization_id, pipeline.id, stages)
    return pipeline


async def create_default_pipeline(db: AsyncSession, organization_id: str) -> Pipeline:
    """The default pipeline of a new organization: the six statuses in order. Called by
    whoever creates the organization, in the same transaction."""
    pipeline = _new_pipeline(
        db, organization_id, rules.DEFAULT_NAME, rules.DEFAULT_STAGES, is_default=True
    )
    await db.flush()
    return pipeline


async def create_pipeline(db: AsyncSession, ctx: OrgContext, data: PipelineInput) -> PipelineView:
    """A new pipeline from ``data.stages`` or a template (the standard one when neither is
    given). Admins (MANAGE_PIPELINES) may call it. Raises Invalid with field errors for a bad
    name, template or list of stages."""
    ctx.require(Permission.MANAGE_PIPELINES)
    name = _name(data.name)
    if data.stages is not None:
        stages = _checked(data.stages)
    else:
        template = data.template or "standard"
        if template not in rules.TEMPLATES:
            raise Invalid.field("template", UNKNOWN_TEMPLATE)
        stages = list(rules.TEMPLATES[template])
    if any(stage.id for stage in stages):
        raise Invalid.field("stages", "A new pipeline's stages have no id yet")
    existing = await default_pipeline_id(db, ctx.organization.id)
    pipeline = _new_pipeline(db, ctx.organization.id, name, stages, is_default=existing is None)
    await db.flush()
    return await get_pipeline(db, ctx, pipeline.id)


async def _make_default(db: AsyncSession, ctx: OrgContext, pipeline: Pipeline) -> None:
    """``pipeline`` becomes the default; jobs that named no pipeline keep the one they had."""
    current = await default_pipeline_id(db, ctx.organization.id)
    if current is not None and current != pipeline.id:
        await db.execute(
            update(Job)
            .where(owned_by(Job, ctx.organization.id), Job.pipeline_id.is_(None))
            .values(pipeline_id=current)
            .execution_options(synchronize_session=False)
        )
    await db.execute(
        update(Pipeline)
        .where(owned_by(Pipeline, ctx.organization.id), Pipeline.id != pipeline.id)
        .values(is_default=False)
        .execution_options(synchronize_session="fetch")
    )
    pipeline.is_default = True


async def _held(db: AsyncSession, ctx: OrgContext, stage_ids: Sequence[str]) -> dict[str, int]:
    if not stage_ids:
        return {}
    rows = await db.execute(
        scoped(Applicant, ctx, Applicant.stage_id, func.count())
        .where(Applicant.stage_id.in_(stage_ids))
        .group_by(Applicant.stage_id)
    )
    return {str(stage_id): count for stage_id, count in rows}


async def _reshape(
    db: AsyncSession,
    ctx: OrgContext,
    pipeline: Pipeline,
    wanted: Sequence[rules.StageSpec],
    move_to: dict[str, str],
) -> None:
    current = await stages_of(db, pipeline.id)
    known = {stage.id: stage for stage in current}
    for index, spec in enumerate(wanted):
        if spec.id is not None and spec.id not in known:
            raise Invalid.field(f"stages[{index}].id", "This stage is not in the pipeline")
    kept = {spec.id for spec in wanted if spec.id}
    removed = [stage for stage in current if stage.id not in kept]
    held = await _held(db, ctx, [stage.id for stage in removed])
    for source, target in move_to.items():
        if source not in known or source in kept:
            raise Invalid.field("moveTo", "moveTo names the removed stages that hold applicants")
        if target not in kept:
            raise Invalid.field("moveTo", "Move applicants to a stage the pipeline keeps")
    for stage in removed:
        if held.get(stage.id) and stage.id not in move_to:
            count = held[stage.id]
            raise Conflict(
                f"The stage “{stage.name}” holds {count} applicant{'s' if count != 1 else ''}. "
                f'Send moveTo {{"{stage.id}": "<stage id>"}} to move them to another stage first.',
                code="STAGE_HAS_APPLICANTS",
            )
    now = utcnow()
    for position, spec in enumerate(wanted):
        if spec.id is None:
            continue
        stage = known[spec.id]
        stage.name, stage.position, stage.updated_at = spec.name, position, now
        stage.status = spec.status
    new = _add_stages(db, ctx.organization.id, pipeline.id, [s for s in wanted if s.id is None])
    positions = [index for index, spec in enumerate(wanted) if spec.id is None]
    for stage, position in zip(new, positions, strict=True):
        stage.position = position
    await db.flush()
    # Applicants follow their stage: a stage whose status changed takes them along, a removed
    # stage's applicants go where moveTo says.
    for spec in wanted:
        if spec.id is not None:
            await _follow_stage(db, ctx, known[spec.id], known[spec.id], known)
    for stage in removed:
        if stage.id in move_to:
            await _follow_stage(db, ctx, stage, known[move_to[stage.id]], known)
    for stage in removed:
        await db.delete(stage)
    await db.flush()


async def _follow_stage(
    db: AsyncSession,
    ctx: OrgContext,
    source: PipelineStage,
    target: PipelineStage,
    known: dict[str, PipelineStage],
) -> None:
    query = scoped(Applicant, ctx).where(Applicant.stage_id == source.id)
    if source is target:
        query = query.where(Applicant.status != target.status)
    applicants = list(await db.scalars(query.order_by(Applicant.id).with_for_update()))
    if applicants:
        await move_applicants(db, applicants, target, actor=ctx.user, known=known)


async def update_pipeline(
    db: AsyncSession, ctx: OrgContext, pipeline_id: str, change: PipelineChange
) -> PipelineView:
    """Rename a pipeline, make it the default, or replace its list of stages (existing stages
    by id, new ones without). Removing a stage that holds applicants needs ``move_to`` (removed
    stage id → kept stage id).

    Admins (MANAGE_PIPELINES) may call it. Raises NotFound for another organization's pipeline,
    Invalid with field errors for a bad list, Conflict for a removed stage that holds applicants
    without a ``move_to``; nothing is changed then.
    """
    ctx.require(Permission.MANAGE_PIPELINES)
    pipeline = await get_scoped(
        db, Pipeline, ctx, pipeline_id, message=PIPELINE_NOT_FOUND, for_update=True
    )
    if change.name is not None:
        pipeline.name = _name(change.name)
    if change.is_default is False and pipeline.is_default:
        raise Invalid.field(
            "isDefault", "Make another pipeline the default instead; one is always the default"
        )
    if change.stages is not None:
        await _reshape(db, ctx, pipeline, _checked(change.stages), change.move_to)
    elif change.move_to:
        raise Invalid.field("moveTo", "moveTo goes with a new list of stages")
    if change.is_default:
        await _make_default(db, ctx, pipeline)
    pipeline.updated_at = utcnow()
    await db.flush()
    return await get_pipeline(db, ctx, pipeline.id)


async def delete_pipeline(db: AsyncSession, ctx: OrgContext, pipeline_id: str) -> str:
    """Delete a pipeline no job uses. Admins (MANAGE_PIPELINES) may call it. Raises NotFound
    for another organization's pipeline, Conflict while jobs use it, when it is the default or
    the last one. Returns its name."""
    ctx.require(Permission.MANAGE_PIPELINES)
    pipeline = await get_scoped(
        db, Pipeline, ctx, pipeline_id, message=PIPELINE_NOT_FOUND, for_update=True
    )
    total = await db.scalar(scoped(Pipeline, ctx, func.count()))
    if (total or 0) <= 1:
        raise Conflict(LAST_PIPELINE, code="LAST_PIPELINE")
    if pipeline.is_default:
        raise Conflict(DEFAULT_PIPELINE, code="DEFAULT_PIPELINE")
    jobs = await db.scalar(scoped(Job, ctx, func.count()).where(Job.pipeline_id == pipeline.id))
    if jobs:
        raise Conflict(
            f"{jobs} job{'s use' if jobs != 1 else ' uses'} this pipeline. Put "
            f"{'them' if jobs != 1 else 'it'} on another pipeline before deleting this one.",
            code="PIPELINE_IN_USE",
        )
    name = pipeline.name
    await db.execute(delete(PipelineStage).where(PipelineStage.pipeline_id == pipeline.id))
    await db.execute(delete(Pipeline).where(Pipeline.id == pipeline.id))
    db.expunge(pipeline)
    await db.flush()
    return name


# ---------------------------------------------------------------------------------------------
# Jobs


async def pipeline_for_new_job(
    db: AsyncSession, ctx: OrgContext, pipeline_id: str | None
) -> str | None:
    """The pipeline a new job uses: ``pipeline_id`` (one of the organization's), else the
    default. Raises Invalid (``pipelineId``) for another organization's pipeline."""
    if pipeline_id is None:
        return await default_pipeline_id(db, ctx.organization.id)
    await _own_pipeline(db, ctx, pipeline_id)
    return pipeline_id


async def _own_pipeline(db: AsyncSession, ctx: OrgContext, pipeline_id: str) -> Pipeline:
    try:
        return await get_scoped(db, Pipeline, ctx, pipeline_id, message=PIPELINE_NOT_FOUND)
    except NotFound:
        raise Invalid.field("pipelineId", PIPELINE_NOT_FOUND) from None


async def assign_pipeline(db: AsyncSession, ctx: OrgContext, job: Job, pipeline_id: str) -> int:
    """Put ``job`` (one of the organization's) on another pipeline: each applicant moves to the
    first stage of the new pipeline with its status (else the first stage), logged. Members
    (MANAGE_JOBS) may call it. Raises Invalid (``pipelineId``) for another organization's
    pipeline. Returns how many applicants moved."""
    ctx.require(Permission.MANAGE_JOBS)
    pipeline = await _own_pipeline(db, ctx, pipeline_id)
    if job.pipeline_id == pipeline.id:
        return 0
    old = await stages_of(db, job.pipeline_id) if job.pipeline_id else []
    job.pipeline_id = pipeline.id
    stages = await stages_of(db, pipeline.id)
    known = {stage.id: stage for stage in [*old, *stages]}
    order = [(stage.id, stage.status) for stage in stages]
    applicants = list(
        await db.scalars(
            scoped(Applicant, ctx)
            .where(Applicant.job_id == job.id)
            .order_by(Applicant.id)
            .with_for_update()
        )
    )
    groups: dict[str, list[Applicant]] = {}
    for applicant in applicants:
        groups.setdefault(rules.landing_stage(order, applicant.status), []).append(applicant)
    moved = 0
    for stage_id, group in groups.items():
        moved += await move_applicants(db, group, known[stage_id], actor=ctx.user, known=known)
    return moved


async def erase_activity(db: AsyncSession, applicant_id: str) -> None:
    """Delete an applicant's timeline (erasure; the caller has checked the applicant is the
    organization's)."""
    await db.execute(
        delete(ApplicantActivity).where(ApplicantActivity.applicant_id == applicant_id)
    )


async def _erase_for_privacy(db: AsyncSession, subject: Subject) -> list[str]:
    await erase_activity(db, subject.applicant_id)
    return []


async def _export_for_privacy(db: AsyncSession, subject: Subject) -> Part:
    rows = await db.scalars(
        select(ApplicantActivity)
        .where(
            owned_by(ApplicantActivity, subject.organization_id),
            ApplicantActivity.applicant_id == subject.applicant_id,
        )
        .order_by(ApplicantActivity.created_at, ApplicantActivity.id)
    )
    return Part(
        [
            {
                "kind": str(entry.kind),
                "actorId": entry.actor_id,
                "data": dict(entry.data or {}),
                "createdAt": entry.created_at.isoformat(),
            }
            for entry in rows
        ]
    )


# The timeline (stage changes, notes and scorecards written, messages) of an applicant.
privacy_registry.register(
    Section(
        "activity",
        tables=("applicant_activity",),
        erase=_erase_for_privacy,
        export=_export_for_privacy,
        order=20,
    )
)
