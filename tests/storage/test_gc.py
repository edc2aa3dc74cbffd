"""``wegotwork storage gc``: unreferenced files older than the grace period go; files an
applicant or an organization's logo refers to, and recent uploads, stay."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from tests import factories
from tests.fixtures.database import FreshDatabase
from tests.s3server import make_bucket, s3_storage
from wegotwork.cli import app as cli
from wegotwork.db import Database, create_engine
from wegotwork.storage import LocalStorage
from wegotwork.storage.gc import collect_garbage


async def one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def age(path: Path, hours: float) -> None:
    moment = time.time() - hours * 3600
    os.utime(path, (moment, moment))


async def arrange(db: AsyncSession, storage: LocalStorage | object) -> dict[str, str]:
    """An applicant's résumé, an organization's logo, and two files nobody refers to."""
    keys = {
        "resume": "resumes/in-use",
        "logo": "logos/acme.png",
        "orphan": "resumes/orphan",
        "fresh": "resumes/just-uploaded",
    }
    for key in keys.values():
        await storage.save(key, one(b"data"), "application/octet-stream")  # type: ignore[attr-defined]
    organization = await factories.make_org(db, categories=False)
    organization.logo = keys["logo"]
    job = await factories.make_job(db, organization)
    await factories.make_applicant(db, job, resume_key=keys["resume"])
    await db.commit()
    return keys


async def test_only_old_unreferenced_files_are_removed(
    db: AsyncSession, database: Database, tmp_path: Path
) -> None:
    root = tmp_path / "files"
    storage = LocalStorage(root)
    keys = await arrange(db, storage)
    for name in ("resume", "logo", "orphan"):
        age(root / keys[name], 48)
    (root / "resumes" / ".crashed.part").write_bytes(b"half")
    age(root / "resumes" / ".crashed.part", 48)
    seen: list[tuple[int, int]] = []

    report = await collect_garbage(
        database,
        storage,
        now=datetime.now(UTC),
        grace=timedelta(hours=24),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.removed == [keys["orphan"]]
    assert report.referenced == 2
    assert report.recent == 1
    assert report.incomplete == 1
    assert seen[-1] == (3, 3)
    remaining = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert remaining == sorted([keys["resume"], keys["logo"], keys["fresh"]])


async def test_a_dry_run_removes_nothing(
    db: AsyncSession, database: Database, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "files")
    keys = await arrange(db, storage)
    report = await collect_garbage(
        database, storage, now=datetime.now(UTC) + timedelta(days=3), dry_run=True
    )
    assert report.removed == sorted([keys["orphan"], keys["fresh"]])
    assert await storage.exists(keys["orphan"])


async def test_garbage_is_collected_from_s3_too(
    db: AsyncSession, database: Database, moto_endpoint: str
) -> None:
    storage = s3_storage(moto_endpoint, make_bucket(moto_endpoint))
    keys = await arrange(db, storage)
    report = await collect_garbage(database, storage, now=datetime.now(UTC) + timedelta(days=2))
    assert sorted(report.removed) == sorted([keys["orphan"], keys["fresh"]])
    left = sorted([item.key async for item in storage.list()])
    assert left == sorted([keys["resume"], keys["logo"]])


async def test_the_command_reports_what_it_removed(
    fresh_databases: FreshDatabase, tmp_path: Path
) -> None:
    url = await fresh_databases.create_migrated("sqlite")
    database = Database(create_engine(url, pool_size=1))
    root = tmp_path / "files"
    try:
        async with database.sessionmaker() as session:
            keys = await arrange(session, LocalStorage(root))
    finally:
        await database.dispose()
    for name in ("resume", "logo", "orphan"):
        age(root / keys[name], 30)
    env = {
        "WEGOTWORK_DATABASE_URL": url,
        "WEGOTWORK_DATA_DIR": str(tmp_path),
        "WEGOTWORK_SECRET": "x" * 40,
        "WEGOTWORK_ENV": "test",
    }
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["storage", "gc", "--grace-hours", "24"], env=env
    )
    assert result.exit_code == 0, result.output
    assert f"removed {keys['orphan']}" in result.output
    assert "4 stored files: 2 in use, 1 newer than 24 h, removed 1 unreferenced." in result.output
    assert not (root / keys["orphan"]).exists()
    assert (root / keys["fresh"]).exists()
