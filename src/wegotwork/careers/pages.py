"""The public careers site: the careers page, job pages, the RSS feed and the sitemap.

No sign-in. Responses are plain renders; the public-pages middleware
(``careers.http_cache``) adds ETags, answers conditional requests and keeps rendered pages per
content version. Templates therefore use nothing that depends on the visitor.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.careers.fragments import job_items
from wegotwork.careers.http_cache import is_fragment_request, resolved_organization
from wegotwork.careers.jobs_feed import jobs_feed
from wegotwork.careers.queries import (
    CareersFilters,
    careers_listing,
    careers_snapshot,
    organization_by_slug,
    published_for_feed,
    sitemap_entries,
)
from wegotwork.careers.render import org_context, render_job_page, tracking_of
from wegotwork.careers.seo import iso, item_list, rfc822, script_json
from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.errors import NotFound
from wegotwork.jobs.markdown import render_markdown
from wegotwork.models import Organization
from wegotwork.urls import careers_url, job_url

router = APIRouter(include_in_schema=False)


@router.get("/careers/{slug}")
async def careers_page(slug: str, request: Request, services: ServicesDep) -> Response:
    """The organization's careers page: its profile and published jobs, with filters that work
    as a plain GET form and, with htmx, swap only the results."""
    snapshot = await careers_snapshot(services.db, slug)
    organization = snapshot.organization
    filters = CareersFilters.parse(request.query_params)
    listing = await careers_listing(services.db, snapshot, filters)
    tracking = tracking_of(request)
    tracking_query = f"?{urlencode(tracking)}" if tracking else ""
    header = org_context(services, request, organization)
    context = {
        **header,
        "listing": listing,
        "filters": filters,
        "tracking": tracking,
        "tracking_query": tracking_query,
        "job_item": job_items.renderer(services.templates.env, header["root"], tracking_query),
        "jsonld": script_json(
            item_list(
                [
                    job_url(services.settings, organization.slug, job.id)
                    for group in listing.groups
                    for job in group.jobs
                ]
            )
        ),
        "description": (organization.description or "").strip(),
        "meta_description": _org_summary(organization),
    }
    fragment = is_fragment_request(
        request.headers.get("hx-request"), request.headers.get("hx-history-restore-request")
    )
    template = "careers/_results.html" if fragment else "careers/index.html"
    return services.templates.render(request, template, {**context, "fragment": fragment})


def _org_summary(organization: Organization) -> str:
    text = " ".join((organization.description or "").split())
    if not text:
        return f"Open positions at {organization.name}. Apply online in a minute."
    return text if len(text) <= 200 else text[:199].rsplit(" ", 1)[0] + "…"


@router.get("/careers/{slug}/jobs/{job_id}")
async def job_page(
    slug: str, job_id: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    try:
        return await render_job_page(request, services, db, slug, job_id)
    except NotFound:
        return await not_found_page(request, services, db, slug)


async def not_found_page(
    request: Request, services: Services, db: AsyncSession, slug: str
) -> Response:
    """404 in the organization's colours, pointing at its open jobs (the plain 404 page when
    the organization itself does not exist)."""
    organization = await organization_by_slug(db, slug)
    return services.templates.render(
        request,
        "careers/not_found.html",
        org_context(services, request, organization),
        status_code=404,
    )


@router.get("/careers/{slug}/feed.xml")
async def feed(slug: str, request: Request, services: ServicesDep, db: DbSession) -> Response:
    """RSS 2.0 of the organization's published jobs, newest first."""
    organization = await organization_by_slug(db, slug)
    jobs = await published_for_feed(db, organization.id)
    settings = services.settings
    items = [
        {
            "title": job.title,
            "link": job_url(settings, organization.slug, job.id),
            "guid": job.id,
            "date": rfc822(job.published_at or job.created_at),
            "category": category,
            "description": render_markdown(job.description),
        }
        for job, category in jobs
    ]
    body = services.templates.render_string(
        "careers/feed.xml",
        {
            "org": organization,
            "link": careers_url(settings, organization.slug),
            "self_link": careers_url(settings, organization.slug, "/feed.xml"),
            "items": items,
            "updated": rfc822(
                max((job.updated_at for job, _ in jobs), default=organization.updated_at)
            ),
        },
    )
    return Response(body, media_type="application/rss+xml; charset=utf-8")


@router.get("/careers/{slug}/jobs.xml")
async def jobs_xml(slug: str, request: Request, services: ServicesDep, db: DbSession) -> Response:
    """The organization's published jobs as the XML feed job boards read, streamed.

    When the public-pages middleware has just resolved the slug (reading the content version),
    the response starts at once: no read before the first byte. Otherwise the organization is
    read first, so an unknown slug is a 404."""
    organization_id = resolved_organization(request.scope, slug)
    if organization_id is None:
        organization = await organization_by_slug(db, slug)
        await db.close()  # the feed reads with a session of its own while it streams
        organization_id, slug = organization.id, organization.slug
    return StreamingResponse(
        # Slugs are stored in lowercase (organizations/rules.py); the URL may use any case.
        jobs_feed(services.db, services.settings, organization_id, slug.lower()),
        media_type="application/xml; charset=utf-8",
    )


@router.get("/jobs.xml")
async def jobs_xml_by_query(
    request: Request,
    services: ServicesDep,
    db: DbSession,
    org: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The same feed as ``/careers/{org}/jobs.xml``, for boards that take one URL with a
    query."""
    return await jobs_xml(org, request, services, db)


@router.get("/sitemap.xml")
async def sitemap(services: ServicesDep, db: DbSession) -> Response:
    """Every public careers page and job page, with when each last changed."""
    settings = services.settings
    urls = [
        {
            "loc": job_url(settings, entry.slug, entry.job_id)
            if entry.job_id
            else careers_url(settings, entry.slug),
            "lastmod": iso(entry.modified),
        }
        for entry in await sitemap_entries(db)
    ]
    body = services.templates.render_string("careers/sitemap.xml", {"urls": urls})
    return Response(
        body,
        media_type="application/xml; charset=utf-8",
        headers={"cache-control": "public, max-age=300"},
    )
