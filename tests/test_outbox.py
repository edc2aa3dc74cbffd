"""Mail goes out through the outbox: after commit, retried with backoff while SMTP is down,
and never twice even with several senders."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.mail import SmtpSink, free_port
from wegotwork.clock import FrozenClock
from wegotwork.db import Database
from wegotwork.mail import enqueue, render_message
from wegotwork.mail.outbox import OutboxSender, backoff
from wegotwork.mail.transport import SmtpTransport
from wegotwork.models import OutboxMessage
from wegotwork.settings import load_settings


def sender_for(database: Database, url: str) -> OutboxSender:
    return OutboxSender(database, SmtpTransport(url, timeout=2), "WeGotWork <no-reply@test>")


async def test_a_committed_message_is_delivered(
    db: AsyncSession, database: Database, smtp_sink: SmtpSink
) -> None:
    enqueue(db, to="ada@example.com", subject="Hello", text="Plain body", html="<p>Rich body</p>")
    await db.commit()
    sent = await sender_for(database, smtp_sink.url).send_due()
    assert sent == 1
    [received] = smtp_sink.to("ada@example.com")
    assert received.subject == "Hello"
    assert "Plain body" in received.text
    assert "<p>Rich body</p>" in received.html
    row = (await db.execute(select(OutboxMessage))).scalar_one()
    await db.refresh(row)
    assert row.sent_at is not None
    assert row.attempts == 1


async def test_an_uncommitted_message_is_never_sent(
    db: AsyncSession, database: Database, smtp_sink: SmtpSink
) -> None:
    enqueue(db, to="ghost@example.com", subject="Never", text="x")
    await db.rollback()
    assert await sender_for(database, smtp_sink.url).send_due() == 0
    assert smtp_sink.messages == []


async def test_smtp_outage_is_retried_with_backoff_until_it_succeeds(
    db: AsyncSession, database: Database, smtp_sink: SmtpSink, frozen_clock: FrozenClock
) -> None:
    enqueue(db, to="bob@example.com", subject="Retry me", text="x")
    await db.commit()
    down = sender_for(database, f"smtp://127.0.0.1:{free_port()}")
    assert await down.send_due() == 0
    row = (await db.execute(select(OutboxMessage))).scalar_one()
    await db.refresh(row)
    assert row.attempts == 1
    assert row.sent_at is None
    assert row.last_error
    assert row.next_attempt_at == frozen_clock.current + backoff(1)

    up = sender_for(database, smtp_sink.url)
    assert await up.send_due() == 0, "not due before its backoff has passed"
    frozen_clock.advance(backoff(1) + timedelta(seconds=1))
    assert await up.send_due() == 1
    assert len(smtp_sink.to("bob@example.com")) == 1


def test_backoff_grows_and_is_capped() -> None:
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(seconds=60)
    assert backoff(20) == timedelta(minutes=30)
    assert backoff(1000) == timedelta(minutes=30)
    short = (timedelta(seconds=1), timedelta(seconds=4))
    assert [backoff(n, *short).total_seconds() for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 4, 4]


async def test_the_retry_schedule_follows_the_settings(
    db: AsyncSession, database: Database, smtp_sink: SmtpSink, frozen_clock: FrozenClock
) -> None:
    """WEGOTWORK_OUTBOX_RETRY_SECONDS / _MAX_SECONDS: an outage of minutes is caught up within
    seconds of SMTP coming back when the operator asks for a short schedule."""
    settings = load_settings(outbox_retry_seconds=2, outbox_retry_max_seconds=5)
    enqueue(db, to="eve@example.com", subject="Soon", text="x")
    await db.commit()
    down = OutboxSender(
        database,
        SmtpTransport(f"smtp://127.0.0.1:{free_port()}", timeout=2),
        "WeGotWork <no-reply@test>",
        retry_seconds=settings.outbox_retry_seconds,
        retry_max_seconds=settings.outbox_retry_max_seconds,
    )
    waits = []
    for _attempt in range(3):
        assert await down.send_due() == 0
        row = (await db.execute(select(OutboxMessage))).scalar_one()
        await db.refresh(row)
        waits.append((row.next_attempt_at - frozen_clock.current).total_seconds())
        frozen_clock.advance(timedelta(seconds=waits[-1]))
    assert waits == [2, 4, 5]
    assert await sender_for(database, smtp_sink.url).send_due() == 1
    assert len(smtp_sink.to("eve@example.com")) == 1


async def test_competing_senders_send_each_message_once(
    fresh_databases, dialect: str, smtp_sink: SmtpSink
) -> None:
    from wegotwork.db import create_engine

    url = await fresh_databases.create_migrated(dialect)
    engine = create_engine(url, pool_size=4)
    database = Database(engine)
    try:
        async with database.sessionmaker() as session:
            for index in range(15):
                enqueue(session, to=f"person{index}@example.com", subject="Once", text="x")
            await session.commit()
        senders = [sender_for(database, smtp_sink.url) for _ in range(3)]
        results = await asyncio.gather(*(sender.send_due() for sender in senders))
        assert sum(results) == 15
        assert len(smtp_sink.messages) == 15
        assert len({tuple(item.to) for item in smtp_sink.messages}) == 15
    finally:
        await engine.dispose()


def test_message_templates_render_subject_text_and_html() -> None:
    subject, text, html = render_message("example", name="Ada <script>")
    assert subject == "Welcome, Ada <script>"
    assert "Hello Ada <script>" in text
    assert "Ada &lt;script&gt;" in html


class SlowTransport:
    """The real SMTP transport, with a pause before each message (a slow mail server)."""

    def __init__(self, url: str, pause: float) -> None:
        self.inner = SmtpTransport(url, timeout=2)
        self.pause = pause
        self.started = asyncio.Event()

    async def send(self, message: EmailMessage) -> None:
        self.started.set()
        await asyncio.sleep(self.pause)
        await self.inner.send(message)


async def _rows(db: AsyncSession) -> list[OutboxMessage]:
    rows = list(
        (await db.execute(select(OutboxMessage).order_by(OutboxMessage.to_address))).scalars()
    )
    for row in rows:
        await db.refresh(row)
    return rows


async def test_stopping_finishes_the_message_in_flight_and_hands_back_the_rest(
    db: AsyncSession, database: Database, smtp_sink: SmtpSink
) -> None:
    """A graceful shutdown mid-batch: the claimed messages not begun are due again at once
    (not after the five-minute lease), and the one being sent is sent once."""
    for index in range(5):
        enqueue(db, to=f"p{index}@example.com", subject="Batch", text="x")
    await db.commit()
    transport = SlowTransport(smtp_sink.url, pause=0.3)
    sender = OutboxSender(database, transport, "WeGotWork <no-reply@test>")
    sender.start()
    await asyncio.wait_for(transport.started.wait(), 5)
    await sender.stop()
    rows = await _rows(db)
    assert len(smtp_sink.messages) == 1
    assert sum(row.sent_at is not None for row in rows) == 1
    assert all(row.locked_until is None for row in rows)
    assert await sender_for(database, smtp_sink.url).send_due() == 4
    assert len({tuple(item.to) for item in smtp_sink.messages}) == 5


async def test_a_pass_cut_short_keeps_only_the_message_in_flight_leased(
    db: AsyncSession, database: Database, smtp_sink: SmtpSink
) -> None:
    for index in range(3):
        enqueue(db, to=f"q{index}@example.com", subject="Cut", text="x")
    await db.commit()
    transport = SlowTransport(smtp_sink.url, pause=60)
    sender = OutboxSender(database, transport, "WeGotWork <no-reply@test>")
    task = asyncio.create_task(sender.send_due())
    await asyncio.wait_for(transport.started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rows = await _rows(db)
    leased = [row for row in rows if row.locked_until is not None]
    assert len(leased) == 1, "the message whose sending began may have gone: it keeps its lease"
    assert all(row.sent_at is None for row in rows)
    assert smtp_sink.messages == []


async def test_a_batch_slower_than_its_lease_is_never_sent_twice(
    fresh_databases, dialect: str, smtp_sink: SmtpSink
) -> None:
    """A slow SMTP server and a short lease: a sender stops beginning messages after half its
    lease and hands the rest back, so a competing sender never takes over a message it still
    holds."""
    from wegotwork.db import create_engine

    url = await fresh_databases.create_migrated(dialect)
    engine = create_engine(url, pool_size=4)
    database = Database(engine)
    try:
        async with database.sessionmaker() as session:
            for index in range(6):
                enqueue(session, to=f"slow{index}@example.com", subject="Slow", text="x")
            await session.commit()
        senders = [
            OutboxSender(
                database,
                SlowTransport(smtp_sink.url, pause=0.4),
                "WeGotWork <no-reply@test>",
                # Half the lease (when a sender stops beginning messages) fits three slow
                # messages, and leaves a whole second for the last one on a busy machine.
                lease_seconds=3,
            )
            for _ in range(2)
        ]

        async def drain(sender: OutboxSender) -> None:
            for _round in range(40):
                await sender.send_due()
                await asyncio.sleep(0.05)
                if len(smtp_sink.messages) >= 6:
                    return

        await asyncio.gather(drain(senders[0]), drain(senders[1]))
        received = [tuple(item.to) for item in smtp_sink.messages]
        assert len(received) == 6
        assert len(set(received)) == 6, "a message was sent twice"
    finally:
        await engine.dispose()
