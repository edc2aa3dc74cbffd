"""Team review: writing notes (with the mentions they make), reading notifications, interview
kits per stage and each member's scorecard, every note and scorecard written to the applicant's
timeline.

Every action flushes and never commits; the face commits once. Actions take an OrgContext (or,
for one's own notifications, the user) and check the permission themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import new_id, utcnow
from wegotwork.errors import DomainError, Forbidden, Invalid
from wegotwork.mail.outbox import enqueue, render_message
from wegotwork.models import (
    ActivityKind,
    Applicant,
    ApplicantActivity,
    Member,
    Note,
    Notification,
    NotificationKind,
    PipelineStage,
    Recommendation,
    Scorecard,
    ScorecardAttribute,
    User,
)
from wegotwork.pipelines.actions import log_activity, target_stage
from wegotwork.pipelines.queries import APPLICANT_NOT_FOUND, KitAttribute, stage_ref
from wegotwork.privacy import registry as privacy_registry
from wegotwork.privacy.registry import Part, Section, Subject
from wegotwork.reviews import rules
from wegotwork.reviews.queries import (
    NOTE_NOT_FOUND,
    STAGE_NOT_FOUND,
    NoteView,
    ScorecardView,
    note_view,
)
from wegotwork.tenancy.allowance import MailKind, claim_mail
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, in_context, owned_by, scoped

EMPTY_NOTE = "Write something in the note"
LONG_NOTE = f"A note has at most {rules.NOTE_MAX} characters"
NOT_AUTHOR = "Only the author can edit this note"
NOT_AUTHOR_DELETE = "Only the author or an admin can delete this note"


@dataclass(frozen=True, slots=True)
class ScorecardInput:
    ratings: Mapping[str, int]
    recommendation: Recommendation
    notes: str | None = None


# ---------------------------------------------------------------------------------------------
# Notes


def _body(value: str) -> str:
    body = rules.clean_body(value)
    if not body:
        raise Invalid.field("body", EMPTY_NOTE)
    if len(body) > rules.NOTE_MAX:
        raise Invalid.field("body", LONG_NOTE)
    return body


async def add_note(
    db: AsyncSession, ctx: OrgContext, applicant_id: str, body: str, *, base_url: str
) -> NoteView:
    """Add the caller's Markdown note to an applicant, log it on the timeline, and tell each
    member it mentions (``@name`` or ``@email``): a notification, and a mail when the caller's
    email is verified and within the hour's budget for mentions (otherwise the mail is left
    out, the note and notifications stay).

    Members (MANAGE_APPLICANTS) may call it. Raises NotFound for another organization's
    applicant, Invalid (``body``) for an empty or too long note.
    """
    ctx.require(Permission.MANAGE_APPLICANTS)
    text = _body(body)
    applicant = await get_scoped(db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND)
    now = utcnow()
    note = Note(
        id=new_id(),
        organization_id=ctx.organization.id,
        applicant_id=applicant.id,
        author_id=ctx.user.id,
        body=text,
        created_at=now,
        updated_at=now,
    )
    db.add(note)
    log_activity(db, applicant, ActivityKind.NOTE_ADDED, {"noteId": note.id}, actor=ctx.user)
    await db.flush()
    await _mention(db, ctx, applicant, note, base_url=base_url)
    return NoteView(note, ctx.user)


async def _own_note(db: AsyncSession, ctx: OrgContext, note_id: str) -> Note:
    return await get_scoped(db, Note, ctx, note_id, message=NOTE_NOT_FOUND, for_update=True)


async def edit_note(
    db: AsyncSession, ctx: OrgContext, note_id: str, body: str, *, base_url: str
) -> NoteView:
    """Replace the text of the caller's own note; members it newly mentions are told.

    Members (MANAGE_APPLICANTS) may call it, for their own notes. Raises NotFound for another
    organization's note, Forbidden for someone else's, Invalid (``body``) for bad text.
    """
    ctx.require(Permission.MANAGE_APPLICANTS)
    note = await _own_note(db, ctx, note_id)
    if note.author_id != ctx.user.id:
        raise Forbidden(NOT_AUTHOR)
    note.body = _body(body)
    note.updated_at = utcnow()
    await db.flush()
    applicant = await get_scoped(db, Applicant, ctx, note.applicant_id, message=APPLICANT_NOT_FOUND)
    await _mention(db, ctx, applicant, note, base_url=base_url)
    return await note_view(db, note)


async def delete_note(db: AsyncSession, ctx: OrgContext, note_id: str) -> None:
    """Delete a note with its timeline entry and the notifications it raised.

    Members (MANAGE_APPLICANTS) may call it for their own notes; MODERATE_NOTES (admins) for
    any. Raises NotFound for another organization's note, Forbidden for someone else's.
    """
    ctx.require(Permission.MANAGE_APPLICANTS)
    note = await _own_note(db, ctx, note_id)
    if note.author_id != ctx.user.id and not ctx.can(Permission.MODERATE_NOTES):
        raise Forbidden(NOT_AUTHOR_DELETE)
    entries = await db.scalars(
        scoped(ApplicantActivity, ctx).where(
            ApplicantActivity.applicant_id == note.applicant_id,
            ApplicantActivity.kind == ActivityKind.NOTE_ADDED,
        )
    )
    for entry in entries:
        if (entry.data or {}).get("noteId") == note.id:
            await db.delete(entry)
    await db.execute(delete(Notification).where(Notification.note_id == note.id))
    await db.execute(delete(Note).where(Note.id == note.id))
    db.expunge(note)
    await db.flush()


async def _mention(
    db: AsyncSession, ctx: OrgContext, applicant: Applicant, note: Note, *, base_url: str
) -> None:
    """Notify the members ``note`` mentions that it has not notified yet; mail those who want
    mentions mailed (their notification settings) when the author may send mail now."""
    rows = (
        await db.execute(
            scoped(Member, ctx, User.id, User.name, User.email, Member.notify_mentions)
            .select_from(Member)
            .join(User, User.id == Member.user_id)
            .order_by(Member.created_at, Member.id)
        )
    ).all()
    members = [rules.Mentionable(user_id, name, email) for user_id, name, email, _mail in rows]
    mailed = {user_id for user_id, _name, _email, mail in rows if mail}
    wanted = rules.mentioned(note.body, members, author_id=ctx.user.id)
    if not wanted:
        return
    told = set(
        await db.scalars(select(Notification.user_id).where(Notification.note_id == note.id))
    )
    recipients = [
        member for member in members if member.user_id in wanted and member.user_id not in told
    ]
    if not recipients:
        return
    now = utcnow()
    db.add_all(
        Notification(
            id=new_id(),
            organization_id=ctx.organization.id,
            user_id=member.user_id,
            kind=NotificationKind.MENTION,
            actor_id=ctx.user.id,
            applicant_id=applicant.id,
            note_id=note.id,
            created_at=now,
        )
        for member in recipients
    )
    await db.flush()
    to_mail = [member for member in recipients if member.user_id in mailed]
    if not to_mail:
        return
    try:
        await claim_mail(db, ctx, MailKind.MENTION, count=len(to_mail))
    except DomainError:
        # Unverified sender or over the hour's budget: the teammates still see the
        # notification in the product; only the mail is left out.
        return
    link = f"{base_url}/dashboard/{ctx.organization.slug}/applicants/{applicant.id}"
    for member in to_mail:
        subject, text, html = render_message(
            "mention",
            member=member.name,
            author=ctx.user.name,
            applicant=applicant.name,
            organization=ctx.organization.name,
            link=link,
        )
        enqueue(
            db,
            to=member.email,
            subject=" ".join(subject.split())[:255],
            text=text,
            html=html,
            kind="mention",
        )


# ---------------------------------------------------------------------------------------------
# Notifications


async def mark_read(db: AsyncSession, user: User, ids: Sequence[str] | None) -> int:
    """Mark the user's notifications ``ids`` (all when None) as read; others' ids are ignored.
    Any signed-in user may call it. Returns how many changed."""
    query = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if ids is not None:
        if not ids:
            return 0
        query = query.where(Notification.id.in_(list(ids)))
    result = await db.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


# ---------------------------------------------------------------------------------------------
# Interview kits and scorecards


async def set_kit(
    db: AsyncSession, ctx: OrgContext, stage_id: str, attributes: Sequence[KitAttribute]
) -> list[KitAttribute]:
    """Replace a stage's interview kit with ``attributes`` (in order). Scorecards already
    written keep their ratings.

    Admins (MANAGE_PIPELINES) may call it. Raises NotFound for another organization's stage,
    Invalid with field errors for missing, long or repeated names.
    """
    ctx.require(Permission.MANAGE_PIPELINES)
    stage = await get_scoped(
        db, PipelineStage, ctx, stage_id, message=STAGE_NOT_FOUND, for_update=True
    )
    cleaned = [
        KitAttribute(
            " ".join(item.name.replace("\x00", "").split()),
            (item.description or "").replace("\x00", "").strip() or None,
        )
        for item in attributes
    ]
    problems = rules.kit_problems([(item.name, item.description) for item in cleaned])
    if problems:
        raise Invalid(next(iter(problems.values()))[0], field_errors=problems)
    await db.execute(
        delete(ScorecardAttribute).where(
            in_context(ScorecardAttribute, ctx), ScorecardAttribute.stage_id == stage.id
        )
    )
    now = utcnow()
    db.add_all(
        ScorecardAttribute(
            id=new_id(),
            organization_id=ctx.organization.id,
            stage_id=stage.id,
            name=item.name,
            description=item.description,
            position=position,
            created_at=now,
        )
        for position, item in enumerate(cleaned)
    )
    await db.flush()
    return cleaned


async def submit_scorecard(
    db: AsyncSession,
    ctx: OrgContext,
    applicant_id: str,
    stage_id: str,
    data: ScorecardInput,
    *,
    base_url: str | None = None,
) -> ScorecardView:
    """Write the caller's scorecard for the applicant at ``stage_id`` (a stage of the job's
    pipeline): one per member and stage, replaced when sent again. The first submission is
    logged on the timeline (without the verdict: the timeline is not blind) and, with a
    ``base_url`` for the link, mailed to the teammates who reviewed the same stage and want
    such mail (they may see it: they submitted theirs).

    Members (MANAGE_APPLICANTS) may call it. Raises NotFound for another organization's
    applicant, Invalid for a stage of another pipeline (``stageId``), ratings of attributes
    the stage's kit lacks or outside 1–4 (``ratings.<name>``), or notes that are too long.
    """
    ctx.require(Permission.MANAGE_APPLICANTS)
    # Locked so that one member's two simultaneous submissions are one scorecard.
    applicant = await get_scoped(
        db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND, for_update=True
    )
    stage, _stages = await target_stage(db, ctx, applicant.job_id, stage_id=stage_id)
    attributes = await db.scalars(
        select(ScorecardAttribute.name).where(ScorecardAttribute.stage_id == stage.id)
    )
    problems = rules.rating_problems(data.ratings, attributes)
    notes = (data.notes or "").replace("\x00", "").strip() or None
    if notes is not None and len(notes) > rules.SCORECARD_NOTES_MAX:
        problems["notes"] = [f"Notes have at most {rules.SCORECARD_NOTES_MAX} characters"]
    if problems:
        raise Invalid(next(iter(problems.values()))[0], field_errors=problems)
    card = await db.scalar(
        scoped(Scorecard, ctx).where(
            Scorecard.applicant_id == applicant.id,
            Scorecard.stage_id == stage.id,
            Scorecard.author_id == ctx.user.id,
        )
    )
    now = utcnow()
    first = card is None
    if card is None:
        card = Scorecard(
            id=new_id(),
            organization_id=ctx.organization.id,
            applicant_id=applicant.id,
            stage_id=stage.id,
            author_id=ctx.user.id,
            created_at=now,
        )
        db.add(card)
        log_activity(
            db,
            applicant,
            ActivityKind.SCORECARD_SUBMITTED,
            {"stage": stage_ref(stage)},
            actor=ctx.user,
        )
    card.ratings = dict(data.ratings)
    card.recommendation = data.recommendation
    card.notes = notes
    card.updated_at = now
    await db.flush()
    if first and base_url is not None:
        await _tell_co_reviewers(db, ctx, applicant, stage, base_url=base_url)
    return ScorecardView(card, ctx.user, True)


async def _tell_co_reviewers(
    db: AsyncSession, ctx: OrgContext, applicant: Applicant, stage: PipelineStage, *, base_url: str
) -> None:
    """Mail the caller's new scorecard to the members who submitted theirs for the same
    applicant and stage and want scorecards mailed, when the caller may send mail now."""
    rows = (
        await db.execute(
            scoped(Member, ctx, User.name, User.email)
            .select_from(Member)
            .join(User, User.id == Member.user_id)
            .join(
                Scorecard,
                and_(
                    Scorecard.author_id == Member.user_id,
                    Scorecard.applicant_id == applicant.id,
                    Scorecard.stage_id == stage.id,
                ),
            )
            .where(Member.user_id != ctx.user.id, Member.notify_scorecards)
            .order_by(Member.created_at, Member.id)
        )
    ).all()
    if not rows:
        return
    try:
        await claim_mail(db, ctx, MailKind.SCORECARD, count=len(rows))
    except DomainError:
        # Unverified sender or over the hour's budget: the scorecard is on the applicant's
        # page for the teammates all the same; only the mail is left out.
        return
    link = f"{base_url}/dashboard/{ctx.organization.slug}/applicants/{applicant.id}#scorecards"
    for name, email in rows:
        subject, text, html = render_message(
            "scorecard",
            member=name,
            author=ctx.user.name,
            applicant=applicant.name,
            stage=stage.name,
            organization=ctx.organization.name,
            link=link,
            settings_link=f"{base_url}/account/notifications",
        )
        enqueue(
            db,
            to=email,
            subject=" ".join(subject.split())[:255],
            text=text,
            html=html,
            kind="scorecard",
        )


# ---------------------------------------------------------------------------------------------
# Erasure


async def _erase_for_privacy(db: AsyncSession, subject: Subject) -> list[str]:
    """Delete everything team review holds about an applicant: notes, scorecards and the
    notifications that point at them (erasure, through the privacy registry)."""
    for model in (Notification, Scorecard, Note):
        await db.execute(
            delete(model).where(
                owned_by(model, subject.organization_id),
                model.applicant_id == subject.applicant_id,
            )
        )
    return []


async def _export_for_privacy(db: AsyncSession, subject: Subject) -> Part:
    notes = await db.execute(
        select(Note, User.name)
        .outerjoin(User, User.id == Note.author_id)
        .where(owned_by(Note, subject.organization_id), Note.applicant_id == subject.applicant_id)
        .order_by(Note.created_at, Note.id)
    )
    cards = await db.execute(
        select(Scorecard, User.name, PipelineStage.name)
        .outerjoin(User, User.id == Scorecard.author_id)
        .outerjoin(PipelineStage, PipelineStage.id == Scorecard.stage_id)
        .where(
            owned_by(Scorecard, subject.organization_id),
            Scorecard.applicant_id == subject.applicant_id,
        )
        .order_by(Scorecard.created_at, Scorecard.id)
    )
    mentions = await db.execute(
        select(Notification, User.name)
        .outerjoin(User, User.id == Notification.user_id)
        .where(
            owned_by(Notification, subject.organization_id),
            Notification.applicant_id == subject.applicant_id,
        )
        .order_by(Notification.created_at, Notification.id)
    )
    return Part(
        {
            "notes": [
                {
                    "id": note.id,
                    "author": author,
                    "body": note.body,
                    "createdAt": note.created_at.isoformat(),
                    "updatedAt": note.updated_at.isoformat(),
                }
                for note, author in notes
            ],
            "scorecards": [
                {
                    "id": card.id,
                    "author": author,
                    "stage": stage,
                    "ratings": dict(card.ratings),
                    "recommendation": str(card.recommendation),
                    "notes": card.notes,
                    "createdAt": card.created_at.isoformat(),
                    "updatedAt": card.updated_at.isoformat(),
                }
                for card, author, stage in cards
            ],
            "mentions": [
                {
                    "id": item.id,
                    "kind": str(item.kind),
                    "noteId": item.note_id,
                    "recipient": recipient,
                    "createdAt": item.created_at.isoformat(),
                }
                for item, recipient in mentions
            ],
        }
    )


# Notes, scorecards and mentions are erased first: they point at the applicant.
privacy_registry.register(
    Section(
        "review",
        tables=("note", "scorecard", "notification"),
        erase=_erase_for_privacy,
        export=_export_for_privacy,
        order=10,
    )
)
