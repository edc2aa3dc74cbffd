"""The outbox: durable mail. ``enqueue`` writes inside the caller's transaction; the sender
delivers after commit, retries with exponential backoff, and claims each message with a lease
(plus ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) so that several server processes never send the
same message twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import anyio
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import event as sa_event
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session as SyncSession

from wegotwork.db import Database, first_line, is_unavailable, new_id, utcnow
from wegotwork.mail.transport import Transport
from wegotwork.models import OutboxMessage

log = logging.getLogger("wegotwork.mail")

LEASE = timedelta(minutes=5)
STOP_GRACE = 10.0  # seconds a stopping sender may take to finish the message it is sending
RECORD_RETRIES = 4  # about 7 s of retries to record a delivered message
FIRST_RETRY = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=30)
BATCH = 20
WAKE_FLAG = "outbox_wake"

_mail_env = Environment(
    loader=PackageLoader("wegotwork.mail", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_message(template: str, **context: Any) -> tuple[str, str, str]:
    """Render ``mail/templates/<template>.{txt,html}``; the subject is the text's first line."""
    text = _mail_env.get_template(f"{template}.txt").render(**context)
    subject, _, body = text.partition("\n")
    html = _mail_env.get_template(f"{template}.html").render(subject=subject.strip(), **context)
    return subject.strip(), body.lstrip("\n"), html


