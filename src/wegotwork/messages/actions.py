"""Candidate communication: templates, rejection reasons, messages to applicants (now or at a
time, cancelled until sent), decisions with a reason, bulk actions, the reply promise and the
organization's overdue applicants.

Every action flushes and never commits; the face commits once. Actions take an OrgContext and
check the permission themselves. Mail goes through the outbox: a message at a time is an outbox
row that is not sent before its time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import new_id, utcnow
from wegotwork.errors import Conflict, Invalid, NotFound
from wegotwork.mail import enqueue
from wegotwork.messages import links, templates
from wegotwork.messages.defaults import DEFAULT_REASONS, DEFAULT_TEMPLATES
from wegotwork.models import (
    ActivityKind,
    Applicant,
    ApplicantStatus,
    CandidateLink,
    CommunicationSettings,
    Job,
    Message,
    MessageTemplate,
    Organization,
    OutboxMessage,
    PipelineStage,
    RejectionReason,
    TemplateKind,
    User,
)
from wegotwork.pipelines import actions as pipelines
from wegotwork.privacy import registry as privacy_registry
from wegotwork.privacy.registry import Part, Section, Subject
from wegotwork.schemas import plausible_id
from wegotwork.tenancy.allowance import MailKind, claim_mail
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, owned_by, scoped

APPLICANT_NOT_FOUND = "Applicant does not exist"
TEMPLATE_NOT_FOUND = "Template does not exist"
MESSAGE_NOT_FOUND = "Message does not exist"
REASON_NOT_FOUND = "Rejection reason does not exist"
# The code of the Conflict that closing a job with applicants still waiting meets.
UNDECIDED_APPLICANTS = "UNDECIDED_APPLICANTS"
MAX_AHEAD = timedelta(days=90)
PAST_GRACE = timedelta(minutes=1)
MORNING_HOUR = 8
END_STATES = (ApplicantStatus.REJECTED, ApplicantStatus.HIRED)
MAX_TEMPLATE_NAME = 120
MAX_SUBJECT = 255
MAX_BODY = 20_000
MAX_REASON = 80


class MessageStatus(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class MessageView:
    message: Message
    sender: User | None
    status: MessageStatus


@dataclass(frozen=True, slots=True)
class Draft:
    """What to send: a template, or a subject and body written for this message."""

    template_id: str | None = None
    subject: str | None = None
    body: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """The reply promise of an organization."""

    reply_within_days: int
    reply_to: str | None
    privacy_notice_url: str | None
    timezone: str


# ---------------------------------------------------------------------------------------------
# Organizations


def seed_organization(db: AsyncSession, organization_id: str) -> None:
    """Give a new organization one template of each kind and the default rejection reasons.
    Called by whoever creates the organization, in the same transaction."""
    now = utcnow()
    for kind, name, subject, body in DEFAULT_TEMPLATES:
        db.add(
            MessageTemplate(
                id=new_id(),
                organization_id=organization_id,
                name=name,
                kind=kind,
                subject=subject,
                body=body,
                created_at=now,
                updated_at=now,
            )
        )
    for position, name in enumerate(DEFAULT_REASONS):
        db.add(
            RejectionReason(
                id=new_id(),
                organization_id=organization_id,
                name=name,
                position=position,
                created_at=now,
            )
        )


async def reply_settings(db: AsyncSession, organization_id: str) -> Reply:
    """The organization's reply promise (the defaults until it sets its own). For the
    organization's own routes and for its candidates' status pages."""
    found = await db.get(CommunicationSettings, organization_id)
    if found is None:
        return Reply(14, None, None, "UTC")
    return Reply(found.reply_within_days, found.reply_to, found.privacy_notice_url, found.timezone)


async def update_reply_settings(
    db: AsyncSession,
    ctx: OrgContext,
    *,
    reply_within_days: int | None = None,
    reply_to: str | None = None,
    privacy_notice_url: str | None = None,
    timezone: str | None = None,
    clear: Sequence[str] = (),
) -> Reply:
    """Change the reply promise. Admins (UPDATE_ORGANIZATION) may call it. Raises Invalid
    (``timezone``) for an unknown time zone."""
    ctx.require(Permission.UPDATE_ORGANIZATION)
    if timezone is not None:
        _zone(timezone)  # refused before anything changes
    row = await db.get(CommunicationSettings, ctx.organization.id, with_for_update=True)
    if row is None:
        now = utcnow()
        row = CommunicationSettings(
            organization_id=ctx.organization.id,
            reply_within_days=14,
            timezone="UTC",
            created_at=now,
            updated_at=now,
        )
        db.add(row)
    if reply_within_days is not None:
        row.reply_within_days = reply_within_days
    if reply_to is not None or "replyTo" in clear:
        row.reply_to = reply_to
    if privacy_notice_url is not None or "privacyNoticeUrl" in clear:
        row.privacy_notice_url = privacy_notice_url
    if timezone is not None:
        row.timezone = timezone
    row.updated_at = utcnow()
    await db.flush()
    return await reply_settings(db, ctx.organization.id)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid.field("timezone", "Choose a time zone such as Europe/Berlin") from None


def next_morning(now: datetime, timezone: str) -> datetime:
    """08:00 in the organization's time zone on the day after ``now`` there."""
    zone = _zone(timezone) if timezone else ZoneInfo("UTC")
    local = now.astimezone(zone)
    morning = (local + timedelta(days=1)).replace(
        hour=MORNING_HOUR, minute=0, second=0, microsecond=0
    )
    return morning.astimezone(ZoneInfo("UTC"))


