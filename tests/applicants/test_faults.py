"""When something breaks mid-application: storage failing, the database failing after the file
is written, SMTP down, two submissions racing. Nothing is half-written and nothing is lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import MB5, Upload, apply, candidate, pdf_bytes, stored_files
from tests.fixtures.app import BASE_URL, make_settings
from tests.fixtures.database import FreshDatabase
from tests.fixtures.mail import SmtpSink, free_port
from wegotwork.app import create_app
from wegotwork.clock import FrozenClock
from wegotwork.db import Database, create_engine
from wegotwork.deps import Services
from wegotwork.mail.outbox import OutboxSender, backoff
from wegotwork.mail.transport import SmtpTransport
from wegotwork.models import Applicant, Job, OutboxMessage
from wegotwork.storage import LocalStorage

UNAVAILABLE = (
    "We could not save your application just now. Nothing was sent; please try again in a "
    "few minutes."
)


class DiskFullStorage(LocalStorage):
    """Local storage on a disk that fills up after the first chunk of a file."""

    async def save(self, key: str, chunks: AsyncIterable[bytes], content_type: str) -> int:
        async def breaking() -> AsyncIterator[bytes]:
            async for chunk in chunks:
                yield chunk
                raise OSError(28, "No space left on device")

        return await super().save(key, breaking(), content_type)


async def count(db: AsyncSession, model: type[Any]) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_storage_failing_mid_upload_leaves_no_row_and_no_file(
    client: httpx.AsyncClient, db: AsyncSession, services: Services, job: Job, files_root: Path
) -> None:
    services.storage = DiskFullStorage(files_root)
    big = b"%PDF-1.4\n" + b"0" * (MB5 // 2)
    response = await apply(client, job.id, resume=Upload("cv.pdf", big))
    assert response.status_code == 503
    assert response.json() == {"error": True, "message": UNAVAILABLE}
    assert await count(db, Applicant) == 0
    assert await count(db, OutboxMessage) == 0
    assert stored_files(files_root) == []


@pytest.fixture
def failing_applicant_insert(services: Services) -> Iterator[None]:
    """The database refuses the applicant's INSERT, as a lost connection would."""
    engine = services.db.engine.sync_engine

    def refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO APPLICANT "):
            raise OperationalError(statement, {}, Exception("server closed the connection"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


async def test_the_database_failing_after_the_file_is_written_leaves_no_file(
    client: httpx.AsyncClient,
    db: AsyncSession,
    job: Job,
    files_root: Path,
    failing_applicant_insert: None,
) -> None:
    response = await apply(client, job.id)
    assert response.status_code == 503
    assert response.json()["message"] == UNAVAILABLE
    assert stored_files(files_root) == []
    assert await count(db, Applicant) == 0
    assert await count(db, OutboxMessage) == 0


async def test_a_unique_violation_after_the_file_is_written_leaves_no_extra_file(
    client: httpx.AsyncClient, db: AsyncSession, job: Job, files_root: Path
) -> None:
    fields = candidate(email="twice@example.com")
    assert (await apply(client, job.id, fields)).status_code == 201
    [kept] = stored_files(files_root)
    assert (await apply(client, job.id, fields)).status_code == 409
    assert stored_files(files_root) == [kept]


async def test_smtp_down_at_apply_time_still_accepts_and_mails_later(
    client: httpx.AsyncClient,
    db: AsyncSession,
    database: Database,
    job: Job,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    fields = candidate(email="hopper@example.com", name="Grace Hopper")
    response = await apply(client, job.id, fields)
    assert response.status_code == 201

    down = OutboxSender(
        database, SmtpTransport(f"smtp://127.0.0.1:{free_port()}", timeout=2), "x@y"
    )
    assert await down.send_due() == 0
    assert smtp_sink.messages == []

    frozen_clock.advance(backoff(1) + timedelta(seconds=1))
    back = OutboxSender(database, SmtpTransport(smtp_sink.url, timeout=5), "WeGotWork <n@r>")
    assert await back.send_due() >= 1
    [confirmation] = await smtp_sink.wait_for("hopper@example.com")
    assert confirmation.subject == (
        f"We received your application for {job.title} at {(await org_name(db, job))}"
    )
    assert "Hello Grace Hopper" in confirmation.text


async def org_name(db: AsyncSession, job: Job) -> str:
    from wegotwork.models import Organization

    return str(
        await db.scalar(select(Organization.name).where(Organization.id == job.organization_id))
    )


async def test_two_simultaneous_applications_with_one_email_make_one_applicant(
    dialect: str, fresh_databases: FreshDatabase, tmp_path: Path
) -> None:
    url = await fresh_databases.create_migrated(dialect)
    database = Database(create_engine(url, pool_size=4))
    try:
        async with database.sessionmaker() as session:
            organization = await factories.make_org(session, categories=False)
            job = await factories.make_job(session, organization)
            await session.commit()
        app = create_app(make_settings(tmp_path), database=database, background=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            fields = candidate(email="same@example.com")
            responses = await asyncio.gather(
                *(apply(http, job.id, fields, Upload("cv.pdf", pdf_bytes())) for _ in range(3))
            )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201, 409, 409]
        async with database.sessionmaker() as session:
            assert await count(session, Applicant) == 1
        assert len(stored_files(tmp_path / "files")) == 1
    finally:
        await database.dispose()


async def test_storage_directory_gone_answers_503_with_nothing_written(
    client: httpx.AsyncClient, db: AsyncSession, job: Job, files_root: Path
) -> None:
    """The résumé directory replaced by a file (unmounted, deleted, made unusable): the
    cleanup of the unfinished file must not hide the storage failure behind a 500."""
    files_root.mkdir(parents=True, exist_ok=True)
    (files_root / "resumes").write_text("not a directory")
    response = await apply(client, job.id)
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.json() == {"error": True, "message": UNAVAILABLE}
    assert await count(db, Applicant) == 0
    assert await count(db, OutboxMessage) == 0