def enqueue(
    db: AsyncSession,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    kind: str = "",
    applicant_id: str | None = None,
    reply_to: str | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Put a message in the outbox as part of the caller's transaction (sent after commit, not
    before ``not_before`` when given). ``applicant_id`` ties it to the candidate it is about, so
    that erasing them removes it, sent or not; ``reply_to`` is where answers go."""
    message = OutboxMessage(
        id=new_id(),
        to_address=to,
        subject=subject,
        text_body=text,
        html_body=html,
        kind=kind,
        applicant_id=applicant_id,
        reply_to=reply_to,
    )
    if not_before is not None:
        message.next_attempt_at = not_before
    db.add(message)
    db.sync_session.info[WAKE_FLAG] = True
    return message


def backoff(
    attempts: int,
    base: timedelta = FIRST_RETRY,
    cap: timedelta = MAX_BACKOFF,
) -> timedelta:
    """The wait before the next attempt: ``base``, twice that, four times... capped at ``cap``
    (by default 30 s, 1 min, 2 min, ... 30 minutes)."""
    return min(base * (1 << min(max(attempts - 1, 0), 32)), cap)


def message_id_header(outbox_id: str) -> str:
    """The Message-ID of the outbox row ``outbox_id`` (the same on every attempt)."""
    return f"<{outbox_id}@wegotwork.outbox>"


_senders: weakref.WeakSet[OutboxSender] = weakref.WeakSet()


@sa_event.listens_for(SyncSession, "after_commit")
def _wake_after_commit(session: SyncSession) -> None:
    if session.info.pop(WAKE_FLAG, False):
        for sender in list(_senders):
            sender.wake()


class OutboxSender:
    """Delivers due outbox messages; runs as a task beside the server in every process."""

    def __init__(
        self,
        db: Database,
        transport: Transport,
        sender_address: str,
        poll_seconds: float = 2.0,
        *,
        retry_seconds: float | None = None,
        retry_max_seconds: float | None = None,
        lease_seconds: float | None = None,
    ) -> None:
        self.db = db
        self.transport = transport
        self.sender_address = sender_address
        self.poll_seconds = poll_seconds
        self.first_retry = (
            FIRST_RETRY if retry_seconds is None else timedelta(seconds=retry_seconds)
        )
        self.max_backoff = (
            MAX_BACKOFF if retry_max_seconds is None else timedelta(seconds=retry_max_seconds)
        )
        self.lease = LEASE if lease_seconds is None else timedelta(seconds=lease_seconds)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        _senders.add(self)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop after the message being sent (at most ``grace`` seconds); the messages the
        pass had claimed but not begun are handed back at once, not after their lease."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            self._stopping = False

    async def _run(self) -> None:
        while not self._stopping:
            try:
                sent = await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_unavailable(exc):
                    log.warning("outbox pass failed, database unavailable: %s", first_line(exc))
                else:
                    log.exception("outbox pass failed")
                sent = 0
            if sent or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()

    async def _claim(self) -> list[OutboxMessage]:
        """Lease a batch of due messages in one atomic UPDATE ... RETURNING.

        On PostgreSQL the candidate rows are picked with ``FOR UPDATE SKIP LOCKED``, so
        concurrent senders take disjoint batches; the repeated ``due`` condition makes the
        claim safe on SQLite too, where writers are serialised.
        """
        now = utcnow()
        due = (
            (OutboxMessage.sent_at.is_(None))
            & (OutboxMessage.next_attempt_at <= now)
            & or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)
        )
        candidates = (
            select(OutboxMessage.id).where(due).order_by(OutboxMessage.next_attempt_at).limit(BATCH)
        )
        if self.db.dialect == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        claim = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates.scalar_subquery()), due)
            .values(locked_until=now + self.lease)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        async with self.db.sessionmaker() as session:
            claimed = list((await session.scalars(claim)).all())
            await session.commit()
        return claimed

    async def send_due(self) -> int:
        """Send every message that is due now; return how many went out.

        If the pass stops early (the database fails, the process shuts down, half the lease
        has gone by), the claimed messages it had not begun are released at once. A message
        whose sending had begun keeps its lease: it may have been delivered, and is retried
        only when the lease ends.
        """
        sent = 0
        claimed = await self._claim()
        # No message is begun after half the lease: a slow batch must not outlast its lease,
        # or another sender would claim the rest again and send it a second time.
        deadline = utcnow() + self.lease / 2
        untouched = {message.id for message in claimed}
        try:
            for message in claimed:
                if self._stopping or utcnow() >= deadline:
                    break
                untouched.discard(message.id)
                email = self._email(message)
                try:
                    await self.transport.send(email)
                except Exception as exc:
                    attempts = message.attempts + 1
                    log.warning(
                        "mail to %s failed (attempt %d): %s", message.to_address, attempts, exc
                    )
                    await self._record(
                        message.id,
                        attempts=attempts,
                        next_attempt_at=utcnow()
                        + backoff(attempts, self.first_retry, self.max_backoff),
                        last_error=str(exc)[:1000],
                        locked_until=None,
                    )
                else:
                    sent += 1
                    # Delivered: recording it must survive a database blip, or it goes twice.
                    await self._record(
                        message.id,
                        retries=RECORD_RETRIES,
                        attempts=message.attempts + 1,
                        sent_at=utcnow(),
                        locked_until=None,
                    )
        finally:
            if untouched:
                await self._release(untouched)
        return sent

    async def _record(self, message_id: str, retries: int = 0, **values: Any) -> None:
        for attempt in range(retries + 1):
            try:
                async with self.db.sessionmaker() as session:
                    await session.execute(
                        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
                    )
                    await session.commit()
                return
            except Exception as exc:
                if attempt == retries or not is_unavailable(exc):
                    raise
                await asyncio.sleep(0.5 * 2**attempt)

    async def _release(self, ids: set[str]) -> None:
        """Hand claimed messages back (best effort: if the database is down, the lease ends)."""
        with anyio.CancelScope(shield=True):
            try:
                async with self.db.sessionmaker() as session:
                    await session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None))
                        .values(locked_until=None)
                    )
                    await session.commit()
            except Exception as exc:
                log.warning(
                    "could not release %d claimed messages (retried after the lease): %s",
                    len(ids),
                    first_line(exc),
                )

    def _email(self, message: OutboxMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender_address
        email["To"] = message.to_address
        email["Subject"] = message.subject
        if message.reply_to:
            email["Reply-To"] = message.reply_to
        # Stable for the row: a retry after a crash between sending and recording carries the
        # same id, so the receiving side can tell it is the same message.
        email["Message-ID"] = message_id_header(message.id)
        email.set_content(message.text_body)
        if message.html_body:
            email.add_alternative(message.html_body, subtype="html")
        return email