def check_send_at(send_at: datetime | None, field: str = "sendAt") -> datetime:
    """When a message goes: now when ``send_at`` is None; Invalid for a time in the past or
    more than 90 days ahead."""
    now = utcnow()
    if send_at is None:
        return now
    if send_at.tzinfo is None:
        raise Invalid.field(field, "Give the time with its time zone, e.g. 2030-01-31T09:00:00Z")
    if send_at < now - PAST_GRACE:
        raise Invalid.field(field, "This time has passed; choose a time in the future")
    if send_at > now + MAX_AHEAD:
        raise Invalid.field(field, "A message can be scheduled at most 90 days ahead")
    return max(send_at, now)


# ---------------------------------------------------------------------------------------------
# Templates and reasons


def _text(value: str, field: str, maximum: int) -> str:
    text = value.strip()
    if not text:
        raise Invalid.field(field, "This field is required")
    if len(text) > maximum:
        raise Invalid.field(field, f"At most {maximum} characters")
    if "\x00" in text:
        raise Invalid.field(field, "This text contains a character that is not allowed")
    return text


def _template_fields(*, name: str | None, subject: str | None, body: str | None) -> dict[str, str]:
    """The given fields of a template, trimmed and checked; Invalid naming every field that
    breaks a rule (empty, too long, an unknown placeholder...), not only the first."""
    given = (
        ("name", name, MAX_TEMPLATE_NAME, False),
        ("subject", subject, MAX_SUBJECT, True),
        ("body", body, MAX_BODY, True),
    )
    cleaned: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    for field, value, maximum, placeholders in given:
        if value is None:
            continue
        try:
            text = _text(value, field, maximum)
            if placeholders:
                templates.check(text, field)
        except Invalid as exc:
            problems.update(exc.field_errors or {field: [exc.message]})
            continue
        cleaned[field] = text
    if problems:
        first = next(iter(problems.values()))[0]
        raise Invalid(first, field_errors=problems)
    return cleaned


async def list_templates(db: AsyncSession, ctx: OrgContext) -> list[MessageTemplate]:
    """The organization's templates by kind and name. Members (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    return list(
        await db.scalars(
            scoped(MessageTemplate, ctx).order_by(
                MessageTemplate.kind, MessageTemplate.name, MessageTemplate.id
            )
        )
    )


async def get_template(db: AsyncSession, ctx: OrgContext, template_id: str) -> MessageTemplate:
    ctx.require(Permission.VIEW_APPLICANTS)
    return await get_scoped(db, MessageTemplate, ctx, template_id, message=TEMPLATE_NOT_FOUND)


async def create_template(
    db: AsyncSession, ctx: OrgContext, *, name: str, kind: TemplateKind, subject: str, body: str
) -> MessageTemplate:
    """A new template. Admins (MANAGE_TEMPLATES) may call it. Raises Invalid for an empty or
    long field, an unknown placeholder or a control structure other than ``if``."""
    ctx.require(Permission.MANAGE_TEMPLATES)
    fields = _template_fields(name=name, subject=subject, body=body)
    now = utcnow()
    template = MessageTemplate(
        id=new_id(),
        organization_id=ctx.organization.id,
        name=fields["name"],
        kind=kind,
        subject=fields["subject"],
        body=fields["body"],
        created_at=now,
        updated_at=now,
    )
    db.add(template)
    await db.flush()
    return template


async def update_template(
    db: AsyncSession,
    ctx: OrgContext,
    template_id: str,
    *,
    name: str | None = None,
    kind: TemplateKind | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> MessageTemplate:
    """Change a template's fields that are given. Admins (MANAGE_TEMPLATES) may call it."""
    ctx.require(Permission.MANAGE_TEMPLATES)
    template = await get_scoped(
        db, MessageTemplate, ctx, template_id, message=TEMPLATE_NOT_FOUND, for_update=True
    )
    fields = _template_fields(name=name, subject=subject, body=body)
    if "name" in fields:
        template.name = fields["name"]
    if kind is not None:
        template.kind = kind
    if "subject" in fields:
        template.subject = fields["subject"]
    if "body" in fields:
        template.body = fields["body"]
    template.updated_at = utcnow()
    await db.flush()
    return template


