"""The erasure and export registry: every domain that keeps rows about an applicant registers,
once, how to erase them (returning the storage keys of its files) and how to export them (as
JSON-ready data and files). Erasing and exporting an applicant walks the registry, so a new
domain plugs in with one ``register`` call beside its actions::

    registry.register(
        Section(
            "answers",
            tables=("application_answer",),
            erase=erase_answers,    # async (db, subject) -> list[str] of storage keys
            export=export_answers,  # async (db, subject) -> Part(data, files)
        )
    )

Tables that can never hold a candidate's data are listed in ``NOT_APPLICANT_DATA`` with the
reason; ``tests/privacy/test_registry.py`` fails when a table is in neither place.

This module sits beneath the domains (it imports only models and db): domains import it, never
the other way round.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import new_id, utcnow
from wegotwork.models import PendingFileDeletion, PrivacyAction, PrivacyAudit


@dataclass(frozen=True, slots=True)
class Subject:
    """The applicant being erased or exported, read before any row goes."""

    applicant_id: str
    organization_id: str
    email: str


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A stored file that goes into the export zip as ``files/<name>``."""

    key: str
    name: str
    content_type: str = "application/octet-stream"


@dataclass(slots=True)
class Part:
    """One section's share of an export: JSON-ready data and its files."""

    data: Any
    files: list[ExportFile] = field(default_factory=list)


Eraser = Callable[[AsyncSession, Subject], Awaitable[list[str]]]
Exporter = Callable[[AsyncSession, Subject], Awaitable[Part]]


@dataclass(frozen=True, slots=True)
class Section:
    """What one domain holds about an applicant. ``order``: sections erase in ascending order
    (rows that point at others first; the applicant row itself goes last)."""

    name: str
    tables: tuple[str, ...]
    erase: Eraser
    export: Exporter
    order: int = 100


_SECTIONS: dict[str, Section] = {}

# Tables that hold no candidate's personal data, with the reason (the registry test reads it).
NOT_APPLICANT_DATA: dict[str, str] = {
    "user": "team members' accounts",
    "session": "team members' sign-ins",
    "account": "team members' credentials",
    "verification": "short-lived secrets of team members",
    "rate_limit": "hashed counters, expire on their own",
    "organization": "the employer",
    "member": "team membership",
    "invitation": "invitations of team members",
    "job_category": "the employer's categories",
    "job": "the employer's jobs",
    "pipeline": "the employer's pipelines",
    "pipeline_stage": "the employer's stages",
    "scorecard_attribute": "interview kits, not about one candidate",
    "tracked_source": "the employer's tracked links",
    "page_view_daily": "anonymous counts",
    "funnel_count": "anonymous counts kept after erasure for reports",
    "funnel_duration": "anonymous counts kept after erasure for reports",
    "funnel_count_rollup": "anonymous counts kept after erasure for reports",
    "funnel_duration_job_rollup": "anonymous counts kept after erasure for reports",
    "funnel_duration_source_rollup": "anonymous counts kept after erasure for reports",
    "import_mapping": "column mappings of imports",
    "mail_send": "who on the team sent what kind of mail when: no address, no text",
    "task_lease": "periodic job leases",
    "privacy_audit": "ids and counts only, never a name or an address",
    "privacy_pending_file": "opaque storage keys of files being deleted",
    "message_template": "the employer's mail templates",
    "rejection_reason": "the employer's list of reasons",
    "communication_settings": "the employer's reply settings",
    "library_question": "the employer's question library",
    "question": "the employer's application questions (answers are in ``answer``)",
}


def register(section: Section) -> None:
    """Add (or replace, by name) a domain's section."""
    _SECTIONS[section.name] = section


def sections() -> list[Section]:
    """Every registered section, in erasure order."""
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.name))


def covered_tables() -> set[str]:
    return {table for section in _SECTIONS.values() for table in section.tables}


async def erase(
    db: AsyncSession,
    subject: Subject,
    *,
    actor_id: str | None,
) -> list[str]:
    """Delete every registered domain's rows about ``subject`` and note their files for
    deletion, in the caller's transaction; audit it. Returns the storage keys to delete once
    the transaction has committed (``pending_keys`` finds them again after a crash)."""
    keys: list[str] = []
    for section in sections():
        found = await section.erase(db, subject)
        keys.extend(key for key in found if key)
    keys = sorted(set(keys))
    await note_pending(db, keys)
    audit(
        db,
        subject.organization_id,
        PrivacyAction.ERASE,
        actor_id=actor_id,
        applicant_id=subject.applicant_id,
        count=len(keys),
    )
    await db.flush()
    return keys


async def export(db: AsyncSession, subject: Subject) -> tuple[dict[str, Any], list[ExportFile]]:
    """Every registered domain's data about ``subject`` (by section name) and its files."""
    document: dict[str, Any] = {}
    files: list[ExportFile] = []
    for section in sections():
        part = await section.export(db, subject)
        document[section.name] = part.data
        files.extend(part.files)
    return document, files


def audit(
    db: AsyncSession,
    organization_id: str,
    action: PrivacyAction,
    *,
    actor_id: str | None,
    applicant_id: str | None = None,
    count: int = 1,
) -> None:
    """Add one audit entry (ids and counts only) to the caller's transaction."""
    db.add(
        PrivacyAudit(
            id=new_id(),
            organization_id=organization_id,
            actor_id=actor_id,
            action=action,
            applicant_id=applicant_id,
            count=count,
            created_at=utcnow(),
        )
    )


async def note_pending(db: AsyncSession, keys: list[str]) -> None:
    """Remember ``keys`` as files to delete (idempotent)."""
    if not keys:
        return
    dialect = db.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    rows = [{"key": key, "created_at": now} for key in keys]
    statement = insert(PendingFileDeletion).values(rows)
    await db.execute(statement.on_conflict_do_nothing(index_elements=["key"]))


async def pending_keys(db: AsyncSession, *, limit: int = 1000) -> list[str]:
    """Files an erasure committed away and that may still be in storage, oldest first."""
    rows = await db.scalars(
        select(PendingFileDeletion.key)
        .order_by(PendingFileDeletion.created_at, PendingFileDeletion.key)
        .limit(limit)
    )
    return list(rows)
