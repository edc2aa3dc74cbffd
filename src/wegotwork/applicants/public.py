"""The candidate's side in HTML: the application form posted from the public job page (works
without JavaScript), and the confirmation page after it.

Both work on the main site (``/careers/{slug}/jobs/{id}/apply``) and on an organization's
careers host (``/jobs/{id}/apply``, which the careers middleware serves from the same route);
links and redirects stay on the host the candidate is on.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wegotwork.applicants import actions
from wegotwork.applicants.actions import JOB_NOT_FOUND
from wegotwork.applicants.intake import HONEYPOT, ApplicationIntake
from wegotwork.applicants.ratelimit import client_ip, limiter_for
from wegotwork.careers.render import render_job_page
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import DomainError, NotFound, RateLimited
from wegotwork.forms.spam import FIELD as FORM_TOKEN
from wegotwork.forms.spam import is_signed
from wegotwork.organizations.rules import logo_url as stored_logo_url
from wegotwork.urls import link_root
from wegotwork.web.forms import errors_from_domain

router = APIRouter(include_in_schema=False)


def _root(request: Request, slug: str) -> str:
    """The prefix of careers links on the host this request came to."""
    host: str | None = (request.scope.get("state") or {}).get("careers_host")
    return link_root(slug, host)


def kept_token(services: ServicesDep, token: str | None) -> str | None:
    """The render token the refused form was sent with, when it is genuine (the time counts
    from when the form was first served); else None (a fresh one)."""
    if token and is_signed(services.settings.signing_secret(), token):
        return token.strip()
    return None


@router.post("/careers/{slug}/jobs/{jobId}/apply", response_class=HTMLResponse)
async def apply_form(
    slug: str, jobId: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    """Take the form's application. Success (or a bot caught by the honeypot) redirects to
    the confirmation page; a refusal shows the job page again with the status of the refusal,
    each error next to its field and what was typed kept (the file must be chosen again). A
    job that closed in the meantime shows its closed page with 404."""
    intake = ApplicationIntake(services, db)
    try:
        opening = await intake.open(jobId)
        if opening.organization_slug.lower() != slug.lower():
            raise NotFound(JOB_NOT_FOUND)
        limiter = limiter_for(services)
        if limiter is not None:
            try:
                await limiter.hit(client_ip(request))
            except RateLimited:
                # Refused before anything is stored, but what was typed is shown again.
                await intake.read_values(request.stream(), request.headers.get("content-type", ""))
                raise
        await intake.receive(
            request.stream(), request.headers.get("content-type", ""), human_check=True
        )
    except NotFound:
        await db.rollback()
        # A closed job still has a page that says so; drafts and unknown jobs are plain 404s.
        return await render_job_page(request, services, db, slug, jobId, status_code=404)
    except DomainError as exc:
        await db.rollback()
        if intake.opening is None:
            raise
        response = await render_job_page(
            request,
            services,
            db,
            intake.opening.organization_slug,
            intake.opening.job_id,
            form_values={
                **{k: v for k, v in intake.values.items() if k != HONEYPOT},
                "answers": intake.answers,
            },
            form_errors=errors_from_domain(exc),
            status_code=exc.status,
            form_token=kept_token(services, intake.values.get(FORM_TOKEN)),
        )
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return RedirectResponse(
        f"{_root(request, opening.organization_slug)}/jobs/{opening.job_id}/applied",
        status_code=303,
    )


@router.get("/careers/{slug}/jobs/{jobId}/applied", response_class=HTMLResponse)
async def applied(
    slug: str, jobId: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    """Where the form lands after a successful application, in the careers site's frame."""
    job, organization = await actions.job_for_confirmation(db, slug, jobId)
    logo = stored_logo_url(organization.logo)
    website = organization.website or ""
    return services.templates.render(
        request,
        "applicants/applied.html",
        {
            "org": organization,
            "job": job,
            "root": _root(request, organization.slug),
            # Only a logo served from this site can show: the page's CSP allows no other images.
            "logo_url": logo if logo and logo.startswith("/") else None,
            "website": website if website.startswith(("https://", "http://")) else None,
            "auth": None,
        },
        headers={"Cache-Control": "no-store"},
    )