async def delete_template(db: AsyncSession, ctx: OrgContext, template_id: str) -> str:
    """Delete a template (messages sent from it keep their text). Admins may call it. Raises
    Conflict for the organization's last confirmation template, which every application
    uses."""
    ctx.require(Permission.MANAGE_TEMPLATES)
    template = await get_scoped(
        db, MessageTemplate, ctx, template_id, message=TEMPLATE_NOT_FOUND, for_update=True
    )
    if template.kind == TemplateKind.CONFIRMATION:
        others = await db.scalar(
            scoped(MessageTemplate, ctx, func.count()).where(
                MessageTemplate.kind == TemplateKind.CONFIRMATION,
                MessageTemplate.id != template.id,
            )
        )
        if not others:
            raise Conflict(
                "Every application is confirmed with this template; edit it instead",
                code="LAST_CONFIRMATION",
            )
    name = template.name
    await db.delete(template)
    await db.flush()
    return name


async def list_reasons(db: AsyncSession, ctx: OrgContext) -> list[RejectionReason]:
    ctx.require(Permission.VIEW_APPLICANTS)
    return list(
        await db.scalars(
            scoped(RejectionReason, ctx).order_by(RejectionReason.position, RejectionReason.id)
        )
    )


async def create_reason(db: AsyncSession, ctx: OrgContext, name: str) -> RejectionReason:
    """A new rejection reason at the end of the list. Admins (MANAGE_TEMPLATES) may call it."""
    ctx.require(Permission.MANAGE_TEMPLATES)
    text = _text(name, "name", MAX_REASON)
    existing = await list_reasons(db, ctx)
    if any(reason.name.casefold() == text.casefold() for reason in existing):
        raise Conflict("This reason is already in the list", code="REASON_EXISTS")
    reason = RejectionReason(
        id=new_id(),
        organization_id=ctx.organization.id,
        name=text,
        position=max((item.position for item in existing), default=-1) + 1,
        created_at=utcnow(),
    )
    db.add(reason)
    await db.flush()
    return reason


# ---------------------------------------------------------------------------------------------
# Status-page links


async def ensure_link(
    db: AsyncSession,
    applicant: Applicant,
    secret: str,
    *,
    new: bool = False,
    mailed_at: datetime | None = None,
) -> str:
    """The applicant's status token, made on first use (``new``: the applicant is not written
    yet, so it has none). For the apply flow and for members writing to the applicant.
    ``mailed_at``: a mail carrying the link goes then, which keeps the link working (see
    ``candidates.link_expires_at``)."""
    link = None if new else await db.get(CandidateLink, applicant.id)
    if link is None:
        nonce = links.new_nonce()
        token = links.derive(secret, applicant.id, nonce)
        db.add(
            CandidateLink(
                applicant_id=applicant.id,
                organization_id=applicant.organization_id,
                nonce=nonce,
                token_hash=links.digest(token),
                created_at=utcnow(),
                mailed_at=mailed_at,
            )
        )
        return token
    renew(link, mailed_at)
    return links.derive(secret, applicant.id, link.nonce)


def renew(link: CandidateLink, mailed_at: datetime | None) -> None:
    """Remember that a mail carrying the link goes at ``mailed_at`` (the latest one counts)."""
    if mailed_at is not None and (link.mailed_at is None or link.mailed_at < mailed_at):
        link.mailed_at = mailed_at


async def load_links(
    db: AsyncSession, ctx: OrgContext, applicants: Sequence[Applicant]
) -> dict[str, CandidateLink]:
    """The status links of ``applicants`` by applicant id, read in one query (a bulk action
    writes to 500 applicants: one query each would be most of its time)."""
    ids = [applicant.id for applicant in applicants]
    found: dict[str, CandidateLink] = {}
    for start in range(0, len(ids), 500):
        for link in await db.scalars(
            scoped(CandidateLink, ctx).where(
                CandidateLink.applicant_id.in_(ids[start : start + 500])
            )
        ):
            found[link.applicant_id] = link
    return found


