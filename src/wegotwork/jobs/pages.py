"""The jobs pages: the list ``/dashboard/{slug}/jobs`` (filter, search, create with a title) and
the editor ``/dashboard/{slug}/jobs/{jobId}`` (every field, a live Markdown preview, delete)."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.errors import DomainError
from wegotwork.jobs import actions
from wegotwork.jobs.markdown import render_markdown
from wegotwork.jobs.rules import (
    DESCRIPTION_MAX,
    LEVEL_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    WORK_MODE_LABELS,
    countries,
    country_name,
    location_label,
)
from wegotwork.jobs.salary import INTERVAL_NAMES, currency_choices
from wegotwork.jobs.schemas import JobCreate, JobDeleteConfirm, JobEditForm, JobFilters, JobUpdate
from wegotwork.messages.actions import UNDECIDED_APPLICANTS
from wegotwork.models import Job, JobStatus
from wegotwork.pipelines.queries import list_pipelines
from wegotwork.storage.cleanup import discard_files
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.urls import job_url
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import errors_from_domain, parse_form

router = APIRouter(prefix="/dashboard/{slug}/jobs", include_in_schema=False)

Manager = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS, via=SLUG))]


def wants_fragment(request: Request) -> bool:
    """An htmx request that swaps part of the page (a history restore needs the whole page)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != (
        "true"
    )


def _labels() -> dict[str, Any]:
    return {
        "type_labels": {str(key): label for key, label in TYPE_LABELS.items()},
        "status_labels": {str(key): label for key, label in STATUS_LABELS.items()},
        "work_mode_labels": {str(key): label for key, label in WORK_MODE_LABELS.items()},
        "level_labels": {str(key): label for key, label in LEVEL_LABELS.items()},
        "interval_labels": {str(key): label for key, label in INTERVAL_NAMES.items()},
        "location_label": location_label,
    }


def _filters(request: Request) -> tuple[JobFilters, dict[str, str]]:
    raw = {key: value for key, value in request.query_params.items() if value}
    try:
        return JobFilters.model_validate(raw), raw
    except ValidationError:
        return JobFilters(), raw


async def _list_page(
    request: Request,
    services: Services,
    db: AsyncSession,
    ctx: OrgContext,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    filters, raw = _filters(request)
    rows = await actions.list_jobs(db, ctx, filters)
    context = {
        "rows": rows,
        "job_link": partial(job_url, services.settings, ctx.organization.slug),
        "filters": raw,
        "filtered": bool(filters.status or filters.q or filters.category_id),
        "values": values or {},
        "errors": errors or {},
        **_labels(),
    }
    if wants_fragment(request):
        return services.templates.render(
            request, "jobs/_table.html", {"org": ctx.organization, **context}
        )
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "jobs/index.html",
        context,
        section="jobs",
        status_code=status_code,
    )


@router.get("")
async def index(request: Request, ctx: Manager, services: ServicesDep, db: DbSession) -> Response:
    return await _list_page(request, services, db, ctx)


@router.post("")
async def create(request: Request, ctx: Manager, services: ServicesDep, db: DbSession) -> Response:
    form = await parse_form(request, JobCreate)
    if form.data is None:
        return await _list_page(
            request, services, db, ctx, values=form.values, errors=form.errors, status_code=422
        )
    job = await actions.create_job(db, ctx, form.data)
    await db.commit()
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/jobs/{job.id}", 303)
    services.templates.flash(response, "Job created. Fill in the details and publish it.")
    return response


def _values_of(job: Job) -> dict[str, Any]:
    return {
        "title": job.title,
        "type": str(job.type),
        "categoryId": job.category_id or "",
        "country": country_name(job.country),
        "city": job.city or "",
        "workMode": str(job.work_mode),
        "experienceLevel": str(job.experience_level),
        "address": job.address or "",
        "postalCode": job.postal_code or "",
        "region": job.region or "",
        "salaryMin": "" if job.salary_min is None else str(job.salary_min),
        "salaryMax": "" if job.salary_max is None else str(job.salary_max),
        "salaryCurrency": job.salary_currency,
        "salaryInterval": str(job.salary_interval),
        "showSalary": job.show_salary,
        "validThrough": job.valid_through.date().isoformat() if job.valid_through else "",
        "description": job.description,
        "status": str(job.status),
        "pipelineId": job.pipeline_id or "",
    }


