"""The pipelines page ``/dashboard/{slug}/pipelines``: create a pipeline from a template,
rename it, make it the default, add, reorder and remove stages (moving a removed stage's
applicants to another), delete it. Every form works without JavaScript (POST, then 303 back
with a message)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import DomainError, Invalid
from wegotwork.models import ApplicantStatus
from wegotwork.pipelines import actions, queries, rules
from wegotwork.pipelines.rules import STATUS_LABELS
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.web.dashboard import render_dashboard

router = APIRouter(prefix="/dashboard/{slug}/pipelines", include_in_schema=False)

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=SLUG))]
Manager = Annotated[OrgContext, Depends(require(Permission.MANAGE_PIPELINES, via=SLUG))]


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _back(ctx: OrgContext, message: str, services: Any, kind: str = "success") -> Response:
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/pipelines", status_code=303)
    services.templates.flash(response, message, kind)
    return response


@router.get("")
async def index(request: Request, ctx: Viewer, services: ServicesDep, db: DbSession) -> Response:
    views = await queries.list_pipelines(db, ctx)
    held = {
        view.pipeline.id: await queries.applicants_per_stage(db, ctx, view.pipeline.id)
        for view in views
    }
    kits = await queries.kits(db, [stage.id for view in views for stage in view.stages])
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "pipelines/index.html",
        {
            "pipelines": views,
            "kits": kits,
            "held": held,
            "templates": rules.TEMPLATE_LABELS,
            "statuses": list(ApplicantStatus),
            "status_labels": STATUS_LABELS,
            "can_manage": ctx.can(Permission.MANAGE_PIPELINES),
        },
        section="pipelines",
    )


@router.post("")
async def create(request: Request, ctx: Manager, services: ServicesDep, db: DbSession) -> Response:
    form = await request.form()
    data = actions.PipelineInput(name=_text(form, "name"), template=_text(form, "template") or None)
    try:
        view = await actions.create_pipeline(db, ctx, data)
    except DomainError as exc:
        # Nothing is committed: the request's session is rolled back after the response.
        return _back(ctx, exc.message, services, "error")
    await db.commit()
    return _back(ctx, f"Created the pipeline “{view.pipeline.name}”.", services)


async def _change(db: DbSession, ctx: OrgContext, pipeline_id: str, action: str, form: Any) -> str:
    """Apply one button of the page to the pipeline; the message to show."""
    if action == "delete":
        name = await actions.delete_pipeline(db, ctx, pipeline_id)
        return f"Deleted the pipeline “{name}”."
    if action == "rename":
        view = await actions.update_pipeline(
            db, ctx, pipeline_id, actions.PipelineChange(name=_text(form, "name"))
        )
        return f"Renamed to “{view.pipeline.name}”."
    if action == "default":
        view = await actions.update_pipeline(
            db, ctx, pipeline_id, actions.PipelineChange(is_default=True)
        )
        return f"New jobs now use “{view.pipeline.name}”."
    current = await queries.get_pipeline(db, ctx, pipeline_id)
    stages = [rules.StageSpec(s.name, s.status, s.id) for s in current.stages]
    stage_id = _text(form, "stage")
    move_to: dict[str, str] = {}
    if action == "add":
        status = _text(form, "status").upper()
        if status not in ApplicantStatus.__members__:
            raise Invalid.field("status", "Choose what the stage means")
        stages = rules.with_stage_added(
            stages, rules.StageSpec(_text(form, "name"), ApplicantStatus(status))
        )
        message = f"Added the stage “{rules.clean_name(_text(form, 'name'))}”."
    elif action in {"up", "down"}:
        stages = rules.with_stage_moved(stages, stage_id, -1 if action == "up" else 1)
        message = "Stage order saved."
    elif action == "order":
        stages = rules.with_stage_order(stages, [str(value) for value in form.getlist("ids")])
        message = "Stage order saved."
    elif action == "remove":
        stages = rules.without_stage(stages, stage_id)
        if _text(form, "moveTo"):
            move_to = {stage_id: _text(form, "moveTo")}
        message = "Stage removed."
    else:
        raise Invalid.field("action", "Unknown action")
    await actions.update_pipeline(
        db, ctx, pipeline_id, actions.PipelineChange(stages=stages, move_to=move_to)
    )
    return message


@router.post("/{pipelineId}")
async def change(
    pipelineId: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    form = await request.form()
    try:
        message = await _change(db, ctx, pipelineId, _text(form, "action"), form)
    except DomainError as exc:
        # Nothing is committed: the request's session is rolled back after the response.
        return _back(ctx, exc.message, services, "error")
    await db.commit()
    return _back(ctx, message, services)
