"""The migrations build the whole schema and take it down again, on both databases, and the
models agree with what the migrations create."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Insert, column, func, insert, inspect, select, table

from tests.fixtures.database import FreshDatabase
from wegotwork import migrate
from wegotwork.db import create_engine
from wegotwork.models import (
    ActivityKind,
    Applicant,
    ApplicantActivity,
    ApplicantEvent,
    ApplicantStatus,
    Base,
    CandidateLink,
    Job,
    MessageTemplate,
    Organization,
    Pipeline,
    PipelineStage,
    RejectionReason,
    User,
)

TABLES = {
    "user",
    "session",
    "account",
    "verification",
    "rate_limit",
    "organization",
    "member",
    "invitation",
    "job_category",
    "job",
    "applicant",
    "applicant_event",
    "import_mapping",
    "outbox",
    "mail_send",
    "tracked_source",
    "page_view_daily",
    "funnel_count",
    "funnel_duration",
    "funnel_count_rollup",
    "funnel_duration_job_rollup",
    "funnel_duration_source_rollup",
    "task_lease",
    "pipeline",
    "pipeline_stage",
    "applicant_activity",
    "note",
    "notification",
    "scorecard_attribute",
    "scorecard",
    # Privacy (issue 22)
    "privacy_audit",
    "privacy_pending_file",
    # Candidate communication
    "message_template",
    "rejection_reason",
    "message",
    "candidate_link",
    "communication_settings",
    # Application forms
    "library_question",
    "question",
    "answer",
}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


async def _drift(url: str) -> list[object]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()


async def test_migrations_go_up_and_down(dialect: str, fresh_databases: FreshDatabase) -> None:
    url = await fresh_databases.create(dialect)
    await asyncio.to_thread(migrate.upgrade, url)
    assert await _tables(url) == TABLES
    assert await asyncio.to_thread(migrate.current_revision, url) == migrate.head_revision()
    await asyncio.to_thread(migrate.downgrade, url, "base")
    assert await _tables(url) == set()
    await asyncio.to_thread(migrate.upgrade, url)
    assert await _tables(url) == TABLES


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection", "ignore:autogenerate skipping")
async def test_models_match_the_migrations(dialect: str, fresh_databases: FreshDatabase) -> None:
    url = await fresh_databases.create_migrated(dialect)
    drift = [
        change
        for change in await _drift(url)
        # Expression indexes cannot be reflected on SQLite; PostgreSQL compares them.
        if not (
            isinstance(change, tuple)
            and change[0] in {"add_index", "remove_index"}
            and dialect == "sqlite"
        )
    ]
    assert drift == []


# Columns later revisions added: an old release's INSERT does not name them.
LATER_COLUMNS = {
    "retention_months",
    "quarantine_days",
    "quarantined_at",
    "legal_hold",
    "notify_mentions",
    "notify_scorecards",
}


def _old(model: type[Base], **values: object) -> Insert:
    """An INSERT into ``model``'s table as an old release wrote it: ``values`` and the defaults
    of the columns it knew (not of LATER_COLUMNS)."""
    full = dict(values)
    source = model.__table__  # type: ignore[attr-defined]
    for item in source.columns:
        default = item.default
        if item.name in full or item.name in LATER_COLUMNS or default is None:
            continue
        full[item.name] = default.arg(None) if default.is_callable else default.arg
    columns = (column(key, source.c[key].type) for key in full)
    return insert(table(source.name, *columns)).values(**full)


async def _round_one_data(url: str) -> dict[str, ApplicantStatus]:
    """Two organizations as a database before pipelines holds them: a job each, an applicant
    in every status (with the status changes that brought it there). Returns the applicants'
    statuses by id."""
    engine = create_engine(url, pool_size=1)
    statuses: dict[str, ApplicantStatus] = {}
    try:
        async with engine.begin() as connection:
            user = "u" * 32
            await connection.execute(_old(User, id=user, name="Old Owner", email="old@example.com"))
            for number in range(2):
                org = f"{number}" * 32
                job = f"j{number}".ljust(32, "x")
                await connection.execute(
                    _old(Organization, id=org, name=f"Old {number}", slug=f"old-{number}")
                )
                await connection.execute(_old(Job, id=job, organization_id=org, title="Old job"))
                for status in ApplicantStatus:
                    applicant = f"a{number}{status.value}".ljust(32, "x")
                    statuses[applicant] = status
                    await connection.execute(
                        _old(
                            Applicant,
                            id=applicant,
                            organization_id=org,
                            job_id=job,
                            name=f"Candidate {status.value}",
                            email=f"{status.value.lower()}@example.com",
                            status=status,
                        )
                    )
                    if status is not ApplicantStatus.SUBMITTED:
                        await connection.execute(
                            _old(
                                ApplicantEvent,
                                applicant_id=applicant,
                                actor_id=user,
                                from_status=ApplicantStatus.SUBMITTED,
                                to_status=status,
                            )
                        )
    finally:
        await engine.dispose()
    return statuses


async def test_existing_applicants_move_into_the_default_pipeline(
    dialect: str, fresh_databases: FreshDatabase
) -> None:
    url = await fresh_databases.create(dialect)
    await asyncio.to_thread(migrate.upgrade, url, "0006_import_mapping")
    statuses = await _round_one_data(url)
    await asyncio.to_thread(migrate.upgrade, url)

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            pipelines = (await connection.execute(select(Pipeline.__table__))).all()
            assert len(pipelines) == 2
            assert all(row.is_default and row.name == "Default" for row in pipelines)
            stages = (
                await connection.execute(
                    select(PipelineStage.__table__).order_by(
                        PipelineStage.pipeline_id, PipelineStage.position
                    )
                )
            ).all()
            by_id = {row.id: row for row in stages}
            for pipeline in pipelines:
                own = [row for row in stages if row.pipeline_id == pipeline.id]
                assert [row.status for row in own] == [
                    "SUBMITTED",
                    "UNDERREVIEW",
                    "INTERVIEW",
                    "OFFER",
                    "HIRED",
                    "REJECTED",
                ]
                assert {row.organization_id for row in own} == {pipeline.organization_id}
            jobs = (await connection.execute(select(Job.pipeline_id, Job.organization_id))).all()
            owner = {row.id: row.organization_id for row in pipelines}
            assert all(owner[pipeline_id] == org for pipeline_id, org in jobs)
            applicants = (
                await connection.execute(
                    select(
                        Applicant.id,
                        Applicant.status,
                        Applicant.stage_id,
                        Applicant.organization_id,
                    )
                )
            ).all()
            assert {row.id: ApplicantStatus(row.status) for row in applicants} == statuses
            for row in applicants:
                stage = by_id[row.stage_id]
                assert stage.status == row.status
                assert stage.organization_id == row.organization_id
            kinds = dict(
                (
                    await connection.execute(
                        select(ApplicantActivity.kind, func.count()).group_by(
                            ApplicantActivity.kind
                        )
                    )
                ).all()
            )
            assert kinds == {
                ActivityKind.APPLIED.value: len(statuses),
                ActivityKind.STAGE_CHANGED.value: len(statuses) - 2,
            }
    finally:
        await engine.dispose()

    await asyncio.to_thread(migrate.downgrade, url, "0006_import_mapping")
    assert "pipeline" not in await _tables(url)
    assert await _applicant_count(url) == len(statuses)


async def _applicant_count(url: str) -> int:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return int(
                await connection.scalar(select(func.count()).select_from(Applicant.__table__)) or 0
            )
    finally:
        await engine.dispose()


# Privacy (issue 22)
async def test_existing_organizations_and_applicants_get_the_privacy_defaults(
    dialect: str, fresh_databases: FreshDatabase
) -> None:
    url = await fresh_databases.create(dialect)
    await asyncio.to_thread(migrate.upgrade, url, "0006_import_mapping")
    await _round_one_data(url)
    await asyncio.to_thread(migrate.upgrade, url, "0009_team_review")
    await asyncio.to_thread(migrate.upgrade, url, "0012_privacy")
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            organizations = (
                await connection.execute(
                    select(Organization.retention_months, Organization.quarantine_days)
                )
            ).all()
            assert [tuple(row) for row in organizations] == [(24, 30), (24, 30)]
            applicants = (
                await connection.execute(
                    select(Applicant.legal_hold, Applicant.quarantined_at).distinct()
                )
            ).all()
            assert [tuple(row) for row in applicants] == [(False, None)]
            # The new columns leave the expression indexes (one application per email and job,
            # one slug per organization) in place.
            indexes = await connection.run_sync(
                lambda sync: (
                    {
                        index["name"]
                        for name in ("applicant", "organization")
                        for index in inspect(sync).get_indexes(name)
                    }
                    | {
                        row[0]
                        for row in sync.exec_driver_sql(
                            "SELECT name FROM sqlite_master WHERE type = 'index'"
                        )
                    }
                    if sync.dialect.name == "sqlite"
                    else {
                        index["name"]
                        for name in ("applicant", "organization")
                        for index in inspect(sync).get_indexes(name)
                    }
                )
            )
            assert {"uq_applicant_job_id_email", "uq_organization_slug_lower"} <= indexes
    finally:
        await engine.dispose()
    await asyncio.to_thread(migrate.downgrade, url, "0009_team_review")
    assert "privacy_audit" not in await _tables(url)


async def test_existing_organizations_get_the_default_templates_and_reasons(
    dialect: str, fresh_databases: FreshDatabase
) -> None:
    """Candidate communication: every organization that exists when the revision runs gets a
    template of each kind (the confirmation with the status link) and the default reasons."""
    url = await fresh_databases.create(dialect)
    await asyncio.to_thread(migrate.upgrade, url, "0009_team_review")
    await _round_one_data(url)
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(
                        MessageTemplate.organization_id, MessageTemplate.kind, MessageTemplate.body
                    )
                )
            ).all()
            reasons = await connection.scalar(
                select(func.count()).select_from(RejectionReason.__table__)
            )
    finally:
        await engine.dispose()
    kinds: dict[str, set[str]] = {}
    for organization_id, kind, body in rows:
        kinds.setdefault(organization_id, set()).add(str(kind))
        if str(kind) == "confirmation":
            assert "{{statusUrl}}" in body
    assert list(kinds.values()) == [{"confirmation", "rejection", "interview", "offer"}] * 2
    assert reasons == 12


async def test_status_links_gain_an_empty_download_link_and_lose_it_going_down(
    dialect: str, fresh_databases: FreshDatabase
) -> None:
    """The candidate's "download my data" link: existing status links keep working and have no
    download link pending; going down removes the columns again."""
    url = await fresh_databases.create(dialect)
    await asyncio.to_thread(migrate.upgrade, url, "0006_import_mapping")
    statuses = await _round_one_data(url)
    await asyncio.to_thread(migrate.upgrade, url, "0010_application_questions")
    applicant = next(iter(statuses))
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                _old(
                    CandidateLink,
                    applicant_id=applicant,
                    organization_id="0" * 32,
                    nonce="n" * 32,
                    token_hash="t" * 64,
                )
            )
    finally:
        await engine.dispose()
    await asyncio.to_thread(migrate.upgrade, url, "0014_candidate_export")
    assert await asyncio.to_thread(migrate.current_revision, url) == "0014_candidate_export"
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(
                        CandidateLink.token_hash,
                        CandidateLink.export_hash,
                        CandidateLink.export_expires_at,
                        CandidateLink.export_used_at,
                    )
                )
            ).all()
            columns = await connection.run_sync(
                lambda sync: {item["name"] for item in inspect(sync).get_columns("candidate_link")}
            )
    finally:
        await engine.dispose()
    assert [tuple(row) for row in rows] == [("t" * 64, None, None, None)]
    assert {"export_hash", "export_expires_at", "export_used_at"} <= columns
    await asyncio.to_thread(migrate.downgrade, url, "0010_application_questions")
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {item["name"] for item in inspect(sync).get_columns("candidate_link")}
            )
            kept = await connection.scalar(
                select(func.count()).select_from(table("candidate_link"))
            )
    finally:
        await engine.dispose()
    assert not columns & {"export_hash", "export_expires_at", "export_used_at"}
    assert kept == 1


async def test_status_links_gain_an_empty_last_mail_time_and_lose_it_going_down(
    dialect: str, fresh_databases: FreshDatabase
) -> None:
    """Status-link expiry: existing links have no mail time (their decision alone counts) and
    keep working; going down removes the column and keeps the links."""
    url = await fresh_databases.create(dialect)
    await asyncio.to_thread(migrate.upgrade, url, "0006_import_mapping")
    statuses = await _round_one_data(url)
    await asyncio.to_thread(migrate.upgrade, url, "0015_scorecard_mail")
    applicant = next(iter(statuses))
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                _old(
                    CandidateLink,
                    applicant_id=applicant,
                    organization_id="0" * 32,
                    nonce="n" * 32,
                    token_hash="t" * 64,
                )
            )
    finally:
        await engine.dispose()
    await asyncio.to_thread(migrate.upgrade, url, "0016_status_link_expiry")
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(select(CandidateLink.token_hash, CandidateLink.mailed_at))
            ).all()
    finally:
        await engine.dispose()
    assert [tuple(row) for row in rows] == [("t" * 64, None)]
    await asyncio.to_thread(migrate.downgrade, url, "0015_scorecard_mail")
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {item["name"] for item in inspect(sync).get_columns("candidate_link")}
            )
            kept = await connection.scalar(
                select(func.count()).select_from(table("candidate_link"))
            )
    finally:
        await engine.dispose()
    assert "mailed_at" not in columns
    assert kept == 1