# ---------------------------------------------------------------------------------------------
# Messages


@dataclass(frozen=True, slots=True)
class Sending:
    """What every message of one request shares."""

    organization: Organization
    sender: User | None
    reply_to: str | None
    base_url: str
    secret: str


async def _values(
    db: AsyncSession,
    sending: Sending,
    applicant: Applicant,
    job_title: str,
    *,
    new: bool,
    send_at: datetime,
    known: Mapping[str, CandidateLink] | None = None,
) -> templates.Values:
    link = known.get(applicant.id) if known is not None else None
    if link is not None:
        renew(link, send_at)
        token = links.derive(sending.secret, applicant.id, link.nonce)
    else:  # ``known`` holds every link there is: an applicant missing from it has none yet
        token = await ensure_link(
            db, applicant, sending.secret, new=new or known is not None, mailed_at=send_at
        )
    return templates.Values(
        candidate_name=applicant.name,
        job_title=job_title,
        organization_name=sending.organization.name,
        sender_name=sending.sender.name if sending.sender else sending.organization.name,
        status_url=links.status_url(sending.base_url, token),
    )


async def _write(
    db: AsyncSession,
    sending: Sending,
    applicant: Applicant,
    job_title: str,
    *,
    subject: str,
    body: str,
    send_at: datetime,
    template_id: str | None,
    kind: str = "candidate_message",
    log: bool = True,
    new: bool = False,
    known: Mapping[str, CandidateLink] | None = None,
) -> Message:
    """Render and enqueue one message to ``applicant``. ``known``: the status links of the
    applicants being written to, when read beforehand (``load_links``)."""
    values = await _values(db, sending, applicant, job_title, new=new, send_at=send_at, known=known)
    rendered_subject = templates.render_subject(subject, values)
    text = templates.render(body, values)
    outbox = enqueue(
        db,
        to=applicant.email,
        subject=rendered_subject,
        text=text,
        html=templates.to_html(text),
        kind=kind,
        applicant_id=applicant.id,
        reply_to=sending.reply_to,
        not_before=send_at,
    )
    message = Message(
        id=new_id(),
        organization_id=applicant.organization_id,
        applicant_id=applicant.id,
        sender_id=sending.sender.id if sending.sender else None,
        template_id=template_id,
        outbox_id=outbox.id,
        subject=rendered_subject,
        body=text,
        send_at=send_at,
        created_at=utcnow(),
    )
    db.add(message)
    if log:
        pipelines.log_activity(
            db,
            applicant,
            ActivityKind.MESSAGE_SENT,
            {
                "messageId": message.id,
                "subject": rendered_subject,
                "sendAt": send_at.isoformat(),
            },
            actor=sending.sender,
        )
    return message


async def sending_for(db: AsyncSession, ctx: OrgContext, *, base_url: str, secret: str) -> Sending:
    reply = await reply_settings(db, ctx.organization.id)
    return Sending(
        organization=ctx.organization,
        sender=ctx.user,
        reply_to=reply.reply_to or ctx.user.email,
        base_url=base_url,
        secret=secret,
    )


async def _content(db: AsyncSession, ctx: OrgContext, draft: Draft) -> tuple[str, str, str | None]:
    """The subject and body to render, and the template they come from."""
    if draft.template_id is not None:
        try:
            template = await get_scoped(
                db, MessageTemplate, ctx, draft.template_id, message=TEMPLATE_NOT_FOUND
            )
        except NotFound:
            raise Invalid.field("templateId", TEMPLATE_NOT_FOUND) from None
        return template.subject, template.body, template.id
    if draft.subject is None or draft.body is None:
        raise Invalid(
            "Give a templateId, or a subject and a body",
            field_errors={"subject": ["Required without templateId"]},
        )
    subject = _text(draft.subject, "subject", MAX_SUBJECT)
    body = _text(draft.body, "body", MAX_BODY)
    templates.check(subject, "subject")
    templates.check(body, "body")
    return subject, body, None


async def _job_titles(db: AsyncSession, ctx: OrgContext, job_ids: set[str]) -> dict[str, str]:
    rows = await db.execute(scoped(Job, ctx, Job.id, Job.title).where(Job.id.in_(job_ids)))
    return {str(job_id): str(title) for job_id, title in rows}


