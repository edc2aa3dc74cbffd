"""Applicants in the dashboard: the overview, lists (per organization and per job), one
applicant, the board, bulk changes, CSV export, erasure and the résumé viewer."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from wegotwork.analytics.rules import clean_source
from wegotwork.applicants import actions, rules
from wegotwork.applicants.downloads import ResumeFile, resume_response
from wegotwork.applicants.overview import overview
from wegotwork.applicants.schemas import (
    DEFAULT_PAGE,
    MAX_SEARCH,
    STATUS_LABELS,
    ApplicantFilters,
    ApplicantStatusUpdate,
    BulkStatusUpdate,
)
from wegotwork.db import utcnow
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import Invalid
from wegotwork.models import ApplicantStatus
from wegotwork.onboarding.actions import checklist
from wegotwork.storage.cleanup import discard_files
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import parse_form

router = APIRouter(include_in_schema=False)

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=SLUG))]
Manager = Annotated[OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=SLUG))]
Member = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=SLUG))]

PER_COLUMN = 50
CHOOSE_BULK_STATUS = "Choose the status to move the selected applicants to."
STATUSES = list(ApplicantStatus)


def _common() -> dict[str, Any]:
    return {"statuses": STATUSES, "status_labels": STATUS_LABELS}


def _filters_from(request: Request, *, job_id: str | None = None) -> ApplicantFilters:
    """Page filters from the query string; unknown or malformed values are simply ignored."""
    params = request.query_params
    status_value = (params.get("status") or "").strip().upper()
    status = ApplicantStatus(status_value) if status_value in ApplicantStatus.__members__ else None
    q = (params.get("q") or "").strip()[:MAX_SEARCH] or None
    job = job_id or (params.get("job") or params.get("jobId") or "").strip() or None
    return ApplicantFilters(
        status=status,
        job_id=job,
        q=q,
        cursor=params.get("cursor") or None,
        limit=DEFAULT_PAGE,
        source=clean_source(params.get("source") or "") or None,
    )


def _query(filters: ApplicantFilters, **extra: str) -> str:
    values = {
        "q": filters.q or "",
        "status": filters.status.value if filters.status else "",
        "job": filters.job_id or "",
        "source": filters.source or "",
        **extra,
    }
    present = {key: value for key, value in values.items() if value}
    return urlencode(present)


@router.get("/dashboard/{slug}", response_class=HTMLResponse)
async def overview_page(
    request: Request, ctx: Member, db: DbSession, services: ServicesDep
) -> Response:
    figures = await overview(db, ctx)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "applicants/overview.html",
        {"overview": figures, "checklist": await checklist(db, ctx), **_common()},
        section="overview",
    )


async def _list_page(
    request: Request,
    ctx: OrgContext,
    db: DbSession,
    services: ServicesDep,
    *,
    job_id: str | None = None,
) -> Response:
    filters = _filters_from(request, job_id=job_id)
    job_title = await actions.get_job_title(db, ctx, job_id) if job_id else None
    try:
        page = await actions.list_applicants(db, ctx, filters)
    except Invalid:  # a stale or hand-edited cursor: show the first page instead
        filters = replace(filters, cursor=None)
        page = await actions.list_applicants(db, ctx, filters)
    base = (
        f"/dashboard/{ctx.organization.slug}/jobs/{job_id}/applicants"
        if job_id
        else f"/dashboard/{ctx.organization.slug}/applicants"
    )
    context = {
        **_common(),
        "filters": filters,
        "page": page,
        "jobs": await actions.job_choices(db, ctx),
        "sources": await actions.source_choices(db, ctx),
        "job_title": job_title,
        "fixed_job": job_id,
        "base": base,
        "next_url": f"{base}?{_query(filters, cursor=page.next_cursor)}"
        if page.next_cursor
        else None,
        "first_url": f"{base}?{_query(filters)}" if filters.cursor else None,
        "export_url": f"/dashboard/{ctx.organization.slug}/applicants/export.csv?{_query(filters)}",
        "filtered": bool(
            filters.q or filters.status or filters.source or (filters.job_id and not job_id)
        ),
    }
    return await render_dashboard(
        request, services, db, ctx, "applicants/list.html", context, section="applicants"
    )


@router.get("/dashboard/{slug}/applicants", response_class=HTMLResponse)
async def list_page(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    return await _list_page(request, ctx, db, services)


@router.get("/dashboard/{slug}/jobs/{jobId}/applicants", response_class=HTMLResponse)
async def job_list_page(
    jobId: str, request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    return await _list_page(request, ctx, db, services, job_id=jobId)


CSV_COLUMNS = (
    "Name",
    "Email",
    "Job",
    "Status",
    "Source",
    "Applied at (UTC)",
    "LinkedIn",
    "X (Twitter)",
    "GitHub",
    "Résumé",
    "Motivation",
)


@router.get("/dashboard/{slug}/applicants/export.csv")
async def export_csv(request: Request, ctx: Viewer, db: DbSession) -> Response:
    """The current filtered list as CSV, every page of it, streamed."""
    filters = _filters_from(request)

    async def rows() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # spreadsheets read UTF-8 correctly only with a BOM
        writer.writerow(CSV_COLUMNS)
        count = 0
        async for row in actions.iter_applicants(db, ctx, filters):
            applicant = row.applicant
            writer.writerow(
                [
                    rules.csv_cell(value)
                    for value in (
                        applicant.name,
                        applicant.email,
                        row.job_title,
                        STATUS_LABELS[applicant.status],
                        applicant.source,
                        applicant.created_at.strftime("%Y-%m-%d %H:%M"),
                        applicant.linkedin,
                        applicant.twitter,
                        applicant.github,
                        applicant.resume_filename,
                        applicant.motivation,
                    )
                ]
            )
            count += 1
            if count % 200 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    stamp = utcnow().strftime("%Y-%m-%d")
    filename = f"applicants-{ctx.organization.slug}-{stamp}.csv"
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/dashboard/{slug}/applicants/bulk-status")
async def bulk_status(
    request: Request, ctx: Manager, db: DbSession, services: ServicesDep
) -> Response:
    form = await parse_form(request, BulkStatusUpdate, multi=("ids",))
    values = form.values
    status_filter = str(values.get("status_filter", ""))
    back_filters = ApplicantFilters(
        status=ApplicantStatus(status_filter)
        if status_filter in ApplicantStatus.__members__
        else None,
        job_id=str(values.get("job_filter", "")) or None,
        q=str(values.get("q", ""))[:MAX_SEARCH] or None,
    )
    fixed_job = str(values.get("fixed_job", ""))
    base = f"/dashboard/{ctx.organization.slug}/applicants"
    if fixed_job:
        base = f"/dashboard/{ctx.organization.slug}/jobs/{quote(fixed_job, safe='')}/applicants"
    query = _query(back_filters)
    response = RedirectResponse(f"{base}?{query}" if query else base, status_code=303)
    if form.data is None or not form.ok:
        message = " ".join(form.errors.get("ids", [])) or CHOOSE_BULK_STATUS
        services.templates.flash(response, message, "error")
        return response
    changed = await actions.bulk_change_status(db, ctx, form.data)
    await db.commit()
    noun = "applicant" if changed == 1 else "applicants"
    services.templates.flash(
        response, f"{changed} {noun} moved to {STATUS_LABELS[form.data.status]}."
    )
    return response


@router.get("/dashboard/{slug}/board", response_class=HTMLResponse)
async def board_page(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    job_id = (request.query_params.get("job") or "").strip() or None
    columns, counts = await actions.board_columns(db, ctx, job_id=job_id, per_column=PER_COLUMN)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "applicants/board.html",
        {
            **_common(),
            "columns": columns,
            "counts": counts,
            "jobs": await actions.job_choices(db, ctx),
            "sources": await actions.source_choices(db, ctx),
            "job_id": job_id,
            "per_column": PER_COLUMN,
        },
        section="board",
    )


@router.get("/dashboard/{slug}/applicants/{applicantId}", response_class=HTMLResponse)
async def detail_page(
    applicantId: str, request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    detail = await actions.get_applicant(db, ctx, applicantId)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "applicants/detail.html",
        {**_common(), "detail": detail, "applicant": detail.applicant},
        section="applicants",
    )


@router.post("/dashboard/{slug}/applicants/{applicantId}/status")
async def status_form(
    applicantId: str, request: Request, ctx: Manager, db: DbSession, services: ServicesDep
) -> Response:
    form = await parse_form(request, ApplicantStatusUpdate)
    slug = ctx.organization.slug
    back = f"/dashboard/{slug}/applicants/{quote(applicantId, safe='')}"
    if form.values.get("next") == "board":
        back = f"/dashboard/{slug}/board"
        if form.values.get("job"):
            back += "?" + urlencode({"job": str(form.values["job"])})
    response = RedirectResponse(back, status_code=303)
    if form.data is None or not form.ok:
        services.templates.flash(
            response, " ".join(form.errors.get("status", ["Choose a status"])), "error"
        )
        return response
    applicant = await actions.change_status(db, ctx, applicantId, form.data)
    name = applicant.name
    await db.commit()
    services.templates.flash(response, f"{name} moved to {STATUS_LABELS[form.data.status]}.")
    return response


@router.post("/dashboard/{slug}/applicants/{applicantId}/erase")
async def erase_form(
    applicantId: str, ctx: Manager, db: DbSession, services: ServicesDep
) -> Response:
    key = await actions.erase_applicant(db, ctx, applicantId)
    await db.commit()
    await discard_files(services.storage, [key])
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/applicants", status_code=303)
    services.templates.flash(response, "The applicant and their résumé were erased.")
    return response


@router.get("/dashboard/{slug}/applicants/{applicantId}/resume")
async def resume_page(
    applicantId: str, request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    """The résumé: a download, or with ``?inline=1`` the PDF for the in-page viewer."""
    file = ResumeFile.of(await actions.resume_of(db, ctx, applicantId))
    # Nothing to write: free the connection while the file streams. The signed-in user stays
    # loaded (expunged, not expired), so an error page about the file can still show the header.
    db.expunge_all()
    await db.rollback()
    inline = request.query_params.get("inline") == "1"
    return await resume_response(services, file, inline=inline)