async def _editor(
    request: Request,
    services: Services,
    db: AsyncSession,
    ctx: OrgContext,
    job_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    delete_errors: dict[str, list[str]] | None = None,
    undecided_url: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    row = await actions.get_job(db, ctx, job_id)
    shown = values if values is not None else _values_of(row.job)
    context = {
        "row": row,
        "job": row.job,
        "public_url": job_url(services.settings, ctx.organization.slug, row.job.id),
        "values": shown,
        "errors": errors or {},
        "delete_errors": delete_errors or {},
        "undecided_url": undecided_url,
        "category_options": [
            (category.id, category.name) for category in await actions.category_choices(db, ctx)
        ],
        "pipeline_options": [
            (view.pipeline.id, view.pipeline.name) for view in await list_pipelines(db, ctx)
        ],
        "countries": countries(),
        "currency_options": currency_choices(),
        "preview": render_markdown(str(shown.get("description", ""))),
        "description_max": DESCRIPTION_MAX,
        **_labels(),
    }
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "jobs/editor.html",
        context,
        section="jobs",
        status_code=status_code,
    )


@router.get("/{job_id}")
async def editor(
    job_id: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    return await _editor(request, services, db, ctx, job_id)


@router.post("/{job_id}")
async def save(
    job_id: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    form = await parse_form(request, JobEditForm, checkboxes=("showSalary",))
    if form.data is None:
        return await _editor(
            request,
            services,
            db,
            ctx,
            job_id,
            values=form.values,
            errors=form.errors,
            status_code=422,
        )
    before = (await actions.get_job(db, ctx, job_id)).job.status
    try:
        job = await actions.update_job(db, ctx, job_id, form.data.as_update())
    except DomainError as exc:
        if not exc.field_errors:
            raise
        # Closing with applicants still waiting: their list (filtered by this job) is where the
        # bulk bar rejects them with a template.
        undecided = exc.code == UNDECIDED_APPLICANTS
        return await _editor(
            request,
            services,
            db,
            ctx,
            job_id,
            values=form.values,
            errors=errors_from_domain(exc),
            undecided_url=f"/dashboard/{ctx.organization.slug}/jobs/{job_id}/applicants"
            if undecided
            else None,
            status_code=422,
        )
    await db.commit()
    message = "Saved."
    if job.status is not before:
        message = {
            JobStatus.PUBLISHED: "Published. The job is live on your careers page.",
            JobStatus.CLOSED: "Closed. The job no longer accepts applications.",
            JobStatus.DRAFT: "Moved back to draft. The job is no longer public.",
            JobStatus.ARCHIVED: "Archived. The job is hidden everywhere; its applicants stay.",
        }[job.status]
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/jobs/{job.id}", 303)
    services.templates.flash(response, message)
    return response


@router.post("/{job_id}/publish")
async def publish(
    job_id: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    """The Publish button of a draft (on the list and in the editor)."""
    job = await actions.update_job(db, ctx, job_id, JobUpdate(status=JobStatus.PUBLISHED))
    await db.commit()
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/jobs/{job.id}", 303)
    services.templates.flash(response, "Published. The job is live on your careers page.")
    return response


@router.post("/{job_id}/duplicate")
async def duplicate(
    job_id: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    """A draft copy, opened in the editor."""
    copy = await actions.duplicate_job(db, ctx, job_id)
    await db.commit()
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/jobs/{copy.id}", 303)
    services.templates.flash(response, "Duplicated. This draft is the copy; edit and publish it.")
    return response


@router.post("/{job_id}/preview")
async def preview(job_id: str, request: Request, ctx: Manager, services: ServicesDep) -> Response:
    """The description rendered exactly as the careers page will show it."""
    form = await request.form()
    text = form.get("description")
    html = render_markdown(text[:DESCRIPTION_MAX] if isinstance(text, str) else "")
    return services.templates.render(request, "jobs/_preview.html", {"preview": html})


@router.post("/{job_id}/delete")
async def delete(
    job_id: str, request: Request, ctx: Manager, services: ServicesDep, db: DbSession
) -> Response:
    form = await parse_form(request, JobDeleteConfirm)
    confirm = form.data.confirm if form.data is not None else ""
    try:
        deleted = await actions.delete_job(db, ctx, job_id, confirm_title=confirm)
    except DomainError as exc:
        if not exc.field_errors:
            raise
        return await _editor(
            request,
            services,
            db,
            ctx,
            job_id,
            delete_errors=errors_from_domain(exc),
            status_code=422,
        )
    await db.commit()
    await discard_files(services.storage, deleted.resume_keys)
    applicants = (
        f" and its {deleted.applicants} applicant{'s' if deleted.applicants != 1 else ''}"
        if deleted.applicants
        else ""
    )
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/jobs", 303)
    services.templates.flash(response, f"Deleted “{deleted.title}”{applicants}.")
    return response
