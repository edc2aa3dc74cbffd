"""Arranging candidate communication: applicants of organization A with status links."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.mail import SmtpSink
from tests.fixtures.world import World
from wegotwork.db import Database
from wegotwork.mail.outbox import OutboxSender
from wegotwork.mail.transport import SmtpTransport
from wegotwork.messages.actions import ensure_link
from wegotwork.models import MessageTemplate, RejectionReason, TemplateKind


@dataclass(frozen=True)
class Place:
    org_id: str
    job_id: str
    applicant_ids: list[str]
    emails: list[str]
    tokens: list[str]
    templates: dict[str, str]
    reasons: dict[str, str]
    org_name: str
    names: dict[str, str]
    user_emails: dict[str, str]


def sender_for(database: Database, url: str) -> OutboxSender:
    return OutboxSender(database, SmtpTransport(url, timeout=2), "WeGotWork <no-reply@test>")


async def arrange(db: AsyncSession, world: World, secret: str, count: int = 1) -> Place:
    job = await factories.make_job(db, world.org, title="Analytical Engineer")
    applicants = [
        await factories.make_applicant(
            db, job, name=f"Ada Lovelace {index}", email=f"ada{index}@example.com"
        )
        for index in range(count)
    ]
    tokens = [await ensure_link(db, applicant, secret) for applicant in applicants]
    templates = {
        str(template.kind): template.id
        for template in await db.scalars(
            select(MessageTemplate).where(
                MessageTemplate.organization_id == world.org.id,
                MessageTemplate.kind != TemplateKind.OTHER,
            )
        )
    }
    reasons = {
        reason.name: reason.id
        for reason in await db.scalars(
            select(RejectionReason).where(RejectionReason.organization_id == world.org.id)
        )
    }
    place = Place(
        org_id=world.org.id,
        job_id=job.id,
        applicant_ids=[applicant.id for applicant in applicants],
        emails=[applicant.email for applicant in applicants],
        tokens=tokens,
        templates=templates,
        reasons=reasons,
        org_name=world.org.name,
        names={role: user.name for role, user in world.users.items()},
        user_emails={role: user.email for role, user in world.users.items()},
    )
    await db.commit()
    return place


async def drain(database: Database, sink: SmtpSink) -> int:
    sender = sender_for(database, sink.url)
    total = 0
    while sent := await sender.send_due():
        total += sent
    return total
