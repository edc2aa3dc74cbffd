"""B10: rejecting 500 applicants at once with the rejection template, then sending the 500 mails.

``POST /api/v1/applicants/bulk`` (action ``reject``, 500 ids, a reason and the organization's
rejection template) through the ASGI app in process: routing, guard, locking the 500 rows,
moving them to the REJECTED stage, 500 log entries, 500 rendered mails in the outbox and 500
messages, and the commit (server time without the network). Each repetition rejects a fresh
job's 500 applicants; the statements are counted, and the commits of the request too (the
target is one transaction). Measured on PostgreSQL (a fresh database ``BENCH_DATABASE``, default
``wegotwork_bench_bulk``, on ``BENCH_POSTGRES_URL``) and on a fresh SQLite file.

Then the outbox sender drains the 500 rows of one repetition into a local SMTP server
(aiosmtpd, on loopback, keeping nothing but a count): messages per second.

``.venv/bin/python -m bench.bulk_reject`` prints the figures and the machine's load average.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bench.pipeline_board import fresh_database
from wegotwork import migrate
from wegotwork.app import create_app
from wegotwork.db import Database, create_engine, new_id, utcnow
from wegotwork.identity.sessions import create_session
from wegotwork.mail.outbox import OutboxSender
from wegotwork.mail.transport import SmtpTransport
from wegotwork.messages.actions import ensure_link, seed_organization
from wegotwork.models import (
    Applicant,
    ApplicantStatus,
    Job,
    JobStatus,
    MailSend,
    Member,
    MessageTemplate,
    Organization,
    OutboxMessage,
    PipelineStage,
    RejectionReason,
    Role,
    TemplateKind,
    User,
)
from wegotwork.pipelines.actions import create_default_pipeline
from wegotwork.settings import Settings

BATCH = 500
REPETITIONS = int(os.environ.get("BENCH_REPETITIONS", "5"))
TARGET_MS = 2000.0
SECRET = "b10-bench-secret-b10-bench-secret"
BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Seeded:
    owner_id: str
    organization_id: str
    reason_id: str
    template_id: str
    batches: list[list[str]]


async def _seed(database: Database) -> Seeded:
    """An organization with its default templates and reasons, a verified owner, and one job
    per repetition (plus a warm-up) with 500 applicants each, every one with a status link (as
    after the confirmation mail)."""
    async with database.sessionmaker() as db:
        owner = User(
            id=new_id(), name="Bench Owner", email="bulk-owner@example.com", email_verified=True
        )
        organization = Organization(id=new_id(), name="Bulk Bench", slug="bulk-bench")
        db.add_all([owner, organization])
        await db.flush()
        db.add(Member(organization_id=organization.id, user_id=owner.id, role=Role.OWNER))
        seed_organization(db, organization.id)
        pipeline = await create_default_pipeline(db, organization.id)
        await db.flush()
        first_stage = await db.scalar(
            select(PipelineStage.id)
            .where(PipelineStage.pipeline_id == pipeline.id)
            .order_by(PipelineStage.position)
            .limit(1)
        )
        batches = []
        for number in range(REPETITIONS + 1):
            job = Job(
                organization_id=organization.id,
                title=f"Engineer {number}",
                status=JobStatus.PUBLISHED,
                pipeline_id=pipeline.id,
            )
            db.add(job)
            await db.flush()
            applicants = [
                Applicant(
                    id=new_id(),
                    organization_id=organization.id,
                    job_id=job.id,
                    name=f"Candidate {number}-{index}",
                    email=f"candidate{number}-{index}@example.com",
                    status=ApplicantStatus.SUBMITTED,
                    stage_id=first_stage,
                )
                for index in range(BATCH)
            ]
            db.add_all(applicants)
            await db.flush()
            for applicant in applicants:
                await ensure_link(db, applicant, SECRET)
            await db.flush()
            batches.append([applicant.id for applicant in applicants])
        reason_id = await db.scalar(
            select(RejectionReason.id).where(RejectionReason.organization_id == organization.id)
        )
        template_id = await db.scalar(
            select(MessageTemplate.id).where(
                MessageTemplate.organization_id == organization.id,
                MessageTemplate.kind == TemplateKind.REJECTION,
            )
        )
        assert reason_id is not None
        assert template_id is not None
        await db.commit()
        return Seeded(owner.id, organization.id, reason_id, template_id, batches)


class _Counter:
    """Statements and commits on the engine while ``active``."""

    def __init__(self, database: Database) -> None:
        self.active = False
        self.statements = 0
        self.commits = 0
        engine = database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *_: Any) -> None:
        if self.active:
            self.statements += 1

    def _commit(self, *_: Any) -> None:
        if self.active:
            self.commits += 1


async def _count(db: AsyncSession, query: Any) -> int:
    return int(await db.scalar(query) or 0)


class _Sink:
    def __init__(self) -> None:
        self.received = 0
        self.recipients: set[str] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        self.recipients.update(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


async def _drain(database: Database) -> tuple[float, int]:
    """Send every due outbox row to a local SMTP server; (seconds, messages received)."""
    sink = _Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        transport = SmtpTransport(f"smtp://127.0.0.1:{port}", timeout=10)
        sender = OutboxSender(database, transport, "Bulk Bench <no-reply@example.com>")
        started = time.perf_counter()
        while await sender.send_due():
            pass
        elapsed = time.perf_counter() - started
    finally:
        controller.stop()
    assert len(sink.recipients) == sink.received, "a recipient got two mails"
    return elapsed, sink.received


async def measure(url: str, label: str) -> dict[str, Any]:
    database = Database(create_engine(url, pool_size=4))
    try:
        seeded = await _seed(database)
        async with database.sessionmaker() as db:
            owner = await db.get(User, seeded.owner_id)
            assert owner is not None
            session = await create_session(db, owner)
            await db.commit()
        counter = _Counter(database)
        samples: list[float] = []
        statements: list[int] = []
        commits: list[int] = []
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(
                secret=SECRET,
                database_url=url,
                data_dir=data_dir,
                base_url=BASE_URL,
                rate_limit=False,
                log_level="WARNING",
            )
            logging.disable(logging.INFO)
            app = create_app(settings, database=database, background=False)
            headers = {"authorization": f"Bearer {session.token}"}
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=BASE_URL
            ) as client:
                for number, batch in enumerate(seeded.batches):
                    async with database.sessionmaker() as db:  # the hourly mail budget
                        await db.execute(delete(MailSend))
                        await db.commit()
                    counter.active, counter.statements, counter.commits = True, 0, 0
                    started = time.perf_counter()
                    response = await client.post(
                        f"/api/v1/applicants/bulk?orgId={seeded.organization_id}",
                        headers=headers,
                        json={
                            "applicantIds": batch,
                            "action": "reject",
                            "reasonId": seeded.reason_id,
                            "templateId": seeded.template_id,
                        },
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    counter.active = False
                    assert response.status_code == 200, response.text
                    assert response.json()["count"] == BATCH
                    if number:  # the first is the warm-up
                        samples.append(elapsed)
                        statements.append(counter.statements)
                        commits.append(counter.commits)
        async with database.sessionmaker() as db:
            rows = await _count(db, select(func.count()).select_from(OutboxMessage))
            rejected = await _count(
                db,
                select(func.count())
                .select_from(Applicant)
                .where(Applicant.status == ApplicantStatus.REJECTED),
            )
            assert rows == BATCH * len(seeded.batches), rows
            assert rejected == BATCH * len(seeded.batches), rejected
            # The mails wait for the next morning: one repetition's arrive now.
            await db.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.applicant_id.in_(seeded.batches[-1]),
                )
                .values(next_attempt_at=utcnow())
            )
            await db.commit()
        seconds, received = await _drain(database)
        assert received == BATCH, received
        return {
            "label": label,
            "min": min(samples),
            "median": statistics.median(samples),
            "max": max(samples),
            "statements": statistics.median(statements),
            "commits": max(commits),
            "drain_seconds": seconds,
            "per_second": received / seconds,
        }
    finally:
        await database.dispose()


async def run() -> list[dict[str, Any]]:
    results = [await measure(await fresh_database("wegotwork_bench_bulk"), "PostgreSQL")]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bulk.sqlite3'}"
        await asyncio.to_thread(migrate.upgrade, url)
        results.append(await measure(url, "SQLite"))
    return results


def main() -> None:
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    results = asyncio.run(run())
    after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(
        f"B10 bulk reject of {BATCH} with a template, {REPETITIONS} repetitions after a warm-up "
        f"(load average {load} before, {after} after)"
    )
    print("| database | min | median | max | statements | commits | target | met |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in results:
        met = "yes" if row["median"] <= TARGET_MS and row["commits"] == 1 else "**no**"
        print(
            f"| {row['label']} | {row['min']:.0f} ms | {row['median']:.0f} ms | "
            f"{row['max']:.0f} ms | {row['statements']:.0f} | {row['commits']} | "
            f"≤ {TARGET_MS:.0f} ms, 1 commit | {met} |"
        )
    for row in results:
        print(
            f"- {row['label']}: the sender drained {BATCH} mails into a local SMTP server in "
            f"{row['drain_seconds']:.1f} s ({row['per_second']:.0f} messages/s)"
        )


if __name__ == "__main__":
    main()