async def send_message(
    db: AsyncSession,
    ctx: OrgContext,
    applicant_id: str,
    draft: Draft,
    send_at: datetime | None,
    *,
    base_url: str,
    secret: str,
) -> MessageView:
    """Mail one applicant now or at ``send_at`` (at most 90 days ahead). Members
    (MANAGE_APPLICANTS) may call it. Raises NotFound for another organization's (or an erased)
    applicant, Invalid for a bad template, text or time; nothing is sent then."""
    ctx.require(Permission.MANAGE_APPLICANTS)
    when = check_send_at(send_at)
    applicant = await get_scoped(db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND)
    subject, body, template_id = await _content(db, ctx, draft)
    await claim_mail(db, ctx, MailKind.CANDIDATE)
    sending = await sending_for(db, ctx, base_url=base_url, secret=secret)
    titles = await _job_titles(db, ctx, {applicant.job_id})
    message = await _write(
        db,
        sending,
        applicant,
        titles.get(applicant.job_id, ""),
        subject=subject,
        body=body,
        send_at=when,
        template_id=template_id,
    )
    await db.flush()
    return MessageView(message, ctx.user, _status(message, None, utcnow()))


def _status(message: Message, outbox: OutboxMessage | None, now: datetime) -> MessageStatus:
    if message.cancelled_at is not None:
        return MessageStatus.CANCELLED
    if outbox is None:
        if message.outbox_id is None:
            return MessageStatus.SENT
        return MessageStatus.SCHEDULED if message.send_at > now else MessageStatus.QUEUED
    if outbox.sent_at is not None:
        return MessageStatus.SENT
    if outbox.attempts > 0:
        return MessageStatus.FAILED
    return MessageStatus.SCHEDULED if outbox.next_attempt_at > now else MessageStatus.QUEUED


async def _views(db: AsyncSession, query: object) -> list[MessageView]:
    rows = await db.execute(query)  # type: ignore[call-overload]
    now = utcnow()
    return [
        MessageView(message, sender, _status(message, outbox, now))
        for message, outbox, sender in rows
    ]


