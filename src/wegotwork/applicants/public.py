"""The candidate's side in HTML: the application form posted from the public job page (works
without JavaScript), and the confirmation page after it."""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wegotwork.applicants import actions
from wegotwork.applicants.actions import JOB_NOT_FOUND
from wegotwork.applicants.intake import HONEYPOT, ApplicationIntake
from wegotwork.applicants.ratelimit import client_ip, limiter_for
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import DomainError, NotFound
from wegotwork.web.forms import errors_from_domain

router = APIRouter(include_in_schema=False)


async def _render_job_page(
    request: Request,
    services: ServicesDep,
    db: DbSession,
    slug: str,
    job_id: str,
    *,
    form_values: dict[str, str],
    form_errors: dict[str, list[str]],
    status_code: int,
) -> Response:
    """The public job page (built by the careers site) with the form's errors and values."""
    careers: Any = importlib.import_module("wegotwork.careers.pages")
    response: Response = await careers.render_job_page(
        request,
        services,
        db,
        slug,
        job_id,
        form_values=form_values,
        form_errors=form_errors,
        status_code=status_code,
    )
    return response


@router.post("/careers/{slug}/jobs/{jobId}/apply", response_class=HTMLResponse)
async def apply_form(
    slug: str, jobId: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    intake = ApplicationIntake(services, db)
    opening = await intake.open(jobId)
    if opening.organization_slug.lower() != slug.lower():
        raise NotFound(JOB_NOT_FOUND)
    try:
        limiter = limiter_for(services)
        if limiter is not None:
            await limiter.hit(client_ip(request))
        await intake.receive(request.stream(), request.headers.get("content-type", ""))
    except NotFound:
        raise
    except DomainError as exc:
        await db.rollback()
        values = {key: value for key, value in intake.values.items() if key != HONEYPOT}
        return await _render_job_page(
            request,
            services,
            db,
            opening.organization_slug,
            opening.job_id,
            form_values=values,
            form_errors=errors_from_domain(exc),
            status_code=exc.status,
        )
    return RedirectResponse(
        f"/careers/{opening.organization_slug}/jobs/{opening.job_id}/applied", status_code=303
    )


@router.get("/careers/{slug}/jobs/{jobId}/applied", response_class=HTMLResponse)
async def applied(
    slug: str, jobId: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    """Where the form lands after a successful application."""
    job, organization = await actions.job_for_confirmation(db, slug, jobId)
    return services.templates.render(
        request,
        "applicants/applied.html",
        {"org": organization, "job": job},
        headers={"Cache-Control": "no-store"},
    )
