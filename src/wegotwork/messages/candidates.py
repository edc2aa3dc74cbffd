"""The candidate's own side: the status page a link in the confirmation mail opens, withdrawing
the application, and downloading or deleting one's data after confirming by mail.

Nobody is signed in here: the token is the candidate's proof. Each action finds the link by
the token's digest and acts for the organization the applicant belongs to. A wrong token is
NotFound, like an unknown page.

A status link works as long as the application is open, and for 180 days (``LINK_KEPT``) after
the later of the decision (the applicant's last change once rejected or hired) and the last
mail that carried the link: a message the team sends afterwards, which always holds the link,
opens the page again for another 180 days. After that the page and its actions answer Gone
(410) with a page that says so and whom to ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import utcnow
from wegotwork.errors import Conflict, Gone, NotFound
from wegotwork.mail import enqueue
from wegotwork.messages import actions, links, templates
from wegotwork.messages.defaults import WITHDRAWN
from wegotwork.models import (
    ActivityKind,
    Applicant,
    ApplicantStatus,
    CandidateLink,
    Job,
    Message,
    Organization,
    OutboxMessage,
)
from wegotwork.pipelines import actions as pipelines
from wegotwork.privacy import actions as privacy
from wegotwork.privacy.actions import erase_for_candidate
from wegotwork.tenancy.scoping import joins_organization, owned_by

STATUS_NOT_FOUND = "This status page does not exist. Use the link in your confirmation email."
ERASE_NOT_FOUND = "This link is not valid any more. Ask for a new one on your status page."
ERASE_TTL = timedelta(hours=24)
EXPORT_NOT_FOUND = "This download link is not valid. Ask for a new one on your status page."
EXPORT_GONE = (
    "This download link has expired or was already used. Ask for a new one on your status page."
)
EXPORT_TTL = timedelta(hours=24)
HELD = (
    "We cannot delete your data at the moment: {organization} has to keep it for a legal "
    "reason. Please contact them if you have questions."
)

# What the candidate reads: never the organization's own stage names.
PHASES: dict[ApplicantStatus, str] = {
    ApplicantStatus.SUBMITTED: "Received",
    ApplicantStatus.UNDERREVIEW: "In review",
    ApplicantStatus.INTERVIEW: "Interviewing",
    ApplicantStatus.OFFER: "Offer",
    ApplicantStatus.REJECTED: "Decision made",
    ApplicantStatus.HIRED: "Decision made",
}
LINK_KEPT = timedelta(days=180)
STATUS_GONE = (
    "This status page has closed: {organization} decided on your application for {job} more "
    "than 180 days ago. If you have a question about it, please write to {organization} "
    "directly."
)

PHASE_ORDER = ("Received", "In review", "Interviewing", "Offer", "Decision made")


@dataclass(frozen=True, slots=True)
class SentMessage:
    subject: str
    body: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class StatusView:
    applicant: Applicant
    job_title: str
    organization: Organization
    phase: str
    last_change: datetime
    reply_by: datetime | None
    messages: list[SentMessage]
    decided: bool
    erase_requested: bool
    export_requested: bool
    open_until: datetime | None = None  # when the link stops working (None: while open)


async def _find(
    db: AsyncSession, token: str, *, for_update: bool = False
) -> tuple[CandidateLink, Applicant, str, Organization]:
    if not links.plausible(token):
        raise NotFound(STATUS_NOT_FOUND)
    query = (
        select(CandidateLink, Applicant, Job.title, Organization)
        .join(Applicant, Applicant.id == CandidateLink.applicant_id)
        .join(Job, Job.id == Applicant.job_id)
        .join(Organization, joins_organization(Applicant))
        .where(CandidateLink.token_hash == links.digest(token))
    )
    if for_update:
        query = query.with_for_update(of=Applicant)
    row = (await db.execute(query)).first()
    if row is None:
        raise NotFound(STATUS_NOT_FOUND)
    link, applicant, title, organization = row
    expires = link_expires_at(link, applicant)
    if expires is not None and expires <= utcnow():
        raise Gone(STATUS_GONE.format(organization=organization.name, job=title))
    return link, applicant, title, organization


def link_expires_at(link: CandidateLink, applicant: Applicant) -> datetime | None:
    """When the status link stops working: never while the application is open; else
    ``LINK_KEPT`` after the decision or the last mail that carried the link, whichever is
    later."""
    if applicant.status not in actions.END_STATES:
        return None
    last = applicant.updated_at
    if link.mailed_at is not None and link.mailed_at > last:
        last = link.mailed_at
    return last + LINK_KEPT


async def _pending_decision(db: AsyncSession, applicant: Applicant) -> bool:
    """Is the mail telling the candidate of their rejection still waiting for its time?"""
    found = await db.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.applicant_id == applicant.id,
            OutboxMessage.kind == "candidate_rejection",
            OutboxMessage.sent_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


async def status(db: AsyncSession, token: str) -> StatusView:
    """The candidate's view of their application. Anyone holding the token may call it."""
    link, applicant, title, organization = await _find(db, token)
    phase = PHASES[applicant.status]
    decided = applicant.status in actions.END_STATES
    if applicant.status == ApplicantStatus.REJECTED and await _pending_decision(db, applicant):
        # The team wrote the answer for later: the page does not tell it before the mail.
        phase, decided = "In review", False
    reply = await actions.reply_settings(db, applicant.organization_id)
    reply_by = None if decided else applicant.updated_at + timedelta(days=reply.reply_within_days)
    rows = await db.execute(
        select(Message.subject, Message.body, OutboxMessage.sent_at)
        .join(OutboxMessage, OutboxMessage.id == Message.outbox_id)
        .where(
            owned_by(Message, applicant.organization_id),
            Message.applicant_id == applicant.id,
            OutboxMessage.sent_at.is_not(None),
        )
        .order_by(OutboxMessage.sent_at.desc(), Message.id)
    )
    sent = [SentMessage(subject, body, sent_at) for subject, body, sent_at in rows if sent_at]
    now = utcnow()
    return StatusView(
        applicant=applicant,
        job_title=title,
        organization=organization,
        phase=phase,
        last_change=applicant.updated_at,
        reply_by=reply_by,
        messages=sent,
        decided=decided,
        erase_requested=bool(
            link.erase_hash and link.erase_expires_at and link.erase_expires_at > now
        ),
        export_requested=bool(
            link.export_hash
            and link.export_used_at is None
            and link.export_expires_at
            and link.export_expires_at > now
        ),
        open_until=None if not decided else link_expires_at(link, applicant),
    )


