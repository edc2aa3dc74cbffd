"""What search engines and feed readers read: schema.org JobPosting JSON-LD, Open Graph."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from wegotwork.careers.queries import PublicJob
from wegotwork.jobs.markdown import render_markdown
from wegotwork.jobs.rules import country_name
from wegotwork.models import ExperienceLevel, Job, JobStatus, JobType, SalaryInterval, WorkMode
from wegotwork.organizations.rules import logo_url as stored_logo_url
from wegotwork.settings import Settings
from wegotwork.urls import absolute, job_url

EMPLOYMENT_TYPES: dict[JobType, str | list[str]] = {
    JobType.FULLTIME: "FULL_TIME",
    JobType.PARTTIME: "PART_TIME",
    JobType.FULLTIME_PARTTIME: ["FULL_TIME", "PART_TIME"],
    JobType.INTERNSHIP: "INTERN",
    JobType.CONTRACT: "CONTRACTOR",
}

# Google's unitText for baseSalary.
SALARY_UNITS: dict[SalaryInterval, str] = {
    SalaryInterval.HOUR: "HOUR",
    SalaryInterval.DAY: "DAY",
    SalaryInterval.WEEK: "WEEK",
    SalaryInterval.MONTH: "MONTH",
    SalaryInterval.YEAR: "YEAR",
}

# Months of experience a level asks for (experienceRequirements); entry level asks for none.
EXPERIENCE_MONTHS: dict[ExperienceLevel, int] = {
    ExperienceLevel.ENTRY: 0,
    ExperienceLevel.MID: 24,
    ExperienceLevel.SENIOR: 60,
    ExperienceLevel.LEAD: 84,
    ExperienceLevel.EXECUTIVE: 120,
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
    logo = stored_logo_url(organization.logo)
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
        closed = iso(job.updated_at)
        data["validThrough"] = min(closed, iso(job.valid_through)) if job.valid_through else closed
    elif job.valid_through is not None:
        data["validThrough"] = iso(job.valid_through)
    address = postal_address(job)
    if address is not None and job.work_mode is not WorkMode.REMOTE:
        data["jobLocation"] = {"@type": "Place", "address": address}
    if job.work_mode is WorkMode.REMOTE:
        # Only a fully remote job is TELECOMMUTE; a hybrid one is at its office.
        data["jobLocationType"] = "TELECOMMUTE"
        if job.country:
            data["applicantLocationRequirements"] = {
                "@type": "Country",
                "name": country_name(job.country),
            }
        elif address is not None:
            data["jobLocation"] = {"@type": "Place", "address": address}
    months = EXPERIENCE_MONTHS[job.experience_level]
    data["experienceRequirements"] = (
        {"@type": "OccupationalExperienceRequirements", "monthsOfExperience": months}
        if months
        else "no requirements"
    )
    salary = base_salary(job)
    if salary is not None:
        data["baseSalary"] = salary
    if item.category is not None:
        data["occupationalCategory"] = item.category.name
    return data


def postal_address(job: Job) -> dict[str, Any] | None:
    """The job's address as a schema.org PostalAddress (None without any part of one)."""
    parts = {
        "streetAddress": job.address,
        "addressLocality": job.city,
        "addressRegion": job.region,
        "postalCode": job.postal_code,
        "addressCountry": job.country,
    }
    present = {name: value for name, value in parts.items() if value}
    if not present:
        return None
    return {"@type": "PostalAddress", **present}


def base_salary(job: Job) -> dict[str, Any] | None:
    """``baseSalary`` as Google reads it: a MonetaryAmount whose value is a QuantitativeValue
    with the range and its unit. None unless the job shows its salary."""
    if not job.show_salary or (job.salary_min is None and job.salary_max is None):
        return None
    value: dict[str, Any] = {
        "@type": "QuantitativeValue",
        "unitText": SALARY_UNITS[job.salary_interval],
    }
    if (
        job.salary_min is not None
        and job.salary_max is not None
        and (job.salary_min != job.salary_max)
    ):
        value["minValue"] = job.salary_min
        value["maxValue"] = job.salary_max
    else:
        value["value"] = job.salary_min if job.salary_min is not None else job.salary_max
    return {"@type": "MonetaryAmount", "currency": job.salary_currency, "value": value}


def item_list(urls: list[str]) -> dict[str, Any]:
    """schema.org ``ItemList`` of the careers page: each job page in the order shown (Google's
    summary-page carousel form: ListItem with position and url)."""
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "numberOfItems": len(urls),
        "itemListElement": [
            {"@type": "ListItem", "position": index, "url": url}
            for index, url in enumerate(urls, start=1)
        ],
    }


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
