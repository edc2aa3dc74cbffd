"""Collecting unreferenced files: what ``wegotwork storage gc`` runs.

Files are written before the row that references them is committed, so a crash (or a failed
cleanup after an erasure) can leave a file that nothing references. Such a file is removed
once it is older than a grace period, which spares uploads still in flight. A file is kept
when an applicant's ``resume_key`` or an organization's ``logo`` refers to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from wegotwork.db import Database
from wegotwork.models import Applicant, Organization
from wegotwork.storage.base import Storage, StorageError, StoredObject

BATCH = 500
DEFAULT_GRACE = timedelta(hours=24)


@dataclass
class GcReport:
    scanned: int = 0
    referenced: int = 0
    recent: int = 0
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    incomplete: int = 0


Progress = Callable[[int, int], None]


async def _referenced(database: Database, keys: list[str], logos: set[str]) -> set[str]:
    async with database.sessionmaker() as session:
        found = set(
            await session.scalars(
                select(Applicant.resume_key).where(Applicant.resume_key.in_(keys))
            )
        )
    for key in keys:
        if key in logos or any(logo.endswith("/" + key) for logo in logos):
            found.add(key)
    return {key for key in found if key}


async def collect_garbage(
    database: Database,
    storage: Storage,
    *,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> GcReport:
    """Remove stored files that no row references and that are older than ``grace``.

    The listing comes first and the references are read after it, so a file whose row is
    committed while this runs is either too recent to touch or already referenced.
    """
    report = GcReport()
    cutoff = now - grace
    old: list[StoredObject] = []
    async for item in storage.list():
        report.scanned += 1
        if item.modified < cutoff:
            old.append(item)
        else:
            report.recent += 1
    async with database.sessionmaker() as session:
        logos = {logo for logo in await session.scalars(select(Organization.logo)) if logo}
    done = 0
    for start in range(0, len(old), BATCH):
        batch = old[start : start + BATCH]
        keep = await _referenced(database, [item.key for item in batch], logos)
        for item in batch:
            if item.key in keep:
                report.referenced += 1
            elif dry_run:
                report.removed.append(item.key)
            else:
                try:
                    await storage.delete(item.key)
                except StorageError:
                    report.failed.append(item.key)
                else:
                    report.removed.append(item.key)
            done += 1
            if progress is not None:
                progress(done, len(old))
    if not dry_run:
        report.incomplete = await storage.cleanup_incomplete(cutoff)
    return report