async def withdraw(db: AsyncSession, token: str) -> bool:
    """Withdraw the application: it moves to its job's REJECTED stage with the reason
    "Withdrawn", logged in the team's timeline. Returns False when it was already decided."""
    _link, applicant, _title, _organization = await _find(db, token, for_update=True)
    if applicant.status in actions.END_STATES:
        return False
    stage = await pipelines.landing_stage(db, applicant, ApplicantStatus.REJECTED)
    if stage is not None:
        await pipelines.move_applicants(db, [applicant], stage, actor=None)
    else:
        applicant.status = ApplicantStatus.REJECTED
        applicant.updated_at = utcnow()
    pipelines.log_activity(db, applicant, ActivityKind.WITHDRAWN, {"reason": WITHDRAWN})
    pipelines.log_activity(db, applicant, ActivityKind.REJECTED, {"reason": WITHDRAWN})
    await db.flush()
    return True


async def request_erasure(db: AsyncSession, token: str, *, base_url: str) -> None:
    """Mail the candidate a link that confirms "delete my data" (valid for 24 hours). Raises
    Conflict (nothing mailed) while the organization holds the data under legal hold."""
    link, applicant, title, organization = await _find(db, token, for_update=True)
    if applicant.legal_hold:
        raise Conflict(HELD.format(organization=organization.name), code="LEGAL_HOLD")
    erase_token = links.new_token()
    link.erase_hash = links.digest(erase_token)
    link.erase_expires_at = utcnow() + ERASE_TTL
    url = f"{base_url.rstrip('/')}/status/erase/{erase_token}"
    text = (
        f"Hello {applicant.name.split()[0] if applicant.name.split() else ''},\n\n"
        f"you asked {organization.name} to delete your application for {title} and everything "
        "held about you. Open this link within 24 hours to confirm:\n"
        f"{url}\n\n"
        "If you did not ask for this, ignore this message and nothing is deleted.\n\n"
        f"{organization.name}, via WeGotWork"
    )
    enqueue(
        db,
        to=applicant.email,
        subject=f"Confirm deleting your data at {organization.name}"[:255],
        text=text,
        html=templates.to_html(text),
        kind="candidate_erase",
        applicant_id=applicant.id,
    )
    await db.flush()


