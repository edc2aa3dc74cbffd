"""The job-board feed: an organization's published jobs in the XML format job boards ingest
(Indeed's ``<source><job>…</job></source>``), streamed.

The declaration and the opening ``<source>`` go out at once, then each batch of jobs as it is
read, so the first byte leaves before the database has been read in full and memory stays flat
however many jobs there are. lxml's incremental writer (``etree.xmlfile``) writes the
elements, so the markup is the library's, never assembled by hand; each batch is flushed from its
buffer as one piece. Text goes in CDATA sections, as job boards expect; a text that holds
``]]>`` (which would end a CDATA section) is written as ordinary escaped text instead, and
characters XML 1.0 cannot carry (control characters) are dropped, so the feed is always
well-formed.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import select

from wegotwork.careers.seo import rfc822
from wegotwork.db import Database
from wegotwork.jobs.markdown import render_markdown
from wegotwork.jobs.rules import LEVEL_LABELS, country_name
from wegotwork.jobs.salary import salary_label
from wegotwork.models import (
    ExperienceLevel,
    Job,
    JobCategory,
    JobStatus,
    JobType,
    Organization,
    SalaryInterval,
    WorkMode,
)
from wegotwork.settings import Settings
from wegotwork.tenancy.scoping import owned_by
from wegotwork.urls import careers_url, job_url

BATCH = 500
PUBLISHER = "WeGotWork"

# What XML 1.0 allows in a document: tab, newline, carriage return and the printable planes.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

JOB_TYPES: dict[JobType, str] = {
    JobType.FULLTIME: "fulltime",
    JobType.PARTTIME: "parttime",
    JobType.FULLTIME_PARTTIME: "fulltime, parttime",
    JobType.INTERNSHIP: "internship",
    JobType.CONTRACT: "contract",
}
REMOTE_TYPES: dict[WorkMode, str | None] = {
    WorkMode.ONSITE: None,
    WorkMode.HYBRID: "Hybrid remote",
    WorkMode.REMOTE: "Fully remote",
}
EXPERIENCE: dict[ExperienceLevel, str] = {
    ExperienceLevel.ENTRY: "0-1 years",
    ExperienceLevel.MID: "2+ years",
    ExperienceLevel.SENIOR: "5+ years",
    ExperienceLevel.LEAD: "7+ years",
    ExperienceLevel.EXECUTIVE: "10+ years",
}

_COLUMNS = (
    Job.id,
    Job.title,
    Job.published_at,
    Job.created_at,
    Job.type,
    Job.country,
    Job.city,
    Job.region,
    Job.postal_code,
    Job.address,
    Job.work_mode,
    Job.experience_level,
    Job.show_salary,
    Job.salary_min,
    Job.salary_max,
    Job.salary_currency,
    Job.salary_interval,
    Job.valid_through,
    Job.description,
    Job.description_html,
    JobCategory.name,
)


def xml_text(value: str) -> str:
    """``value`` without the characters an XML 1.0 document cannot hold."""
    return _NOT_XML.sub("", value)


def _add(xf: Any, tag: str, value: str | None, *, ours: bool = False) -> None:
    """``<tag>`` with ``value`` as CDATA (escaped text when CDATA cannot hold it). ``ours``:
    a value we made (a date, an id, a URL, a label) that needs no cleaning."""
    text = (value or "") if ours else xml_text(value or "")
    with xf.element(tag):
        xf.write(text if "]]>" in text else etree.CDATA(text))


def _write_job(xf: Any, settings: Settings, organization: Organization, row: Any) -> None:
    (
        job_id,
        title,
        published_at,
        created_at,
        kind,
        country,
        city,
        region,
        postal_code,
        address,
        work_mode,
        level,
        show_salary,
        salary_min,
        salary_max,
        currency,
        interval,
        valid_through,
        description,
        description_html,
        category,
    ) = row
    with xf.element("job"):
        _add(xf, "title", title)
        _add(xf, "date", rfc822(published_at or created_at), ours=True)
        _add(xf, "referencenumber", job_id, ours=True)
        _add(xf, "url", job_url(settings, organization.slug, job_id), ours=True)
        _add(xf, "company", organization.name)
        _add(xf, "sourcename", organization.name)
        _add(xf, "city", city)
        _add(xf, "state", region)
        _add(xf, "country", country_name(country) if country else "")
        _add(xf, "postalcode", postal_code)
        _add(xf, "streetaddress", address)
        html = description_html if description_html is not None else render_markdown(description)
        _add(xf, "description", html or title)
        if show_salary:
            _add(
                xf,
                "salary",
                salary_label(salary_min, salary_max, currency, SalaryInterval(interval), country),
            )
        _add(xf, "jobtype", JOB_TYPES[JobType(kind)], ours=True)
        if category:
            _add(xf, "category", category)
        mode = WorkMode(work_mode)
        _add(xf, "experience", EXPERIENCE[ExperienceLevel(level)], ours=True)
        _add(xf, "level", LEVEL_LABELS[ExperienceLevel(level)], ours=True)
        remote = REMOTE_TYPES[mode]
        if remote:
            _add(xf, "remotetype", remote, ours=True)
        if isinstance(valid_through, datetime):
            _add(xf, "expirationdate", rfc822(valid_through), ours=True)


def _drain(buffer: io.BytesIO) -> bytes:
    piece = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return piece


async def jobs_feed(
    database: Database, settings: Settings, organization: Organization
) -> AsyncIterator[bytes]:
    """The feed document in pieces: the head at once, then one piece per batch of jobs."""
    query = (
        select(*_COLUMNS)
        .outerjoin(JobCategory, JobCategory.id == Job.category_id)
        .where(owned_by(Job, organization.id), Job.status == JobStatus.PUBLISHED)
        .order_by(Job.published_at.desc(), Job.created_at.desc(), Job.id)
        .execution_options(yield_per=BATCH)
    )
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("source"):
            with xf.element("publisher"):
                xf.write(PUBLISHER)
            with xf.element("publisherurl"):
                xf.write(xml_text(careers_url(settings, organization.slug)))
            xf.flush()
            yield _drain(buffer)
            async with database.sessionmaker() as db:
                result = await db.stream(query)
                async for batch in result.partitions(BATCH):
                    for row in batch:
                        _write_job(xf, settings, organization, row)
                    xf.flush()
                    yield _drain(buffer)
    yield _drain(buffer)
