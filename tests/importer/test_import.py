"""``wegotwork import wegotwork``: an original WeGotWork database (built from its DDL on the
test PostgreSQL server) imported into SQLite and PostgreSQL, twice, interrupted, dry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_user
from tests.fixtures.app import BASE_URL, Deployment
from tests.fixtures.mail import SmtpSink
from tests.importer.conftest import PASSWORD, Original
from tests.importer.original import at, insert
from tests.s3server import make_bucket, s3_storage
from wegotwork.clock import FrozenClock
from wegotwork.db import Database, create_engine
from wegotwork.deps import Services
from wegotwork.importer.report import Report
from wegotwork.importer.rules import funnel_steps
from wegotwork.importer.run import ImportOptions, run_import
from wegotwork.invitations.actions import invitation_url
from wegotwork.mail.outbox import OutboxSender
from wegotwork.mail.transport import SmtpTransport
from wegotwork.models import (
    Account,
    Applicant,
    ApplicantEvent,
    ApplicantStatus,
    FunnelCount,
    ImportMapping,
    Invitation,
    InvitationStatus,
    Job,
    JobCategory,
    JobStatus,
    Member,
    Organization,
    OutboxMessage,
    PipelineStage,
    Role,
    User,
)
from wegotwork.storage import LocalStorage

MODELS = (User, Account, Organization, Member, Invitation, JobCategory, Job, Applicant)


async def run(
    database: Database, services: Services, original: Original, **options: object
) -> Report:
    return await run_import(
        database,
        services.storage,
        ImportOptions(
            source_url=original.url,
            resumes=LocalStorage(str(original.resumes_dir)),
            base_url=BASE_URL,
            **options,  # type: ignore[arg-type]
        ),
    )


async def rows(db: AsyncSession) -> dict[str, int]:
    counts = {}
    for model in (*MODELS, ImportMapping):
        counts[model.__tablename__] = await db.scalar(select(func.count()).select_from(model))
    return counts


def outcomes(report: Report, kind: str) -> dict[str, int]:
    return {outcome: n for outcome, n in report.counts[kind].items() if n}


def reasons(report: Report, outcome: str) -> dict[str, str]:
    return {note.source_id: note.reason for note in report.notes if note.outcome == outcome}


async def by_source(db: AsyncSession, kind: str, source_id: str) -> str:
    target = await db.scalar(
        select(ImportMapping.target_id).where(
            ImportMapping.kind == kind, ImportMapping.source_id == source_id
        )
    )
    assert target is not None
    return target


async def test_everything_comes_over_once_with_each_awkward_row_reported(
    database: Database, services: Services, original: Original, db: AsyncSession
) -> None:
    report = await run(database, services, original)

    assert outcomes(report, "user") == {"imported": 3}
    assert outcomes(report, "account") == {"imported": 3}
    assert outcomes(report, "organization") == {"imported": 2}
    assert outcomes(report, "member") == {"imported": 4, "merged": 2, "skipped": 1}
    assert outcomes(report, "invitation") == {"imported": 1, "merged": 1, "skipped": 1}
    assert outcomes(report, "category") == {"imported": 3}
    assert outcomes(report, "job") == {"imported": 3, "skipped": 1}
    assert outcomes(report, "applicant") == {"imported": 5, "merged": 1, "skipped": 1}
    skipped = reasons(report, "skipped")
    assert "not imported" in skipped["c-m7"]
    assert "already a member" in skipped["c-i3"]
    assert "organization is not imported" in skipped["c-job-orphan"]
    assert "job c-job-deleted is gone" in skipped["c-a7"]
    repaired = reasons(report, "repaired")
    assert "'beta-labs'" in repaired["c-org-beta"]
    assert "missing or unreadable" in repaired["c-a3"]
    assert "refused" in repaired["c-a4"]
    assert "picture dropped" in repaired["c-bob"]
    assert "category c-cat-deleted is gone" in " ".join(
        note.reason for note in report.notes if note.source_id == "c-job-designer"
    )

    # Workspaces keep their slugs (a slug that breaks our rules got a new one).
    slugs = set((await db.scalars(select(Organization.slug))).all())
    assert slugs == {"acme", "beta-labs"}
    acme = await db.get(Organization, await by_source(db, "organization", "c-org-acme"))
    assert acme is not None
    assert acme.website == "https://acme.test"

    # One membership per person, with the highest role.
    carol = await by_source(db, "user", "c-carol")
    roles = (await db.scalars(select(Member.role).where(Member.user_id == carol))).all()
    assert roles == [Role.OWNER]

    # The workspace Alice had open in the original is where her dashboard opens here.
    alice = await by_source(db, "user", "c-alice")
    first = await db.scalar(
        select(Organization.slug)
        .join(Member, Member.organization_id == Organization.id)
        .where(Member.user_id == alice)
        .order_by(Member.created_at, Member.id)
        .limit(1)
    )
    assert first == "beta-labs"

    # Jobs are published, their HTML is inert and their categories kept in order.
    backend = await db.get(Job, await by_source(db, "job", "c-job-backend"))
    assert backend is not None
    assert backend.status == JobStatus.PUBLISHED
    assert backend.country == "DE"
    for text in (backend.description, backend.description_html or ""):
        for inert in ("<script", "onclick", "javascript:"):
            assert inert not in text
    assert "<b>us</b>" in backend.description
    designer = await db.get(Job, await by_source(db, "job", "c-job-designer"))
    assert designer is not None
    assert designer.category_id is None
    assert designer.remote

    # Applicants: duplicates merged into the newest, résumés copied by their content.
    ann = (
        await db.scalars(select(Applicant).where(func.lower(Applicant.email) == "ann@mail.test"))
    ).one()
    assert ann.name == "Ann Newer"
    assert ann.status == ApplicantStatus.INTERVIEW
    assert ann.resume_content_type == "application/pdf"
    assert ann.resume_filename == "ann.pdf"
    assert ann.resume_key is not None
    assert await services.storage.exists(ann.resume_key)
    ben = (await db.scalars(select(Applicant).where(Applicant.email == "ben@mail.test"))).one()
    assert ben.resume_key is None
    dan = (await db.scalars(select(Applicant).where(Applicant.email == "dan@mail.test"))).one()
    assert dan.linkedin == "https://linkedin.com/in/dan"
    assert dan.status == ApplicantStatus.HIRED
    # Each organization gets its default pipeline, each job uses it, and each applicant is in
    # the stage of its status.
    assert backend.pipeline_id is not None
    for applicant in (ann, ben, dan):
        stage = await db.get(PipelineStage, applicant.stage_id)
        assert stage is not None
        assert (stage.pipeline_id, stage.status) == (backend.pipeline_id, applicant.status)

    # The funnel counts them: five applied, Dan went all the way to hired, Cat was rejected.
    steps = dict(
        (
            await db.execute(
                select(FunnelCount.step, func.sum(FunnelCount.count)).group_by(FunnelCount.step)
            )
        ).all()
    )
    assert steps == {
        "SUBMITTED": 5,
        "UNDERREVIEW": 4,
        "INTERVIEW": 3,
        "OFFER": 2,
        "HIRED": 1,
        "REJECTED": 1,
    }


async def test_a_second_run_changes_nothing_and_a_third_brings_only_what_is_new(
    database: Database, services: Services, original: Original, db: AsyncSession
) -> None:
    await run(database, services, original)
    before = await rows(db)

    again = await run(database, services, original)

    assert again.total("imported") == 0
    assert again.total("updated") == 0
    assert outcomes(again, "applicant") == {"unchanged": 5, "merged": 1, "skipped": 1}
    assert await rows(db) == before

    await original.execute(
        "UPDATE \"Job\" SET title = 'Senior backend engineer' WHERE id = $1", "c-job-backend"
    )
    await original.execute("UPDATE \"Applicant\" SET status = 'HIRED' WHERE id = 'c-a6'")
    connection = await original.connect()
    try:
        await insert(
            connection,
            "Applicant",
            [
                {
                    "id": "c-a8",
                    "name": "Fay",
                    "email": "fay@mail.test",
                    "createdAt": at("2024-07-01 12:00:00"),
                    "status": "SUBMITTED",
                    "jobId": "c-job-ops",
                },
                {
                    "id": "c-a9",
                    "name": "Ann Newest",
                    "email": "ann@mail.test",
                    "createdAt": at("2024-07-02 12:00:00"),
                    "status": "SUBMITTED",
                    "jobId": "c-job-backend",
                },
            ],
        )
    finally:
        await connection.close()

    third = await run(database, services, original)

    assert outcomes(third, "job") == {"updated": 1, "unchanged": 2, "skipped": 1}
    assert outcomes(third, "applicant") == {
        "imported": 1,
        "updated": 1,
        "unchanged": 4,
        "merged": 2,
        "skipped": 1,
    }
    after = await rows(db)
    assert after["applicant"] == before["applicant"] + 1
    title = await db.scalar(
        select(Job.title).where(Job.id == await by_source(db, "job", "c-job-backend"))
    )
    assert title == "Senior backend engineer"
    eve = (await db.scalars(select(Applicant).where(Applicant.email == "eve@mail.test"))).one()
    assert eve.status == ApplicantStatus.HIRED
    hired_stage = await db.get(PipelineStage, eve.stage_id)
    assert hired_stage is not None
    assert hired_stage.status == ApplicantStatus.HIRED
    # She moved as a member would have moved her: a history entry and the funnel's step.
    event = (
        await db.scalars(select(ApplicantEvent).where(ApplicantEvent.applicant_id == eve.id))
    ).one()
    assert (event.from_status, event.to_status, event.actor_id) == (
        ApplicantStatus.OFFER,
        ApplicantStatus.HIRED,
        None,
    )
    hired = await db.scalar(select(func.sum(FunnelCount.count)).where(FunnelCount.step == "HIRED"))
    assert hired == 2


class Interrupted(Exception):
    pass


async def test_an_interrupted_run_resumes_where_it_stopped(
    database: Database, services: Services, original: Original, db: AsyncSession
) -> None:
    def stop_after_first_applicants(kind: str, done: int, total: int) -> None:
        if kind == "applicant" and done > 0:
            raise Interrupted

    with pytest.raises(Interrupted):
        await run_import(
            database,
            services.storage,
            ImportOptions(
                source_url=original.url,
                resumes=LocalStorage(str(original.resumes_dir)),
                batch_size=2,
                writers=1,
            ),
            stop_after_first_applicants,
        )
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 1

    report = await run(database, services, original, batch_size=2)

    assert outcomes(report, "applicant") == {
        "imported": 4,
        "unchanged": 1,
        "merged": 1,
        "skipped": 1,
    }
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 5


async def test_applicants_written_side_by_side_come_over_as_one_writer_brings_them(
    deployment: Deployment, original: Original, dialect: str
) -> None:
    """Batches of two, three connections on PostgreSQL (one on SQLite): a duplicate pair is
    never split between batches, every batch is whole, and a stop leaves whole batches."""
    database = Database(create_engine(deployment.url))
    files = LocalStorage(str(deployment.tmp / "files"))
    options = ImportOptions(
        source_url=original.url,
        resumes=LocalStorage(str(original.resumes_dir)),
        batch_size=2,
        writers=3,
    )

    def stop_after_first_applicants(kind: str, done: int, total: int) -> None:
        if kind == "applicant" and done > 0:
            raise Interrupted

    try:
        with pytest.raises(Interrupted):
            await run_import(database, files, options, stop_after_first_applicants)
        async with deployment.sessions() as db:
            applicants = await db.scalar(select(func.count()).select_from(Applicant))
            assert applicants is not None
            assert 1 <= applicants <= 5
            mapped = await db.scalar(
                select(func.count())
                .select_from(ImportMapping)
                .where(ImportMapping.kind == "applicant", ImportMapping.outcome == "imported")
            )
            assert mapped == applicants

        report = await run_import(database, files, options)
        again = await run_import(database, files, options)
    finally:
        await database.dispose()

    counts = outcomes(report, "applicant")
    assert counts["imported"] + counts.get("unchanged", 0) == 5
    assert counts["merged"] == 1
    assert counts["skipped"] == 1
    assert outcomes(again, "applicant") == {"unchanged": 5, "merged": 1, "skipped": 1}
    async with deployment.sessions() as db:
        assert await db.scalar(select(func.count()).select_from(Applicant)) == 5
        # The newest of the duplicate pair is the one kept.
        ann = (
            await db.scalars(
                select(Applicant).where(func.lower(Applicant.email) == "ann@mail.test")
            )
        ).one()
        assert ann.name == "Ann Newer"
        assert ann.id == await by_source(db, "applicant", "c-a2")
        # The funnel counted each applicant once, the interrupted run's batches included.
        statuses = (await db.scalars(select(Applicant.status))).all()
        counted = await db.scalar(select(func.sum(FunnelCount.count)))
        assert counted == sum(len(funnel_steps(status)) for status in statuses)


async def test_a_dry_run_writes_nothing_and_reports_the_same(
    database: Database, services: Services, original: Original, db: AsyncSession
) -> None:
    dry = await run(database, services, original, dry_run=True)

    assert all(count == 0 for count in (await rows(db)).values())
    assert [item async for item in services.storage.list()] == []
    real = await run(database, services, original)
    assert dry.counts == real.counts
    assert {(n.kind, n.source_id) for n in dry.notes} == {(n.kind, n.source_id) for n in real.notes}


async def test_original_passwords_sign_in_and_become_argon2(
    database: Database,
    services: Services,
    original: Original,
    db: AsyncSession,
    client: httpx.AsyncClient,
) -> None:
    await run(database, services, original)

    wrong = await client.post(
        "/api/auth/sign-in/email", json={"email": "alice@acme.test", "password": "not it at all"}
    )
    assert wrong.status_code == 401
    signed_in = await client.post(
        "/api/auth/sign-in/email", json={"email": "alice@acme.test", "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user"]["email"] == "alice@acme.test"
    alice = await by_source(db, "user", "c-alice")
    stored = await db.scalar(
        select(Account.password)
        .where(Account.user_id == alice, Account.provider_id == "credential")
        .execution_options(populate_existing=True)
    )
    assert stored is not None
    assert stored.startswith("$argon2id$")

    # Google stays linked by Google's subject; sessions were not imported.
    bob = await by_source(db, "user", "c-bob")
    google = (await db.scalars(select(Account).where(Account.user_id == bob))).one()
    assert (google.provider_id, google.account_id) == ("google", "109876543210987654321")
    assert google.password is None


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def outbox(database: Database, smtp: SmtpSink) -> OutboxSender:
    return OutboxSender(database, SmtpTransport(smtp.url, timeout=2), "WeGotWork <no-reply@test>")


async def test_invitations_are_pending_for_a_fresh_48_hours_and_not_mailed(
    database: Database,
    services: Services,
    original: Original,
    db: AsyncSession,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    imported_at = frozen_clock.current
    frozen_clock.advance(timedelta(minutes=5))  # the invitation was made before the import ran
    report = await run(database, services, original)

    assert outcomes(report, "invitation") == {"imported": 1, "merged": 1, "skipped": 1}
    invitation = (await db.scalars(select(Invitation))).one()
    assert invitation.email == "new@acme.test"
    assert invitation.status == InvitationStatus.PENDING
    # 48 hours from the import, by the application's clock (not from the original's date).
    assert aware(invitation.expires_at) == imported_at + timedelta(minutes=5, hours=48)
    assert aware(invitation.created_at) < imported_at

    # Nothing is queued, so the mail server receives nothing.
    assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert await outbox(database, smtp_sink).send_due() == 0
    assert smtp_sink.messages == []

    # A second run finds it unchanged and still mails nothing.
    frozen_clock.advance(timedelta(hours=1))
    again = await run(database, services, original)
    assert outcomes(again, "invitation") == {"merged": 1, "skipped": 1, "unchanged": 1}
    await db.refresh(invitation)
    assert aware(invitation.expires_at) == imported_at + timedelta(minutes=5, hours=48)
    assert await outbox(database, smtp_sink).send_due() == 0
    assert smtp_sink.messages == []


async def test_invitations_are_mailed_when_asked(
    database: Database,
    services: Services,
    original: Original,
    db: AsyncSession,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    await run(database, services, original, send_invitations=True)

    invitation = (await db.scalars(select(Invitation))).one()
    assert aware(invitation.expires_at) == frozen_clock.current + timedelta(hours=48)
    mail = (await db.scalars(select(OutboxMessage))).all()
    assert [(message.to_address, message.kind) for message in mail] == [
        ("new@acme.test", "invitation")
    ]

    assert await outbox(database, smtp_sink).send_due() == 1
    [received] = smtp_sink.messages
    assert received.to == ["new@acme.test"]
    assert invitation_url(BASE_URL, invitation.id) in received.text
    assert "Acme" in received.subject + received.text


async def test_resumes_come_from_the_original_s3_bucket(
    database: Database,
    services: Services,
    original: Original,
    db: AsyncSession,
    moto_endpoint: str,
) -> None:
    bucket = make_bucket(moto_endpoint)
    bucket_files = s3_storage(moto_endpoint, bucket, "wegotwork")

    async def chunks() -> AsyncIterator[bytes]:
        yield (original.resumes_dir / "resumes" / "ann.pdf").read_bytes()

    await bucket_files.save("resumes/ann.pdf", chunks(), "application/pdf")

    report = await run_import(
        database,
        services.storage,
        ImportOptions(source_url=original.url, resumes=bucket_files),
    )

    assert report.resumes_copied == 1
    ann = (await db.scalars(select(Applicant).where(Applicant.email == "Ann@mail.test"))).one()
    assert ann.resume_key is not None
    copied = b"".join([chunk async for chunk in services.storage.open(ann.resume_key)])
    assert copied.startswith(b"%PDF-")
    assert "missing or unreadable" in reasons(report, "repaired")["c-a3"]


async def test_an_address_that_has_an_account_here_is_merged_and_erased_rows_stay_erased(
    database: Database, services: Services, original: Original, db: AsyncSession
) -> None:
    here = await make_user(db, email="alice@acme.test", password="a password of her own")
    await db.commit()

    first = await run(database, services, original)

    assert "merged into the account here" in reasons(first, "merged")["c-alice"]
    assert "already signs in with credential" in reasons(first, "skipped")["c-acc-alice"]
    assert await by_source(db, "user", "c-alice") == here.id
    memberships = (await db.scalars(select(Member.role).where(Member.user_id == here.id))).all()
    assert sorted(memberships) == [Role.OWNER, Role.OWNER]

    # A candidate erased here is not brought back by the next run.
    eve = await by_source(db, "applicant", "c-a6")
    await db.execute(delete(Applicant).where(Applicant.id == eve))
    await db.commit()

    again = await run(database, services, original)

    assert "not brought back" in reasons(again, "skipped")["c-a6"]
    assert await db.get(Applicant, eve) is None
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 4
