"""The retention run runs by itself and never twice at once: the server registers it as a
leased periodic job; on PostgreSQL a second run while one holds the advisory lock does nothing;
``wegotwork privacy run [--dry-run]`` reports what it did and stands aside while another process
holds the lease."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from tests import factories
from tests.fixtures.database import FreshDatabase
from wegotwork.cli import app as cli
from wegotwork.db import Database, create_engine, new_id, utcnow
from wegotwork.deps import Services
from wegotwork.models import ApplicantEvent, ApplicantStatus, PrivacyAudit
from wegotwork.privacy import retention
from wegotwork.privacy.cli import BUSY
from wegotwork.tasks import Runner


def test_the_server_runs_it_as_a_leased_periodic_job(services: Services) -> None:
    jobs = {job.name: job for job in services.tasks.jobs}
    job = jobs[retention.LEASE]
    assert job.leased
    assert job.every == retention.EVERY_SECONDS


@pytest.mark.usefixtures("dialect")
async def test_a_second_process_does_not_take_the_lease(database: Database) -> None:
    first, second = Runner(database, holder="first"), Runner(database, holder="second")
    assert await first.acquire(retention.LEASE, 60)
    assert not await second.acquire(retention.LEASE, 60)
    await first.release(retention.LEASE)
    assert await second.acquire(retention.LEASE, 60)


async def test_on_postgresql_a_run_stands_aside_while_another_holds_the_lock(
    fresh_databases: FreshDatabase, services: Services
) -> None:
    url = await fresh_databases.create_migrated("postgresql")
    database = Database(create_engine(url, pool_size=2))
    try:
        async with database.engine.connect() as other:
            await other.execute(text(f"SELECT pg_advisory_lock({retention.ADVISORY_KEY})"))
            report = await retention.run(database, services.storage)
            assert report.busy
            await other.execute(text(f"SELECT pg_advisory_unlock({retention.ADVISORY_KEY})"))
        assert not (await retention.run(database, services.storage)).busy
    finally:
        await database.dispose()


async def _rejected_long_ago(db: AsyncSession) -> str:
    owner = await factories.make_user(db)
    org = await factories.make_org(db, owner)
    job = await factories.make_job(db, org)
    applicant = await factories.make_applicant(db, job, status=ApplicantStatus.REJECTED)
    db.add(
        ApplicantEvent(
            id=new_id(),
            applicant_id=applicant.id,
            from_status=ApplicantStatus.SUBMITTED,
            to_status=ApplicantStatus.REJECTED,
            created_at=utcnow() - timedelta(days=30 * 31),
        )
    )
    await db.commit()
    return applicant.id


async def test_the_command(fresh_databases: FreshDatabase, tmp_path: Path) -> None:
    url = await fresh_databases.create_migrated("sqlite")
    database = Database(create_engine(url, pool_size=1))
    try:
        async with database.sessionmaker() as session:
            applicant_id = await _rejected_long_ago(session)
    finally:
        await database.dispose()
    env = {
        "WEGOTWORK_DATABASE_URL": url,
        "WEGOTWORK_DATA_DIR": str(tmp_path),
        "WEGOTWORK_SECRET": "x" * 40,
        "WEGOTWORK_ENV": "test",
    }

    async def invoke(*args: str) -> tuple[int, str]:
        result = await asyncio.to_thread(
            CliRunner().invoke, cli, ["privacy", "run", *args], env=env
        )
        return result.exit_code, result.output

    code, output = await invoke("--dry-run")
    assert code == 0, output
    assert "Would quarantine 1 and would erase 0 candidate(s)." in output
    code, output = await invoke()
    assert code == 0, output
    assert "Quarantined 1 and erased 0 candidate(s)." in output

    database = Database(create_engine(url, pool_size=1))
    try:
        async with database.sessionmaker() as session:
            audit = await session.get(
                PrivacyAudit, (await session.scalar(text("SELECT id FROM privacy_audit")))
            )
            assert audit is not None
            assert audit.applicant_id == applicant_id
        assert await Runner(database, holder="server").acquire(retention.LEASE, 600)
    finally:
        await database.dispose()
    code, output = await invoke()
    assert code == BUSY, output
    assert "Another process is running the privacy run" in output
