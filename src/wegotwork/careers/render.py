"""What the careers pages and the apply pages render alike: the organization's header
context, the visitor's tracking parameters, and a job's public page (with the apply form)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.analytics.rules import TRACKING_PARAMETERS, clean_source
from wegotwork.careers.queries import public_job
from wegotwork.careers.seo import job_posting, script_json
from wegotwork.clock import now as clock_now
from wegotwork.deps import Services
from wegotwork.errors import NotFound
from wegotwork.forms.queries import public_form
from wegotwork.forms.schema import build_schema
from wegotwork.forms.spam import render_token
from wegotwork.jobs.markdown import plain_text, render_markdown
from wegotwork.jobs.rules import TYPE_LABELS
from wegotwork.models import Organization
from wegotwork.organizations.rules import logo_url as stored_logo_url
from wegotwork.urls import absolute, careers_url, job_url, link_root


def tracking_of(request: Request) -> list[tuple[str, str]]:
    """The ``src`` and ``utm_source`` of the URL (where the visitor came from), to keep on the
    links and the apply form. They come from the URL alone, so a cached page stays the same for
    everyone who follows the same link."""
    found: list[tuple[str, str]] = []
    for name in TRACKING_PARAMETERS:
        value = clean_source(request.query_params.get(name, ""))
        if value:
            found.append((name, value))
    return found


def careers_host(request: Request) -> str | None:
    host: str | None = request.scope.get("state", {}).get("careers_host")
    return host


def org_context(services: Services, request: Request, organization: Organization) -> dict[str, Any]:
    """What every careers template needs about the organization and where links point."""
    logo = stored_logo_url(organization.logo)
    website = organization.website
    return {
        "org": organization,
        # Only a logo served from this site can show: the page's CSP allows no other images.
        "logo_url": logo if logo and logo.startswith("/") else None,
        "logo_absolute": absolute(services.settings, logo) if logo else None,
        "website": website if website and website.startswith(("https://", "http://")) else None,
        "root": link_root(organization.slug, careers_host(request)),
        "careers_url": careers_url(services.settings, organization.slug),
        "auth": None,
    }


async def render_job_page(
    request: Request,
    services: Services,
    db: AsyncSession,
    slug: str,
    job_id: str,
    *,
    form_values: dict[str, Any] | None = None,
    form_errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
    form_token: str | None = None,
) -> Response:
    """The public page of a published job, or of a closed one (410, saying it is closed and
    linking to the open jobs). Raises NotFound for drafts and unknown jobs.

    A published job's page includes the apply form (``applicants/apply_form.html``) with
    ``org``, ``job``, ``form_values`` and ``form_errors`` (and ``root``, the prefix of links on
    this host: ``{{ root }}/jobs/{{ job.id }}/apply`` works on the main site and on a careers
    host); the apply handler calls this again to show what was typed and what is wrong.
    """
    item = await public_job(db, job_id, slug=slug)
    organization, job = item.organization, item.job
    if not item.accepting and status_code == 200:
        status_code = 410  # gone for good: search engines drop it, the page says where to go
    context = {
        **org_context(services, request, organization),
        "item": item,
        "job": job,
        "category": item.category,
        "type_label": TYPE_LABELS[job.type],
        "description_html": render_markdown(job.description),
        "meta_description": plain_text(job.description) or f"{job.title} at {organization.name}",
        "canonical": job_url(services.settings, organization.slug, job.id),
        "jsonld": script_json(job_posting(services.settings, item)),
        "form_values": form_values or {},
        "form_errors": form_errors or {},
        "apply_source": next((value for _name, value in tracking_of(request)), ""),
        # Application forms: the page renders the questions from the job's schema, and the
        # form carries its signed render time (see forms.spam).
        "application_schema": await _application_schema(services, job.id)
        if item.accepting
        else None,
        # A form shown again after a refusal keeps the time it was first served.
        "form_token": form_token or render_token(services.settings.signing_secret(), clock_now()),
    }
    return services.templates.render(request, "careers/job.html", context, status_code=status_code)


async def _application_schema(services: Services, job_id: str) -> dict[str, Any] | None:
    try:
        return build_schema(await public_form(services.db, job_id))
    except NotFound:
        return None