async def erasure_target(db: AsyncSession, erase_token: str) -> tuple[Applicant, Organization]:
    """The applicant a "delete my data" link names, while it is valid; NotFound otherwise."""
    if not erase_token or len(erase_token) > 64:
        raise NotFound(ERASE_NOT_FOUND)
    row = (
        await db.execute(
            select(CandidateLink, Applicant, Organization)
            .join(Applicant, Applicant.id == CandidateLink.applicant_id)
            .join(Organization, joins_organization(Applicant))
            .where(CandidateLink.erase_hash == links.digest(erase_token))
        )
    ).first()
    if row is None:
        raise NotFound(ERASE_NOT_FOUND)
    link, applicant, organization = row
    if link.erase_expires_at is None or link.erase_expires_at <= utcnow():
        raise NotFound(ERASE_NOT_FOUND)
    return applicant, organization


async def confirm_erasure(db: AsyncSession, erase_token: str) -> tuple[str, list[str]]:
    """Erase the applicant the link names (as the privacy rules say: the application, its
    files, notes, scorecards, messages and mail). Returns the organization's name and the
    storage keys of its files, which the caller deletes once the erasure is committed."""
    applicant, organization = await erasure_target(db, erase_token)
    name = organization.name
    try:
        keys = await erase_for_candidate(db, applicant)
    except Conflict as exc:
        # Put under legal hold since the link was mailed: nothing is erased.
        raise Conflict(HELD.format(organization=name), code=exc.code) from None
    return name, keys


async def request_export(db: AsyncSession, token: str, *, base_url: str) -> None:
    """Mail the candidate a link that downloads everything held about them (valid once, for
    24 hours). A new request replaces the previous link."""
    link, applicant, title, organization = await _find(db, token, for_update=True)
    export_token = links.new_token()
    link.export_hash = links.digest(export_token)
    link.export_expires_at = utcnow() + EXPORT_TTL
    link.export_used_at = None
    url = f"{base_url.rstrip('/')}/status/export/{export_token}"
    text = (
        f"Hello {applicant.name.split()[0] if applicant.name.split() else ''},\n\n"
        f"you asked {organization.name} for a copy of your data: your application for {title} "
        "and everything held about you. Open this link within 24 hours to download it. "
        "The link works once:\n"
        f"{url}\n\n"
        "If you did not ask for this, ignore this message. Nobody gets your data without "
        "this link.\n\n"
        f"{organization.name}, via WeGotWork"
    )
    enqueue(
        db,
        to=applicant.email,
        subject=f"Your data at {organization.name}"[:255],
        text=text,
        html=templates.to_html(text),
        kind="candidate_export",
        applicant_id=applicant.id,
    )
    await db.flush()


async def export_target(db: AsyncSession, export_token: str) -> tuple[Applicant, Organization]:
    """The applicant a "download my data" link names. NotFound for a link that never existed,
    Gone for one that expired or was already used."""
    if not links.plausible(export_token):
        raise NotFound(EXPORT_NOT_FOUND)
    row = (
        await db.execute(
            select(CandidateLink, Applicant, Organization)
            .join(Applicant, Applicant.id == CandidateLink.applicant_id)
            .join(Organization, joins_organization(Applicant))
            .where(CandidateLink.export_hash == links.digest(export_token))
        )
    ).first()
    if row is None:
        raise NotFound(EXPORT_NOT_FOUND)
    link, applicant, organization = row
    if (
        link.export_used_at is not None
        or link.export_expires_at is None
        or link.export_expires_at <= utcnow()
    ):
        raise Gone(EXPORT_GONE)
    return applicant, organization


async def export(db: AsyncSession, export_token: str) -> privacy.Export:
    """Use up the link and gather everything held about the applicant it names: the same
    export the team downloads (application, answers, consent, stage history, notes,
    scorecards, messages and the files). NotFound or Gone as ``export_target``; a second
    download of the same link is Gone even when both arrive at once."""
    applicant, organization = await export_target(db, export_token)
    now = utcnow()
    used = await db.execute(
        update(CandidateLink)
        .where(
            owned_by(CandidateLink, applicant.organization_id),
            CandidateLink.applicant_id == applicant.id,
            CandidateLink.export_hash == links.digest(export_token),
            CandidateLink.export_used_at.is_(None),
            CandidateLink.export_expires_at > now,
        )
        .values(export_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(used, "rowcount", 0) != 1:
        raise Gone(EXPORT_GONE)
    return await privacy.export_for_candidate(db, applicant, organization)
