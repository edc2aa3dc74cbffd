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

Each job's ``<job>`` element is kept (per process, in ``FeedPieces``) with the exact values it
was written from: the job's row, the organization's name and slug and the site's URLs. A later
render (the careers content changed, so the whole document was dropped from the render cache)
reads the rows again and reuses every element whose values are unchanged, so only the jobs that
changed are written again. Comparing the values, not a version or a timestamp, keeps the reuse
exact whatever changed the row. The pieces of jobs no longer in the feed go when a render
completes, and the whole is bounded in bytes.
"""

from __future__ import annotations

import io
import re
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from sqlalchemy import DateTime, String, case, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

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

# Enum values and timestamps are read as the database returns them (strings; on SQLite naive
# datetimes) and converted only for a job that is written: no conversion per row and column
# for the rows whose kept element is reused.
_COLUMNS = (
    Job.id,
    Job.title,
    type_coerce(Job.published_at, DateTime()),
    type_coerce(Job.created_at, DateTime()),
    type_coerce(Job.type, String()),
    Job.country,
    Job.city,
    Job.region,
    Job.postal_code,
    Job.address,
    type_coerce(Job.work_mode, String()),
    type_coerce(Job.experience_level, String()),
    Job.show_salary,
    Job.salary_min,
    Job.salary_max,
    Job.salary_currency,
    type_coerce(Job.salary_interval, String()),
    type_coerce(Job.valid_through, DateTime()),
    # The Markdown is needed only when no rendered description is stored.
    case((Job.description_html.is_(None), Job.description), else_=None),
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


def _utc(value: datetime) -> datetime:
    """A timestamp as read (aware on PostgreSQL, naive UTC on SQLite) in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _write_job(xf: Any, settings: Settings, name: str, slug: str, row: Any) -> None:
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
        _add(xf, "date", rfc822(_utc(published_at or created_at)), ours=True)
        _add(xf, "referencenumber", job_id, ours=True)
        _add(xf, "url", job_url(settings, slug, job_id), ours=True)
        _add(xf, "company", name)
        _add(xf, "sourcename", name)
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
            _add(xf, "expirationdate", rfc822(_utc(valid_through)), ours=True)


Values = tuple[Any, ...]


@dataclass(slots=True)
class _Organization:
    """One organization's kept pieces: job id → (the values written from, the element)."""

    context: Values
    jobs: dict[str, tuple[Values, bytes]] = field(default_factory=dict)
    size: int = 0
    # Each piece's share of ``size``, so a render that reuses a piece need not measure it again.
    sizes: dict[str, int] = field(default_factory=dict)


def _size(values: Values, piece: bytes) -> int:
    return len(piece) + sum(len(v) for v in values if isinstance(v, str)) + 64 * len(values)


class FeedPieces:
    """Rendered ``<job>`` elements kept by the values they were written from, per organization,
    bounded in bytes (the organizations used least recently go first)."""

    def __init__(self, max_bytes: int = 48 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._organizations: OrderedDict[str, _Organization] = OrderedDict()

    @property
    def size(self) -> int:
        return sum(kept.size for kept in self._organizations.values())

    def kept(self, organization_id: str, context: Values) -> dict[str, tuple[Values, bytes]]:
        """The pieces of an organization written in this ``context`` (empty when it changed)."""
        kept = self._organizations.get(organization_id)
        if kept is None or kept.context != context:
            return {}
        self._organizations.move_to_end(organization_id)
        return kept.jobs

    def replace(
        self, organization_id: str, context: Values, jobs: dict[str, tuple[Values, bytes]]
    ) -> None:
        """Keep exactly ``jobs`` (the pieces of one complete render) for the organization."""
        old = self._organizations.pop(organization_id, None)
        before = old.jobs if old is not None else {}
        sizes: dict[str, int] = {}
        for job_id, item in jobs.items():
            # A piece reused as it was kept (the very same pair) keeps its measured size.
            sizes[job_id] = (
                old.sizes[job_id]
                if old is not None and before.get(job_id) is item
                else _size(*item)
            )
        size = sum(sizes.values())
        if size > self.max_bytes:
            return
        self._organizations[organization_id] = _Organization(context, jobs, size, sizes)
        total = self.size
        while total > self.max_bytes:
            _, dropped = self._organizations.popitem(last=False)
            total -= dropped.size

    def clear(self) -> None:
        self._organizations.clear()


PIECES = FeedPieces()


def _drain(buffer: io.BytesIO) -> bytes:
    piece = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return piece


def _query(organization_id: str) -> Any:
    return (
        select(*_COLUMNS)
        .outerjoin(JobCategory, JobCategory.id == Job.category_id)
        .where(owned_by(Job, organization_id), Job.status == JobStatus.PUBLISHED)
        .order_by(Job.published_at.desc(), Job.created_at.desc(), Job.id)
        .execution_options(yield_per=BATCH)
    )


async def jobs_feed(
    database: Database,
    settings: Settings,
    organization_id: str,
    slug: str,
    pieces: FeedPieces | None = None,
) -> AsyncIterator[bytes]:
    """The feed document of the organization ``organization_id`` (careers site at ``slug``) in
    pieces: the head at once, before anything is read, then one piece per batch of jobs.

    The organization itself is read after the head has gone out, with the jobs, on one
    connection; should it be gone by then, the document closes with no jobs."""
    pieces = PIECES if pieces is None else pieces
    buffer = io.BytesIO()
    with etree.xmlfile(buffer, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("source"):
            with xf.element("publisher"):
                xf.write(PUBLISHER)
            with xf.element("publisherurl"):
                xf.write(xml_text(careers_url(settings, slug)))
            xf.flush()
            yield _drain(buffer)
            async with database.sessionmaker() as db:
                # Core rows on the session's connection: no ORM result machinery per row.
                connection = await db.connection()
                found = (
                    await connection.execute(
                        select(Organization.name, Organization.slug).where(
                            Organization.id == organization_id
                        )
                    )
                ).first()
                if found is not None:
                    name, canonical = found
                    # Closed here if the visitor goes away, before the connection is released.
                    async with aclosing(
                        _jobs(
                            xf,
                            buffer,
                            settings,
                            connection,
                            organization_id,
                            name,
                            canonical,
                            pieces,
                        )
                    ) as jobs:
                        async for piece in jobs:
                            yield piece
    yield _drain(buffer)


async def _jobs(
    xf: Any,
    buffer: io.BytesIO,
    settings: Settings,
    connection: AsyncConnection,
    organization_id: str,
    name: str,
    slug: str,
    pieces: FeedPieces,
) -> AsyncGenerator[bytes]:
    # Everything besides the row that a job's element is written from.
    context: Values = (name, slug, careers_url(settings, slug), job_url(settings, slug, ""))
    kept = pieces.kept(organization_id, context)
    written: dict[str, tuple[Values, bytes]] = {}
    result = await connection.stream(_query(organization_id))
    async for batch in result.partitions(BATCH):
        out: list[bytes] = []
        for row in batch:
            values = tuple(row)
            job_id = values[0]
            found = kept.get(job_id)
            if found is None or found[0] != values:
                _write_job(xf, settings, name, slug, values)
                xf.flush()
                found = (values, _drain(buffer))
            written[job_id] = found
            out.append(found[1])
        yield b"".join(out)
    pieces.replace(organization_id, context, written)
