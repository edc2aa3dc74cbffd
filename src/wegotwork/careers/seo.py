"""What search engines and feed readers read: schema.org JobPosting JSON-LD, Open Graph."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from wegotwork.careers.queries import PublicJob
from wegotwork.careers.urls import absolute, job_url, logo_url
from wegotwork.jobs.markdown import render_markdown
from wegotwork.jobs.rules import country_name
from wegotwork.models import JobStatus, JobType
from wegotwork.settings import Settings

EMPLOYMENT_TYPES: dict[JobType, str] = {
    JobType.FULLTIME: "FULL_TIME",
    JobType.PARTTIME: "PART_TIME",
    JobType.INTERNSHIP: "INTERN",
    JobType.CONTRACT: "CONTRACTOR",
}


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, to the second."""
    return value.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def rfc822(value: datetime) -> str:
    """The date format RSS wants."""
    return format_datetime(value, usegmt=True)


def job_posting(settings: Settings, item: PublicJob) -> dict[str, Any]:
    """schema.org ``JobPosting`` for Google for Jobs: every required property and every
    recommended one we hold."""
    job, organization = item.job, item.organization
    posted = job.published_at or job.created_at
    hiring: dict[str, Any] = {"@type": "Organization", "name": organization.name}
    if organization.website:
        hiring["sameAs"] = organization.website
    logo = logo_url(organization)
    if logo:
        hiring["logo"] = absolute(settings, logo)
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": job.title,
        "description": render_markdown(job.description) or f"<p>{_escape(job.title)}</p>",
        "datePosted": iso(posted),
        "employmentType": EMPLOYMENT_TYPES[job.type],
        "hiringOrganization": hiring,
        "identifier": {"@type": "PropertyValue", "name": organization.name, "value": job.id},
        "directApply": True,
        "url": job_url(settings, organization.slug, job.id),
    }
    if job.status is JobStatus.CLOSED:
        # A closed job expired when it was closed (its last change), never after now.
        data["validThrough"] = iso(job.updated_at)
    if job.city or (job.country and not job.remote):
        address: dict[str, Any] = {"@type": "PostalAddress"}
        if job.city:
            address["addressLocality"] = job.city
        if job.country:
            address["addressCountry"] = job.country
        data["jobLocation"] = {"@type": "Place", "address": address}
    if job.remote:
        data["jobLocationType"] = "TELECOMMUTE"
        if job.country:
            data["applicantLocationRequirements"] = {
                "@type": "Country",
                "name": country_name(job.country),
            }
    if item.category is not None:
        data["occupationalCategory"] = item.category.name
    return data


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def script_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/ld+json">``: no ``</script>``, no ``<!--``
    (``<``, ``>`` and ``&`` become ``\\u`` escapes, which JSON readers decode back)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
