"""Retention with the clock moved: a candidate rejected 25 months ago is quarantined (hidden
everywhere), restored, quarantined again and erased when the quarantine ends; nothing of them
remains in any table or in storage; a held candidate stays through every path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from tests.privacy.helpers import candidate, keep_signed_in, reject, traces
from wegotwork.clock import FrozenClock
from wegotwork.db import Database, utcnow
from wegotwork.deps import Services
from wegotwork.models import Applicant, PendingFileDeletion, PrivacyAction, PrivacyAudit
from wegotwork.privacy import queries, retention

pytestmark = pytest.mark.usefixtures("dialect")

MONTH = timedelta(days=31)


async def _visible(world: World, applicant_id: str) -> dict[str, bool]:
    member = world.api("member")
    base = f"/api/v1/organizations/{world.org.id}/applicants"
    listed = await member.get(base)
    searched = await member.get(base, params={"q": "Grace Hopper"})
    detail = await member.get(f"/api/v1/applicants/{applicant_id}")
    browser = world.browser("member")
    pages = [
        await browser.get(f"/dashboard/{world.org.slug}{path}")
        for path in ("/applicants", "/board", "")
    ]
    assert all(page.status_code == 200 for page in pages)
    mentions = (await world.api("admin").get("/api/v1/notifications")).json()
    return {
        "mention": any(item["applicantId"] == applicant_id for item in mentions["notifications"]),
        "pages": any(applicant_id in page.text for page in pages),
        "list": any(row["id"] == applicant_id for row in listed.json().get("applicants", [])),
        "search": any(row["id"] == applicant_id for row in searched.json().get("applicants", [])),
        "detail": detail.status_code == 200,
    }


async def test_rejected_25_months_ago_quarantined_restored_quarantined_again_and_erased(
    db: AsyncSession,
    database: Database,
    world: World,
    services: Services,
    frozen_clock: FrozenClock,
) -> None:
    grace = await candidate(db, world, services)
    org_id = world.org.id
    await reject(world, grace.id)
    assert await _visible(world, grace.id) == {
        "mention": True,
        "pages": True,
        "list": True,
        "search": True,
        "detail": True,
    }

    await keep_signed_in(db, frozen_clock, 25 * MONTH)
    admin = world.api("admin")
    due = (await admin.get(f"/api/v1/organizations/{world.org.id}/privacy/due")).json()
    assert [item["id"] for item in due["quarantine"]] == [grace.id]
    assert due["erase"] == []

    report = await retention.run(database, services.storage)
    assert report.quarantined == 1
    assert report.erased == 0
    assert await _visible(world, grace.id) == {
        "mention": False,
        "pages": False,
        "list": False,
        "search": False,
        "detail": False,
    }
    board = await world.api("member").get(f"/api/v1/organizations/{world.org.id}/applicants/board")
    assert grace.id not in board.text
    due = (await admin.get(f"/api/v1/organizations/{world.org.id}/privacy/due")).json()
    assert [item["id"] for item in due["quarantined"]] == [grace.id]

    await keep_signed_in(db, frozen_clock, timedelta(hours=1))
    restored = await admin.post(f"/api/v1/applicants/{grace.id}/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["applicant"]["quarantinedAt"] is None
    assert await _visible(world, grace.id) == {
        "mention": True,
        "pages": True,
        "list": True,
        "search": True,
        "detail": True,
    }
    again = await admin.post(f"/api/v1/applicants/{grace.id}/restore")
    assert again.status_code == 409
    assert again.json()["message"] == "This applicant is not in quarantine"

    await keep_signed_in(db, frozen_clock, timedelta(days=1))
    report = await retention.run(database, services.storage)
    assert report.quarantined == 1
    await keep_signed_in(db, frozen_clock, timedelta(days=29))
    assert (await retention.run(database, services.storage)).erased == 0
    await keep_signed_in(db, frozen_clock, timedelta(days=1, seconds=1))
    report = await retention.run(database, services.storage)
    assert report.erased == 1
    assert report.files_deleted == 1

    assert await traces(db, grace.id, grace.email, grace.name, skip=("privacy_audit",)) == {}
    assert not await services.storage.exists(grace.resume_key)
    assert await db.scalar(select(func.count()).select_from(PendingFileDeletion)) == 0
    audit = (await admin.get(f"/api/v1/organizations/{org_id}/privacy/audit")).json()
    actions = [entry["action"] for entry in audit["entries"] if entry["applicantId"] == grace.id]
    assert actions == ["erase", "quarantine", "restore", "quarantine"]
    assert grace.name not in str(audit)
    assert grace.email not in str(audit)

    gone = await admin.post(f"/api/v1/applicants/{grace.id}/restore")
    assert gone.status_code == 409
    assert gone.json()["message"].startswith("This applicant was erased")
    assert (
        await world.api("outsider").post(f"/api/v1/applicants/{grace.id}/restore")
    ).status_code == 404


async def test_a_held_candidate_is_never_quarantined_or_erased(
    db: AsyncSession,
    database: Database,
    world: World,
    services: Services,
    frozen_clock: FrozenClock,
) -> None:
    held = await candidate(db, world, services, name="Held Person")
    await reject(world, held.id)
    admin = world.api("admin")
    assert (await world.api("member").post(f"/api/v1/applicants/{held.id}/hold")).status_code == 403
    hold = await admin.post(f"/api/v1/applicants/{held.id}/hold")
    assert hold.status_code == 200
    assert hold.json()["applicant"]["legalHold"] is True

    await keep_signed_in(db, frozen_clock, 60 * MONTH)
    due = (await admin.get(f"/api/v1/organizations/{world.org.id}/privacy/due")).json()
    assert due["quarantine"] == []
    assert due["held"] == [held.id]
    report = await retention.run(database, services.storage)
    assert report.quarantined == 0
    assert report.erased == 0
    # By hand: neither quarantine nor erasure (API) while held.
    assert (await admin.post(f"/api/v1/applicants/{held.id}/quarantine")).status_code == 409
    erase = await world.api("member").delete(f"/api/v1/applicants/{held.id}")
    assert erase.status_code == 409
    # A quarantined candidate put under hold comes back and stays.
    assert (await admin.delete(f"/api/v1/applicants/{held.id}/hold")).status_code == 200
    assert (await admin.post(f"/api/v1/applicants/{held.id}/quarantine")).status_code == 200
    assert (await admin.post(f"/api/v1/applicants/{held.id}/hold")).status_code == 200
    await keep_signed_in(db, frozen_clock, timedelta(days=400))
    report = await retention.run(database, services.storage)
    assert report.erased == 0
    assert report.quarantined == 0
    db.expire_all()
    row = await db.get(Applicant, held.id)
    assert row is not None
    assert row.legal_hold
    assert row.quarantined_at is None
    assert await services.storage.exists(held.resume_key)
    # Even a row quarantined behind the hold's back is never erased while held.
    row.quarantined_at = frozen_clock.current - timedelta(days=400)
    await db.commit()
    report = await retention.run(database, services.storage)
    assert report.erased == 0
    db.expire_all()
    assert await db.get(Applicant, held.id) is not None


async def test_erasure_through_the_api_leaves_nothing_and_is_audited(
    db: AsyncSession, world: World, services: Services, database: Database
) -> None:
    grace = await candidate(db, world, services)
    erased = await world.api("member").delete(f"/api/v1/applicants/{grace.id}")
    assert erased.status_code == 200
    assert not await services.storage.exists(grace.resume_key)
    assert (
        await traces(
            db, grace.id, grace.email, grace.name, skip=("privacy_audit", "privacy_pending_file")
        )
        == {}
    )
    audit = await db.scalar(
        select(func.count()).select_from(PrivacyAudit).where(PrivacyAudit.applicant_id == grace.id)
    )
    assert audit == 1
    # The next run clears what the request noted.
    await retention.run(database, services.storage)
    assert await db.scalar(select(func.count()).select_from(PendingFileDeletion)) == 0


async def test_an_undecided_candidate_of_a_closed_job_is_quarantined_and_leaves_exports(
    db: AsyncSession,
    database: Database,
    world: World,
    services: Services,
    frozen_clock: FrozenClock,
) -> None:
    """A process also ends when its job is closed (the team never decided): the retention
    period runs from then, and a quarantined candidate is in no export or list."""
    waiting = await candidate(db, world, services, name="Ada Waiting")
    applicant = await db.get(Applicant, waiting.id)
    assert applicant is not None
    job_id = applicant.job_id
    slug = world.org.slug
    await db.commit()
    admin = world.api("admin")
    # Closing with undecided applicants needs force (or rejecting them first).
    closed = await admin.patch(f"/api/v1/jobs/{job_id}", json={"status": "closed", "force": True})
    assert closed.status_code == 200, closed.text
    assert closed.json()["job"]["status"] == "closed"

    await keep_signed_in(db, frozen_clock, 23 * MONTH)
    assert (await retention.run(database, services.storage)).quarantined == 0
    export = await world.browser("member").get(f"/dashboard/{slug}/applicants/export.csv")
    assert "Ada Waiting" in export.text

    await keep_signed_in(db, frozen_clock, 2 * MONTH)
    report = await retention.run(database, services.storage)
    assert report.quarantined == 1
    export = await world.browser("member").get(f"/dashboard/{slug}/applicants/export.csv")
    assert export.status_code == 200
    assert "Ada Waiting" not in export.text
    job_list = await world.api("member").get(f"/api/v1/jobs/{job_id}/applicants")
    assert job_list.json()["applicants"] == []
    analytics = await admin.get(f"/api/v1/organizations/{world.org.id}/analytics")
    assert analytics.status_code == 200
    assert "Ada Waiting" not in analytics.text


async def test_a_run_quarantines_in_batches_each_its_own_transaction(
    db: AsyncSession,
    database: Database,
    world: World,
    services: Services,
    frozen_clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A first run over a large organization may find hundreds of thousands due: they go in
    # batches (here of 2), never as one statement with every id in it.
    monkeypatch.setattr(retention, "QUARANTINE_BATCH", 2)
    job = await factories.make_job(db, world.org)
    ids = [
        (await factories.make_applicant(db, job, name=f"Batch {number}")).id for number in range(5)
    ]
    await db.commit()
    for applicant_id in ids:
        await reject(world, applicant_id)
    await keep_signed_in(db, frozen_clock, 25 * MONTH)
    # The run reads the due ids in pieces (here of 2): the same ids, in the same order, as the
    # due list the privacy page shows.
    monkeypatch.setattr(queries, "ID_PIECE", 2)
    months = world.org.retention_months
    listed = await queries.to_quarantine(db, world.org.id, months, utcnow())
    read = await queries.ids_to_quarantine(db, world.org.id, months, utcnow())
    assert read == [item.id for item in listed]
    assert sorted(read) == sorted(ids)
    await db.rollback()
    updates: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE APPLICANT SET QUARANTINED_AT"):
            updates.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        report = await retention.run(database, services.storage)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert report.quarantined == 5
    assert len(updates) == 3
    db.expire_all()
    rows = (await db.scalars(select(Applicant).where(Applicant.id.in_(ids)))).all()
    assert [row.quarantined_at is not None for row in rows] == [True] * 5
    audited = await db.scalar(
        select(func.count())
        .select_from(PrivacyAudit)
        .where(PrivacyAudit.applicant_id.in_(ids), PrivacyAudit.action == PrivacyAction.QUARANTINE)
    )
    assert audited == 5
