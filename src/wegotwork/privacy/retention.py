"""The retention run: quarantine candidates kept past the retention period, erase those whose
quarantine is over, and delete the stored files earlier erasures left behind.

It runs by itself (a leased periodic job of the server process, see ``app.py``) and from
``wegotwork privacy run [--dry-run]``. Two processes never run it at once: on PostgreSQL a
session advisory lock is held for the whole run; on every database the ``task_lease`` row
``privacy`` is taken first (``tasks.Runner``).

Erasure is *files last*: each applicant's rows go in one transaction that also records their
files in ``privacy_pending_file``; the files are deleted after the commit and their rows
removed then. A crash (or a storage outage) between the two leaves the pending rows, and the
next run deletes those files first. Nothing is ever half-erased in the database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import Database, utcnow
from wegotwork.models import Applicant, Organization, PendingFileDeletion, PrivacyAction
from wegotwork.privacy import queries, registry
from wegotwork.storage.base import Storage
from wegotwork.tenancy.scoping import owned_by

log = logging.getLogger("wegotwork.privacy")

LEASE = "privacy"
LEASE_SECONDS = 1800.0
EVERY_SECONDS = 3600.0
# Applicants quarantined per transaction.
QUARANTINE_BATCH = 500
# A stable number for pg_try_advisory_lock ("privacy" as digits).
ADVISORY_KEY = 7_072_697_661_121


@dataclass
class OrganizationRun:
    organization_id: str
    quarantined: list[str] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    dry_run: bool
    organizations: list[OrganizationRun] = field(default_factory=list)
    files_deleted: int = 0
    files_failed: int = 0
    busy: bool = False

    @property
    def quarantined(self) -> int:
        return sum(len(run.quarantined) for run in self.organizations)

    @property
    def erased(self) -> int:
        return sum(len(run.erased) for run in self.organizations)


async def delete_pending_files(database: Database, storage: Storage) -> tuple[int, int]:
    """Delete the files erasures left in ``privacy_pending_file``; (deleted, failed)."""
    async with database.sessionmaker() as db:
        keys = await registry.pending_keys(db)
    deleted = failed = 0
    for key in keys:
        try:
            await storage.delete(key)
        except Exception as exc:
            log.warning("could not delete stored file %s: %s", key, exc)
            failed += 1
            continue
        async with database.sessionmaker() as db:
            await db.execute(delete(PendingFileDeletion).where(PendingFileDeletion.key == key))
            await db.commit()
        deleted += 1
    return deleted, failed


async def quarantine(
    db: AsyncSession, organization_id: str, applicant_ids: list[str], now: datetime
) -> int:
    """Hide the given applicants (never a held one); how many were hidden."""
    if not applicant_ids:
        return 0
    result = await db.execute(
        update(Applicant)
        .where(
            owned_by(Applicant, organization_id),
            Applicant.id.in_(applicant_ids),
            Applicant.quarantined_at.is_(None),
            Applicant.legal_hold.is_(False),
        )
        .values(quarantined_at=now)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    for applicant_id in applicant_ids:
        registry.audit(
            db, organization_id, PrivacyAction.QUARANTINE, actor_id=None, applicant_id=applicant_id
        )
    await db.flush()
    return count


async def erase_one(db: AsyncSession, organization_id: str, applicant_id: str) -> list[str]:
    """Erase one quarantined, unheld applicant in the caller's transaction (locked first, so
    an admin's restore or hold in between wins); the files to delete, or [] when it no longer
    qualifies."""
    row = (
        await db.execute(
            select(Applicant.id, Applicant.email)
            .where(
                owned_by(Applicant, organization_id),
                Applicant.id == applicant_id,
                Applicant.quarantined_at.is_not(None),
                Applicant.legal_hold.is_(False),
            )
            .with_for_update()
        )
    ).first()
    if row is None:
        return []
    subject = registry.Subject(applicant_id, organization_id, row.email)
    return await registry.erase(db, subject, actor_id=None)


@dataclass(frozen=True, slots=True)
class Policy:
    organization_id: str
    retention_months: int
    quarantine_days: int


async def run_organization(
    database: Database, organization: Policy, now: datetime, *, dry_run: bool
) -> tuple[OrganizationRun, list[str]]:
    run = OrganizationRun(organization.organization_id)
    keys: list[str] = []
    async with database.sessionmaker() as db:
        run.quarantined = await queries.ids_to_quarantine(
            db, organization.organization_id, organization.retention_months, now
        )
        due_erase = await queries.to_erase(
            db, organization.organization_id, organization.quarantine_days, now
        )
        await db.rollback()
    run.erased = [item.id for item in due_erase]
    if dry_run:
        return run, keys
    for start in range(0, len(run.quarantined), QUARANTINE_BATCH):
        # A short transaction per batch: a few hundred rows locked at a time, a statement
        # of bounded size, and the event loop (shared with requests) served in between.
        async with database.sessionmaker() as db:
            batch = run.quarantined[start : start + QUARANTINE_BATCH]
            await quarantine(db, organization.organization_id, batch, now)
            await db.commit()
    erased: list[str] = []
    for applicant_id in run.erased:
        # One transaction per applicant: a failure rolls back this one only, whole, and the
        # next run tries it again.
        try:
            async with database.sessionmaker() as db:
                found = await erase_one(db, organization.organization_id, applicant_id)
                exists = await db.scalar(select(Applicant.id).where(Applicant.id == applicant_id))
                await db.commit()
        except Exception:
            log.exception("could not erase applicant %s", applicant_id)
            run.failed.append(applicant_id)
            continue
        if exists is None:
            erased.append(applicant_id)
            keys.extend(found)
    run.erased = erased
    return run, keys


async def run(
    database: Database,
    storage: Storage,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RunReport:
    """One retention run over every organization (see the module docstring)."""
    now = now or utcnow()
    report = RunReport(dry_run=dry_run)
    async with _exclusive(database) as taken:
        if not taken:
            report.busy = True
            return report
        if not dry_run:
            report.files_deleted, report.files_failed = await delete_pending_files(
                database, storage
            )
        async with database.sessionmaker() as db:
            organizations = [
                Policy(*row)
                for row in await db.execute(
                    select(
                        Organization.id,
                        Organization.retention_months,
                        Organization.quarantine_days,
                    ).order_by(Organization.id)
                )
            ]
            await db.rollback()
        for organization in organizations:
            org_run, _keys = await run_organization(database, organization, now, dry_run=dry_run)
            if org_run.quarantined or org_run.erased or org_run.failed:
                report.organizations.append(org_run)
        if not dry_run:
            deleted, failed = await delete_pending_files(database, storage)
            report.files_deleted += deleted
            report.files_failed += failed
    return report


@asynccontextmanager
async def _exclusive(database: Database) -> AsyncIterator[bool]:
    """On PostgreSQL, a session advisory lock held on a connection of its own for the run
    (False when another process holds it); elsewhere the caller's lease is the lock."""
    if database.engine.dialect.name != "postgresql":
        yield True
        return
    async with database.engine.connect() as lock:
        taken = bool(await lock.scalar(text(f"SELECT pg_try_advisory_lock({ADVISORY_KEY})")))
        await lock.commit()
        try:
            yield taken
        finally:
            if taken:
                await lock.execute(text(f"SELECT pg_advisory_unlock({ADVISORY_KEY})"))
                await lock.commit()