async def list_messages(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> list[MessageView]:
    """An applicant's messages, newest first. Members (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    applicant = await get_scoped(db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND)
    return await _views(
        db,
        scoped(Message, ctx, Message, OutboxMessage, User)
        .outerjoin(OutboxMessage, OutboxMessage.id == Message.outbox_id)
        .outerjoin(User, User.id == Message.sender_id)
        .where(Message.applicant_id == applicant.id)
        .order_by(Message.created_at.desc(), Message.id.desc()),
    )


async def cancel_message(db: AsyncSession, ctx: OrgContext, message_id: str) -> MessageView:
    """Cancel a message that has not gone out. Members (MANAGE_APPLICANTS) may call it. Raises
    Conflict once it is sent (or being sent this moment)."""
    ctx.require(Permission.MANAGE_APPLICANTS)
    message = await get_scoped(
        db, Message, ctx, message_id, message=MESSAGE_NOT_FOUND, for_update=True
    )
    if message.cancelled_at is not None:
        raise Conflict("This message is already cancelled", code="MESSAGE_CANCELLED")
    now = utcnow()
    if message.outbox_id is not None:
        # Only a row no sender holds is removed: one being sent this moment may be delivered.
        removed = await db.execute(
            delete(OutboxMessage)
            .where(
                OutboxMessage.id == message.outbox_id,
                OutboxMessage.sent_at.is_(None),
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            )
            .execution_options(synchronize_session=False)
        )
        if not getattr(removed, "rowcount", 0):
            raise Conflict("This message has been sent", code="MESSAGE_SENT")
    else:
        raise Conflict("This message has been sent", code="MESSAGE_SENT")
    message.outbox_id = None
    message.cancelled_at = now
    await db.flush()
    sender = await db.get(User, message.sender_id) if message.sender_id else None
    return MessageView(message, sender, MessageStatus.CANCELLED)


# ---------------------------------------------------------------------------------------------
# Decisions and bulk actions


@dataclass(frozen=True, slots=True)
class Rejection:
    reason_id: str
    template_id: str | None = None
    send_at: datetime | None = None


async def _reason(db: AsyncSession, ctx: OrgContext, reason_id: str) -> RejectionReason:
    try:
        return await get_scoped(db, RejectionReason, ctx, reason_id, message=REASON_NOT_FOUND)
    except NotFound:
        raise Invalid.field("reasonId", REASON_NOT_FOUND) from None


async def _reject_all(
    db: AsyncSession,
    ctx: OrgContext,
    applicants: Sequence[Applicant],
    rejection: Rejection,
    *,
    base_url: str,
    secret: str,
) -> int:
    reason = await _reason(db, ctx, rejection.reason_id)
    draft = Draft(template_id=rejection.template_id) if rejection.template_id else None
    content = await _content(db, ctx, draft) if draft else None
    if content is not None:
        await claim_mail(db, ctx, MailKind.CANDIDATE, count=len(applicants))
    reply = await reply_settings(db, ctx.organization.id)
    if rejection.send_at is not None:
        when = check_send_at(rejection.send_at)
    else:
        when = next_morning(utcnow(), reply.timezone)
    moved = await pipelines.move_to_status(db, ctx, applicants, ApplicantStatus.REJECTED)
    for applicant in applicants:
        pipelines.log_activity(
            db,
            applicant,
            ActivityKind.REJECTED,
            {"reasonId": reason.id, "reason": reason.name},
            actor=ctx.user,
        )
    if content is not None:
        subject, body, template_id = content
        sending = Sending(
            ctx.organization, ctx.user, reply.reply_to or ctx.user.email, base_url, secret
        )
        titles = await _job_titles(db, ctx, {applicant.job_id for applicant in applicants})
        known = await load_links(db, ctx, applicants)
        for applicant in applicants:
            await _write(
                db,
                sending,
                applicant,
                titles.get(applicant.job_id, ""),
                subject=subject,
                body=body,
                send_at=when,
                template_id=template_id,
                kind="candidate_rejection",
                known=known,
            )
    await db.flush()
    return moved


async def reject(
    db: AsyncSession,
    ctx: OrgContext,
    applicant_id: str,
    rejection: Rejection,
    *,
    base_url: str,
    secret: str,
) -> Applicant:
    """Move an applicant to its job's REJECTED stage with a reason, and schedule the
    template's mail (by default the organization's next morning; none without a template).
    Members (MANAGE_APPLICANTS) may call it."""
    ctx.require(Permission.MANAGE_APPLICANTS)
    applicant = await get_scoped(
        db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND, for_update=True
    )
    await _reject_all(db, ctx, [applicant], rejection, base_url=base_url, secret=secret)
    return applicant


class BulkAction(StrEnum):
    MOVE = "move"
    REJECT = "reject"
    MESSAGE = "message"


@dataclass(frozen=True, slots=True)
class Bulk:
    applicant_ids: Sequence[str]
    action: BulkAction
    stage_id: str | None = None
    reason_id: str | None = None
    draft: Draft | None = None
    send_at: datetime | None = None


async def bulk(
    db: AsyncSession, ctx: OrgContext, request: Bulk, *, base_url: str, secret: str
) -> int:
    """Move, reject or message up to 500 applicants at once, all or nothing. Members
    (MANAGE_APPLICANTS) may call it. Raises Invalid naming the ids that cannot be acted on
    (unknown, another organization's, a stage outside their job's pipeline); nothing changes
    then. Returns how many applicants were acted on."""
    ctx.require(Permission.MANAGE_APPLICANTS)
    ids = list(dict.fromkeys(request.applicant_ids))
    applicants = list(
        await db.scalars(
            scoped(Applicant, ctx)
            .where(Applicant.id.in_([one for one in ids if plausible_id(one)]))
            .order_by(Applicant.id)
            .with_for_update()
        )
    )
    found = {applicant.id for applicant in applicants}
    missing = [applicant_id for applicant_id in ids if applicant_id not in found]
    if missing:
        raise Invalid(
            f"{len(missing)} of the applicants cannot be acted on: " + ", ".join(missing[:20]),
            field_errors={"applicantIds": [APPLICANT_NOT_FOUND + ": " + ", ".join(missing)]},
        )
    if request.action == BulkAction.MOVE:
        if request.stage_id is None:
            raise Invalid.field("stageId", "Choose the stage to move the applicants to")
        try:
            stage = await get_scoped(db, PipelineStage, ctx, request.stage_id)
        except NotFound:
            raise Invalid.field("stageId", "Stage does not exist") from None
        pipeline_of = dict(
            (
                await db.execute(
                    scoped(Job, ctx, Job.id, Job.pipeline_id).where(
                        Job.id.in_({applicant.job_id for applicant in applicants})
                    )
                )
            ).all()
        )
        elsewhere = [
            applicant.id
            for applicant in applicants
            if pipeline_of.get(applicant.job_id) != stage.pipeline_id
        ]
        if elsewhere:
            raise Invalid(
                "The stage is not in the pipeline of every applicant's job",
                field_errors={
                    "applicantIds": ["Stage not in their job's pipeline: " + ", ".join(elsewhere)]
                },
            )
        return await pipelines.move_applicants(db, applicants, stage, actor=ctx.user)
    if request.action == BulkAction.REJECT:
        if request.reason_id is None:
            raise Invalid.field("reasonId", "Choose a rejection reason")
        template_id = request.draft.template_id if request.draft else None
        await _reject_all(
            db,
            ctx,
            applicants,
            Rejection(request.reason_id, template_id, request.send_at),
            base_url=base_url,
            secret=secret,
        )
        return len(applicants)
    when = check_send_at(request.send_at)
    subject, body, template_id = await _content(db, ctx, request.draft or Draft())
    await claim_mail(db, ctx, MailKind.CANDIDATE, count=len(applicants))
    sending = await sending_for(db, ctx, base_url=base_url, secret=secret)
    titles = await _job_titles(db, ctx, {applicant.job_id for applicant in applicants})
    known = await load_links(db, ctx, applicants)
    for applicant in applicants:
        await _write(
            db,
            sending,
            applicant,
            titles.get(applicant.job_id, ""),
            subject=subject,
            body=body,
            send_at=when,
            template_id=template_id,
            known=known,
        )
    await db.flush()
    return len(applicants)


# ---------------------------------------------------------------------------------------------
# Zero ghosting


@dataclass(frozen=True, slots=True)
class Overdue:
    applicant: Applicant
    job_title: str
    reply_by: datetime


def _pairs(rows: Sequence[Any]) -> list[tuple[Applicant, str]]:
    return [(row[0], row[1]) for row in rows]


def _undecided() -> object:
    return Applicant.status.not_in(END_STATES)


async def overdue(db: AsyncSession, ctx: OrgContext, *, limit: int = 500) -> list[Overdue]:
    """Applicants not in an end state whose last change is older than the organization's
    reply promise, the longest-waiting first. Members (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    reply = await reply_settings(db, ctx.organization.id)
    promise = timedelta(days=reply.reply_within_days)
    rows = await db.execute(
        scoped(Applicant, ctx, Applicant, Job.title)
        .join(Job, Job.id == Applicant.job_id)
        .where(_undecided(), Applicant.updated_at < utcnow() - promise)  # type: ignore[arg-type]
        .order_by(Applicant.updated_at, Applicant.id)
        .limit(limit)
    )
    return [
        Overdue(applicant, str(title), applicant.updated_at + promise)
        for applicant, title in _pairs(rows.all())
    ]


async def overdue_count(db: AsyncSession, ctx: OrgContext) -> int:
    ctx.require(Permission.VIEW_APPLICANTS)
    reply = await reply_settings(db, ctx.organization.id)
    promise = timedelta(days=reply.reply_within_days)
    return (
        await db.scalar(
            scoped(Applicant, ctx, func.count()).where(
                _undecided(),  # type: ignore[arg-type]
                Applicant.updated_at < utcnow() - promise,
            )
        )
        or 0
    )


async def undecided_of_job(db: AsyncSession, ctx: OrgContext, job_id: str) -> list[Applicant]:
    """The job's applicants not in an end state, locked (closing a job asks about them)."""
    return list(
        await db.scalars(
            scoped(Applicant, ctx)
            .where(Applicant.job_id == job_id, _undecided())  # type: ignore[arg-type]
            .order_by(Applicant.id)
            .with_for_update()
        )
    )


async def close_job_check(
    db: AsyncSession,
    ctx: OrgContext,
    job_id: str,
    *,
    force: bool,
    reject_remaining: Rejection | None,
    base_url: str,
    secret: str,
) -> int:
    """Before a job closes: Conflict naming how many applicants are undecided, unless
    ``force`` or ``reject_remaining`` (which rejects them with its reason and template).
    Returns how many were rejected."""
    undecided = await undecided_of_job(db, ctx, job_id)
    if not undecided or force:
        return 0
    if reject_remaining is None:
        count = len(undecided)
        waiting = (
            f"{count} applicant{'s are' if count != 1 else ' is'} still waiting for an answer."
        )
        raise Conflict(
            f"{waiting} Reject them with a template (rejectRemaining) or close anyway (force).",
            code=UNDECIDED_APPLICANTS,
            field_errors={
                "status": [
                    f"{waiting} Answer them first: select them on the applicants list and "
                    "reject them with a template, then close the job."
                ]
            },
        )
    await _reject_all(db, ctx, undecided, reject_remaining, base_url=base_url, secret=secret)
    return len(undecided)


# ---------------------------------------------------------------------------------------------
# The apply flow and erasure


async def confirmation(
    db: AsyncSession,
    applicant: Applicant,
    *,
    job_title: str,
    organization: Organization,
    base_url: str,
    secret: str,
) -> Message:
    """Put the confirmation of a new application (the organization's confirmation template,
    with the status-page link) in the outbox and the applicant's history. Anyone may call it:
    it acts for the organization the job belongs to."""
    template = (
        await db.scalars(
            select(MessageTemplate)
            .where(
                owned_by(MessageTemplate, applicant.organization_id),
                MessageTemplate.kind == TemplateKind.CONFIRMATION,
            )
            .order_by(MessageTemplate.created_at, MessageTemplate.id)
            .limit(1)
        )
    ).first()
    if template is None:
        _kind, _name, subject, body = DEFAULT_TEMPLATES[0]
        template_id = None
    else:
        subject, body, template_id = template.subject, template.body, template.id
    reply = await reply_settings(db, applicant.organization_id)
    sending = Sending(organization, None, reply.reply_to, base_url, secret)
    return await _write(
        db,
        sending,
        applicant,
        job_title,
        subject=subject,
        body=body,
        send_at=utcnow(),
        template_id=template_id,
        kind="application_received",
        log=False,
        new=True,
    )


async def erase_messages(db: AsyncSession, applicant_id: str) -> None:
    """Remove an applicant's messages, their status link and every outbox row about them (sent
    or not). For erasure, which has checked the caller may erase the applicant."""
    await db.execute(delete(Message).where(Message.applicant_id == applicant_id))
    await db.execute(delete(CandidateLink).where(CandidateLink.applicant_id == applicant_id))
    await db.execute(delete(OutboxMessage).where(OutboxMessage.applicant_id == applicant_id))


async def preview(
    db: AsyncSession,
    ctx: OrgContext,
    template_id: str,
    applicant_id: str | None,
    *,
    base_url: str,
    secret: str,
) -> tuple[str, str, str]:
    """A template rendered with a real applicant's data (subject, text, HTML), or with sample
    data without one. Members (VIEW_APPLICANTS) may call it; it writes nothing."""
    template = await get_template(db, ctx, template_id)
    if applicant_id:
        applicant = await get_scoped(db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND)
        link = await db.get(CandidateLink, applicant.id)
        token = links.derive(secret, applicant.id, link.nonce) if link else "…"
        titles = await _job_titles(db, ctx, {applicant.job_id})
        values = templates.Values(
            applicant.name,
            titles.get(applicant.job_id, ""),
            ctx.organization.name,
            ctx.user.name,
            links.status_url(base_url, token),
        )
    else:
        values = templates.Values(
            "Alex Example",
            "Example job",
            ctx.organization.name,
            ctx.user.name,
            links.status_url(base_url, "…"),
        )
    subject = templates.render_subject(template.subject, values)
    text = templates.render(template.body, values)
    return subject, text, templates.to_html(text)


@dataclass(frozen=True, slots=True)
class Recent:
    """An applicant a template can be previewed for."""

    id: str
    name: str
    job_title: str


async def recent_applicants(db: AsyncSession, ctx: OrgContext, *, limit: int = 10) -> list[Recent]:
    """The organization's newest applicants (for choosing whose data fills in a preview).
    Members (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    rows = await db.execute(
        scoped(Applicant, ctx, Applicant.id, Applicant.name, Job.title)
        .join(Job, Job.id == Applicant.job_id)
        .order_by(Applicant.created_at.desc(), Applicant.id.desc())
        .limit(limit)
    )
    return [Recent(str(row[0]), str(row[1]), str(row[2])) for row in rows.all()]


async def _erase_for_privacy(db: AsyncSession, subject: Subject) -> list[str]:
    await erase_messages(db, subject.applicant_id)
    return []


async def _export_for_privacy(db: AsyncSession, subject: Subject) -> Part:
    rows = await db.scalars(
        select(Message)
        .where(
            owned_by(Message, subject.organization_id),
            Message.applicant_id == subject.applicant_id,
        )
        .order_by(Message.created_at, Message.id)
    )
    return Part(
        [
            {
                "id": message.id,
                "subject": message.subject,
                "body": message.body,
                "sendAt": message.send_at.isoformat(),
                "cancelledAt": message.cancelled_at.isoformat() if message.cancelled_at else None,
                "createdAt": message.created_at.isoformat(),
            }
            for message in rows
        ]
    )


# Messages and the status link point at the applicant: they go before the application row,
# and their outbox rows (sent ones too) with them.
privacy_registry.register(
    Section(
        "messages",
        tables=("message", "candidate_link"),
        erase=_erase_for_privacy,
        export=_export_for_privacy,
        order=20,
    )
)
