"""Erasure is files-last: a failure in the middle of an applicant's rows rolls that applicant
back whole (the next run erases them); a storage that fails after the rows are gone leaves the
files noted in ``privacy_pending_file``, and the next run deletes them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.world import World
from tests.privacy.helpers import candidate, keep_signed_in, reject, traces
from wegotwork.clock import FrozenClock
from wegotwork.db import Database
from wegotwork.deps import Services
from wegotwork.models import Applicant, Note, PendingFileDeletion
from wegotwork.privacy import registry, retention
from wegotwork.privacy.registry import Part, Section, Subject
from wegotwork.storage.base import Storage, StorageError

pytestmark = pytest.mark.usefixtures("dialect")


class Crash(Exception):
    pass


async def _crash(db: AsyncSession, subject: Subject) -> list[str]:
    raise Crash("the process died here")


async def _nothing(db: AsyncSession, subject: Subject) -> Part:
    return Part(None)


@pytest.fixture
def crashing_section() -> Iterator[None]:
    """A section that fails after the review rows are deleted and before the applicant's."""
    registry.register(Section("crash", tables=(), erase=_crash, export=_nothing, order=500))
    yield
    registry._SECTIONS.pop("crash", None)


class DownStorage:
    """Storage that cannot delete (unreachable), delegating everything else."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner

    async def delete(self, key: str) -> None:
        raise StorageError("storage unreachable")

    def open(self, key: str) -> AsyncIterator[bytes]:
        return self.inner.open(key)

    async def exists(self, key: str) -> bool:
        return await self.inner.exists(key)


async def _quarantined_and_due(
    db: AsyncSession, database: Database, world: World, services: Services, clock: FrozenClock
) -> str:
    grace = await candidate(db, world, services)
    await reject(world, grace.id)
    await keep_signed_in(db, clock, timedelta(days=800))
    assert (await retention.run(database, services.storage)).quarantined == 1
    await keep_signed_in(db, clock, timedelta(days=31))
    return grace.id


async def test_a_crash_between_rows_rolls_the_applicant_back_and_the_next_run_finishes(
    db: AsyncSession,
    database: Database,
    world: World,
    services: Services,
    frozen_clock: FrozenClock,
    crashing_section: None,
) -> None:
    applicant_id = await _quarantined_and_due(db, database, world, services, frozen_clock)
    key = (await db.get(Applicant, applicant_id)).resume_key  # type: ignore[union-attr]
    report = await retention.run(database, services.storage)
    assert report.erased == 0
    assert report.organizations[0].failed == [applicant_id]
    db.expire_all()
    # Nothing half-erased: the notes (erased before the crash) are still there, so is the file.
    assert await db.get(Applicant, applicant_id) is not None
    notes = await db.scalar(
        select(func.count()).select_from(Note).where(Note.applicant_id == applicant_id)
    )
    assert notes == 1
    assert await services.storage.exists(key)

    registry._SECTIONS.pop("crash")
    report = await retention.run(database, services.storage)
    assert report.erased == 1
    assert await traces(db, applicant_id, skip=("privacy_audit",)) == {}
    assert not await services.storage.exists(key)


async def test_files_a_failed_storage_kept_are_deleted_by_the_next_run(
    db: AsyncSession,
    database: Database,
    world: World,
    services: Services,
    frozen_clock: FrozenClock,
) -> None:
    applicant_id = await _quarantined_and_due(db, database, world, services, frozen_clock)
    key = (await db.get(Applicant, applicant_id)).resume_key  # type: ignore[union-attr]
    down = DownStorage(services.storage)
    report = await retention.run(database, down)  # type: ignore[arg-type]
    assert report.erased == 1
    assert report.files_failed == 1
    db.expire_all()
    assert await db.get(Applicant, applicant_id) is None
    assert await services.storage.exists(key)
    pending = await db.scalars(select(PendingFileDeletion.key))
    assert list(pending) == [key]

    report = await retention.run(database, services.storage)
    assert report.files_deleted == 1
    assert not await services.storage.exists(key)
    assert await db.scalar(select(func.count()).select_from(PendingFileDeletion)) == 0
