"""An SMTP outage during a 500-applicant bulk reject: nothing is lost, and each candidate gets
the mail once when SMTP is back, even when the sender is restarted halfway through."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.mail import SmtpSink, free_port
from tests.fixtures.world import World
from tests.messages.helpers import arrange, sender_for
from wegotwork.clock import FrozenClock
from wegotwork.db import Database
from wegotwork.deps import Services
from wegotwork.mail.outbox import BATCH, backoff, message_id_header
from wegotwork.models import Applicant, ApplicantStatus, Message, OutboxMessage

pytestmark = pytest.mark.slow

COUNT = 500


async def _rows(db: AsyncSession, ids: list[str]) -> list[OutboxMessage]:
    db.expire_all()
    return list(await db.scalars(select(OutboxMessage).where(OutboxMessage.applicant_id.in_(ids))))


async def _wait_until(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_smtp_down_during_a_bulk_reject_of_500_loses_nothing_and_sends_each_once(
    db: AsyncSession,
    world: World,
    services: Services,
    database: Database,
    smtp_sink: SmtpSink,
    frozen_clock: FrozenClock,
) -> None:
    place = await arrange(db, world, services.secret, count=COUNT)
    ids = place.applicant_ids
    send_at = frozen_clock.current + timedelta(minutes=10)

    # SMTP is down (nothing listens on the port) while the team rejects 500 applicants.
    down = sender_for(database, f"smtp://127.0.0.1:{free_port()}")
    done = await world.api("member").post(
        f"/api/v1/applicants/bulk?orgId={place.org_id}",
        json={
            "applicantIds": ids,
            "action": "reject",
            "reasonId": place.reasons["Skills do not match"],
            "templateId": place.templates["rejection"],
            "sendAt": send_at.isoformat(),
        },
    )
    assert done.status_code == 200, done.text
    assert done.json()["count"] == COUNT
    rejected = await db.scalar(
        select(func.count())
        .select_from(Applicant)
        .where(Applicant.id.in_(ids), Applicant.status == ApplicantStatus.REJECTED)
    )
    assert rejected == COUNT
    assert await db.scalar(select(func.count()).select_from(Message)) == COUNT
    assert len(await _rows(db, ids)) == COUNT

    # Their time comes: every attempt fails, and each is put back for later, none lost.
    frozen_clock.advance(timedelta(minutes=10, seconds=1))
    for attempt in (1, 2):
        for _pass in range(COUNT // BATCH + 2):  # a batch a pass, then nothing is due
            assert await down.send_due() == 0
        rows = await _rows(db, ids)
        assert len(rows) == COUNT
        assert {row.attempts for row in rows} == {attempt}
        assert all(row.sent_at is None and row.last_error for row in rows)
        assert all(row.next_attempt_at > frozen_clock.current for row in rows)
        assert smtp_sink.messages == []
        frozen_clock.advance(backoff(attempt) + timedelta(seconds=1))

    # SMTP is back. The first sender is stopped partway through the 500 (a restart); a new
    # one takes over.
    first = sender_for(database, smtp_sink.url)
    first.start()
    await _wait_until(lambda: len(smtp_sink.messages) >= COUNT // 4)
    await first.stop()
    delivered_by_first = len(smtp_sink.messages)
    assert COUNT // 4 <= delivered_by_first < COUNT
    second = sender_for(database, smtp_sink.url)
    second.start()
    try:
        await _wait_until(lambda: len(smtp_sink.messages) >= COUNT)
        await asyncio.sleep(0.5)  # room for a duplicate to show up
    finally:
        await second.stop()

    rows = await _rows(db, ids)
    assert all(row.sent_at is not None for row in rows)
    assert {row.attempts for row in rows} == {3}
    received = smtp_sink.messages
    assert len(received) == COUNT
    assert sorted(address for item in received for address in item.to) == sorted(place.emails)
    message_ids = [str(item.message["Message-ID"]) for item in received]
    assert len(set(message_ids)) == COUNT
    assert set(message_ids) == {message_id_header(row.id) for row in rows}
