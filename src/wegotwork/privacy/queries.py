"""What the retention run would do: applicants whose last process ended before the retention
period (to quarantine) and quarantined applicants whose quarantine is over (to erase). Held
applicants are never among them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import UTCDateTime
from wegotwork.models import Applicant, ApplicantEvent, ApplicantStatus, Job, JobStatus
from wegotwork.privacy import rules
from wegotwork.tenancy.scoping import owned_by

END_STATES = (ApplicantStatus.REJECTED, ApplicantStatus.HIRED)
ENDED_JOBS = (JobStatus.CLOSED, JobStatus.ARCHIVED)


@dataclass(frozen=True, slots=True)
class DueApplicant:
    id: str
    name: str
    job_title: str
    # When the process ended (to quarantine) or the quarantine began (to erase).
    since: datetime
    # When the step is due.
    due_at: datetime


def process_ended_at() -> Any:
    """When the applicant's last process ended: the move into its end state (rejected, hired),
    else the job's closing or archiving; NULL while the process runs."""
    moved = (
        select(func.max(ApplicantEvent.created_at))
        .where(
            ApplicantEvent.applicant_id == Applicant.id,
            ApplicantEvent.to_status == Applicant.status,
        )
        .scalar_subquery()
    )
    return case(
        (Applicant.status.in_(END_STATES), func.coalesce(moved, Applicant.updated_at)),
        (Job.status.in_(ENDED_JOBS), Job.updated_at),
        else_=None,
    )


def _at(moment: datetime) -> Any:
    return literal(moment, UTCDateTime())


def _due_for_quarantine(
    query: Select[Any], organization_id: str, retention_months: int, now: datetime
) -> Select[Any]:
    """``query`` (its columns chosen) limited to the organization's applicants whose process
    ended longer ago than its retention, neither quarantined nor held, oldest first."""
    cutoff = rules.months_before(now, retention_months)
    return (
        query.join(Job, Job.id == Applicant.job_id)
        .where(
            owned_by(Applicant, organization_id),
            Applicant.quarantined_at.is_(None),
            Applicant.legal_hold.is_(False),
            process_ended_at() <= _at(cutoff),
        )
        .order_by(Applicant.created_at, Applicant.id)
    )


async def to_quarantine(
    db: AsyncSession,
    organization_id: str,
    retention_months: int,
    now: datetime,
    *,
    limit: int | None = None,
) -> list[DueApplicant]:
    ended = process_ended_at().label("ended")
    query = _due_for_quarantine(
        select(Applicant.id, Applicant.name, Job.title, ended),
        organization_id,
        retention_months,
        now,
    )
    if limit is not None:
        query = query.limit(limit)
    rows = await db.execute(query)
    result = []
    for applicant_id, name, title, ended_at in rows:
        ended_value = UTCDateTime().process_result_value(
            _as_datetime(ended_at), db.get_bind().dialect
        )
        assert ended_value is not None
        result.append(DueApplicant(applicant_id, name, title, ended_value, now))
    return result


# Rows per piece when the retention run reads its due ids.
ID_PIECE = 1_000


async def ids_to_quarantine(
    db: AsyncSession, organization_id: str, retention_months: int, now: datetime
) -> list[str]:
    """The ids of what ``to_quarantine`` lists, for the retention run: only the ids, read in
    pieces of ``ID_PIECE`` rows so that the event loop (which a server shares with requests)
    serves others between them instead of turning a large organization's due list into
    objects in one go."""
    query = _due_for_quarantine(
        select(Applicant.id), organization_id, retention_months, now
    ).execution_options(yield_per=ID_PIECE)
    ids: list[str] = []
    result = await db.stream_scalars(query)
    async for piece in result.partitions():
        ids.extend(piece)
    return ids


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite returns a CASE of timestamps as text
        return datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value


async def to_erase(
    db: AsyncSession,
    organization_id: str,
    quarantine_days: int,
    now: datetime,
    *,
    limit: int | None = None,
) -> list[DueApplicant]:
    cutoff = now - timedelta(days=quarantine_days)
    query = (
        select(Applicant.id, Applicant.name, Job.title, Applicant.quarantined_at)
        .join(Job, Job.id == Applicant.job_id)
        .where(
            owned_by(Applicant, organization_id),
            Applicant.quarantined_at.is_not(None),
            Applicant.quarantined_at <= cutoff,
            Applicant.legal_hold.is_(False),
        )
        .order_by(Applicant.quarantined_at, Applicant.id)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = await db.execute(query)
    return _quarantine_rows(rows, quarantine_days)


async def quarantined(db: AsyncSession, organization_id: str, quarantine_days: int) -> list[Any]:
    """Every quarantined applicant of the organization, with when each is erased."""
    rows = await db.execute(
        select(Applicant.id, Applicant.name, Job.title, Applicant.quarantined_at)
        .join(Job, Job.id == Applicant.job_id)
        .where(owned_by(Applicant, organization_id), Applicant.quarantined_at.is_not(None))
        .order_by(Applicant.quarantined_at, Applicant.id)
    )
    return _quarantine_rows(rows, quarantine_days)


def _quarantine_rows(rows: Any, quarantine_days: int) -> list[DueApplicant]:
    result = []
    for applicant_id, name, title, since in rows:
        assert since is not None
        result.append(
            DueApplicant(applicant_id, name, title, since, since + timedelta(days=quarantine_days))
        )
    return result


async def held(db: AsyncSession, organization_id: str) -> list[tuple[str, str, str]]:
    """(id, name, job title) of every applicant under legal hold."""
    rows = await db.execute(
        select(Applicant.id, Applicant.name, Job.title)
        .join(Job, Job.id == Applicant.job_id)
        .where(owned_by(Applicant, organization_id), Applicant.legal_hold.is_(True))
        .order_by(Applicant.name, Applicant.id)
    )
    return [(applicant_id, name, title) for applicant_id, name, title in rows]
