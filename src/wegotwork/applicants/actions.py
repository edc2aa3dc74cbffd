"""The applicants core: applying to a published job, and reviewing applicants inside an
organization (lists, detail, status changes with history, erasure, mail preferences).

Every action flushes and never commits; the face commits once. Reviewing actions take an
OrgContext and check the permission themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.analytics import funnel
from wegotwork.analytics.sources import resolve_source
from wegotwork.applicants import rules
from wegotwork.applicants.schemas import (
    MAX_PAGE,
    ApplicantDetail,
    ApplicantFilters,
    ApplicantPage,
    ApplicantRow,
    ApplicantStatusUpdate,
    ApplicationInput,
    BulkStatusUpdate,
    EventRow,
)
from wegotwork.db import Database, new_id, utcnow
from wegotwork.errors import Conflict, Invalid, NotFound
from wegotwork.identity.sessions import AuthContext
from wegotwork.jobs.rules import PUBLISHED_SQL
from wegotwork.mail import enqueue, render_message
from wegotwork.models import (
    Applicant,
    ApplicantEvent,
    ApplicantStatus,
    Job,
    JobStatus,
    Member,
    Organization,
    User,
)
from wegotwork.models.applicants import search_text
from wegotwork.pipelines import actions as pipelines
from wegotwork.reviews import actions as reviews
from wegotwork.schemas import decode_cursor, encode_cursor
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, joins_organization, scoped

JOB_NOT_FOUND = "Job does not exist"
APPLICANT_NOT_FOUND = "Applicant does not exist"
NO_RESUME = "This applicant has no résumé"
ALREADY_APPLIED = (
    "You have already applied for this job with this email address. "
    "Thank you, the team will be in touch."
)
_UNIQUE_APPLICATION = "uq_applicant_job_id_email"


@dataclass(frozen=True, slots=True)
class Opening:
    """A published job as the apply flow needs it, detached from any session."""

    job_id: str
    job_title: str
    organization_id: str
    organization_name: str
    organization_slug: str


@dataclass(frozen=True, slots=True)
class StoredResume:
    """A résumé already written to storage under ``key``."""

    key: str
    filename: str
    content_type: str
    size: int


# One statement answers "is this job open, and who is told of a new applicant": a row per member
# who wants the notice (or a single row with no member), each with the job and organization.
_OPENING = (
    select(Job.id, Job.title, Organization.id, Organization.name, Organization.slug)
    .join(Organization, joins_organization(Job))
    .where(
        Job.id == bindparam("job_id"),
        PUBLISHED_SQL,
    )
)
_OPENING_WITH_RECIPIENTS = (
    _OPENING.add_columns(User.email, User.name)
    .outerjoin(
        Member,
        and_(
            joins_organization(Member),
            Member.notify_new_applicants.is_(True),
        ),
    )
    .outerjoin(User, User.id == Member.user_id)
    .order_by(User.email)
)


async def get_open_job(database: Database, job_id: str) -> Opening:
    """The published job ``job_id``. Anyone may call it; one read-only statement on the
    database's hot-read path (no transaction is held while the upload streams).

    Raises NotFound when the job does not exist or is not published (drafts stay invisible).
    """
    rows = await database.read(_OPENING, job_id=job_id)
    if not rows:
        raise NotFound(JOB_NOT_FOUND)
    return Opening(*rows[0])


async def job_for_confirmation(
    db: AsyncSession, slug: str, job_id: str
) -> tuple[Job, Organization]:
    """The job (not a draft) and its organization for the "application sent" page. Anyone may
    call it. Raises NotFound when the job does not exist or belongs to another slug."""
    row = (
        await db.execute(
            select(Job, Organization)
            .join(Organization, joins_organization(Job))
            .where(
                Job.id == job_id,
                Job.status != JobStatus.DRAFT,
                func.lower(Organization.slug) == slug.lower(),
            )
        )
    ).first()
    if row is None:
        raise NotFound(JOB_NOT_FOUND)
    job, organization = row
    return job, organization


async def submit_application(
    db: AsyncSession,
    job_id: str,
    data: ApplicationInput,
    resume: StoredResume,
    *,
    base_url: str,
) -> Applicant:
    """Record an application to a published job with its stored résumé, and put the mail in
    the outbox: a confirmation to the candidate and a notice to each member who wants one.

    Anyone may call it. Raises NotFound when the job is not (or no longer) published, Conflict
    when this email already applied to this job (decided by the unique index, so two
    simultaneous submissions cannot both succeed).
    """
    # Checked again at the end of the upload: the job may have closed meanwhile.
    rows = (await db.execute(_OPENING_WITH_RECIPIENTS, {"job_id": job_id})).all()
    if not rows:
        raise NotFound(JOB_NOT_FOUND)
    opening = Opening(*rows[0][:5])
    now = utcnow()
    applicant = Applicant(
        id=new_id(),
        organization_id=opening.organization_id,
        job_id=opening.job_id,
        name=data.name,
        email=data.email,
        motivation=data.motivation,
        linkedin=data.linked_in,
        twitter=data.twitter,
        github=data.github,
        resume_key=resume.key,
        resume_filename=resume.filename,
        resume_content_type=resume.content_type,
        resume_size=resume.size,
        status=ApplicantStatus.SUBMITTED,
        source=await resolve_source(db, opening.organization_id, data.source),
        created_at=now,
        updated_at=now,
    )
    await pipelines.record_application(db, applicant)
    db.add(applicant)
    context = {
        "name": applicant.name,
        "job": opening.job_title,
        "organization": opening.organization_name,
    }
    subject, text, html = render_message("application_received", **context)
    enqueue(
        db,
        to=applicant.email,
        subject=_one_line(subject),
        text=text,
        html=html,
        kind="application_received",
    )
    link = f"{base_url}/dashboard/{opening.organization_slug}/applicants/{applicant.id}"
    for *_opening, email, member_name in rows:
        if email is None:
            continue
        subject, text, html = render_message(
            "new_applicant",
            member=member_name,
            link=link,
            settings_link=f"{base_url}/account/notifications",
            **context,
        )
        enqueue(
            db, to=email, subject=_one_line(subject), text=text, html=html, kind="new_applicant"
        )
    # The row and its mail go in one flush. A second application of the same email to the
    # same job is refused by the unique index, so two simultaneous ones cannot both succeed;
    # the transaction is then rolled back whole (no savepoint round trips on the common path).
    try:
        await db.flush()
    except IntegrityError as exc:
        await db.rollback()
        if _UNIQUE_APPLICATION in str(exc.orig):
            raise Conflict(ALREADY_APPLIED, code="ALREADY_APPLIED") from exc
        raise NotFound(JOB_NOT_FOUND) from exc
    await funnel.record_application(db, applicant)
    return applicant


def _one_line(text: str) -> str:
    return " ".join(text.split())[:255]


# ---------------------------------------------------------------------------------------------
# Whose applicant is it?


async def get_job_title(db: AsyncSession, ctx: OrgContext, job_id: str) -> str:
    """The title of one of the organization's jobs. Raises NotFound for another's job."""
    ctx.require(Permission.VIEW_APPLICANTS)
    job = await get_scoped(db, Job, ctx, job_id, message=JOB_NOT_FOUND)
    return job.title


async def job_choices(db: AsyncSession, ctx: OrgContext) -> list[tuple[str, str]]:
    """(id, title) of every job of the organization, for filters; newest first."""
    ctx.require(Permission.VIEW_APPLICANTS)
    rows = await db.execute(
        scoped(Job, ctx, Job.id, Job.title).order_by(Job.created_at.desc(), Job.id)
    )
    return [(job_id, title) for job_id, title in rows]


# ---------------------------------------------------------------------------------------------
# Lists


def _filtered(ctx: OrgContext, filters: ApplicantFilters) -> Select[Any]:
    query = scoped(Applicant, ctx, Applicant, Job.title).join(Job, Job.id == Applicant.job_id)
    if filters.status is not None:
        query = query.where(Applicant.status == filters.status)
    if filters.job_id:
        query = query.where(Applicant.job_id == filters.job_id)
    if filters.stage_id:
        query = query.where(Applicant.stage_id == filters.stage_id)
    if filters.source:
        query = query.where(Applicant.source == filters.source)
    if filters.q and filters.q.strip():
        # One expression over name, email and motivation: PostgreSQL answers it from a
        # trigram index (see the model), SQLite scans.
        pattern = rules.like_pattern(filters.q.strip().lower())
        query = query.where(search_text().like(pattern, escape="\\"))
    if filters.cursor:
        try:
            created_at, last_id = decode_cursor(filters.cursor)
        except ValueError:
            raise Invalid.field(
                "cursor", "This page link is no longer valid; start from the first page"
            ) from None
        # A row comparison, which PostgreSQL turns into an index range condition.
        position = tuple_(Applicant.created_at, Applicant.id)
        query = query.where(position < tuple_(created_at, last_id))
    return query.order_by(Applicant.created_at.desc(), Applicant.id.desc())


async def list_applicants(
    db: AsyncSession, ctx: OrgContext, filters: ApplicantFilters
) -> ApplicantPage:
    """One page of the organization's applicants, newest first, with the cursor of the next.

    Members (VIEW_APPLICANTS) may call it. Filters by status, job and a literal search in name,
    email and motivation. Raises Invalid (``cursor``) for a cursor we did not make.
    """
    ctx.require(Permission.VIEW_APPLICANTS)
    limit = max(1, min(filters.limit, MAX_PAGE))
    rows = (await db.execute(_filtered(ctx, filters).limit(limit + 1))).all()
    page = [ApplicantRow(applicant, title) for applicant, title in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1].applicant
        next_cursor = encode_cursor(last.created_at, last.id)
    return ApplicantPage(page, next_cursor)


async def neighbours(
    db: AsyncSession, ctx: OrgContext, filters: ApplicantFilters, applicant: Applicant
) -> tuple[str | None, str | None]:
    """The applicants before and after ``applicant`` in the list ``filters`` give (newest
    first): (previous, next) ids, None at either end. Two keyset lookups, whatever the list's
    length. Members (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    listed = _filtered(ctx, replace(filters, cursor=None)).with_only_columns(Applicant.id)
    position = tuple_(Applicant.created_at, Applicant.id)
    here = tuple_(applicant.created_at, applicant.id)
    previous = await db.scalar(
        listed.where(position > here)
        .order_by(None)
        .order_by(Applicant.created_at, Applicant.id)
        .limit(1)
    )
    following = await db.scalar(listed.where(position < here).limit(1))
    return previous, following


async def source_choices(db: AsyncSession, ctx: OrgContext) -> list[str]:
    """The sources the organization's applicants came from, for the list's filter.
    Members (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    rows = await db.scalars(
        scoped(Applicant, ctx, Applicant.source)
        .where(Applicant.source.is_not(None))
        .distinct()
        .order_by(Applicant.source)
    )
    return [str(source) for source in rows]


async def iter_applicants(
    db: AsyncSession, ctx: OrgContext, filters: ApplicantFilters, *, batch: int = 500
) -> AsyncIterator[ApplicantRow]:
    """Every applicant matching ``filters`` (the cursor and limit aside), in batches, for
    exports. Members (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    current = replace(filters, cursor=None)
    while True:
        rows = (await db.execute(_filtered(ctx, current).limit(batch))).all()
        for applicant, title in rows:
            yield ApplicantRow(applicant, title)
        if len(rows) < batch:
            return
        last = rows[-1][0]
        current = replace(current, cursor=encode_cursor(last.created_at, last.id))


async def board_columns(
    db: AsyncSession, ctx: OrgContext, *, job_id: str | None, per_column: int
) -> tuple[dict[ApplicantStatus, list[ApplicantRow]], dict[ApplicantStatus, int]]:
    """The newest ``per_column`` applicants of each status, and how many each status has.

    Members (VIEW_APPLICANTS) may call it.
    """
    ctx.require(Permission.VIEW_APPLICANTS)
    counts_query = scoped(Applicant, ctx, Applicant.status, func.count()).group_by(Applicant.status)
    if job_id:
        counts_query = counts_query.where(Applicant.job_id == job_id)
    counts = dict.fromkeys(ApplicantStatus, 0)
    for status, count in await db.execute(counts_query):
        counts[ApplicantStatus(status)] = count
    ranking = scoped(
        Applicant,
        ctx,
        Applicant.id.label("id"),
        func.row_number()
        .over(
            partition_by=Applicant.status,
            order_by=(Applicant.created_at.desc(), Applicant.id.desc()),
        )
        .label("position"),
    )
    if job_id:
        ranking = ranking.where(Applicant.job_id == job_id)
    ranked = ranking.subquery()
    rows = await db.execute(
        select(Applicant, Job.title)
        .join(ranked, ranked.c.id == Applicant.id)
        .join(Job, Job.id == Applicant.job_id)
        .where(ranked.c.position <= per_column)
        .order_by(Applicant.created_at.desc(), Applicant.id.desc())
    )
    columns: dict[ApplicantStatus, list[ApplicantRow]] = {status: [] for status in ApplicantStatus}
    for applicant, title in rows:
        columns[applicant.status].append(ApplicantRow(applicant, title))
    return columns, counts


# ---------------------------------------------------------------------------------------------
# One applicant


async def get_applicant(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> ApplicantDetail:
    """One applicant with the job's title and the status history, oldest change first.

    Members (VIEW_APPLICANTS) may call it. Raises NotFound for another organization's applicant.
    """
    ctx.require(Permission.VIEW_APPLICANTS)
    row = (
        await db.execute(
            scoped(Applicant, ctx, Applicant, Job.title)
            .join(Job, Job.id == Applicant.job_id)
            .where(Applicant.id == applicant_id)
        )
    ).first()
    if row is None:
        raise NotFound(APPLICANT_NOT_FOUND)
    applicant, title = row
    events = await db.execute(
        select(ApplicantEvent, User)
        .outerjoin(User, User.id == ApplicantEvent.actor_id)
        .where(ApplicantEvent.applicant_id == applicant.id)
        .order_by(ApplicantEvent.created_at, ApplicantEvent.id)
    )
    return ApplicantDetail(applicant, title, [EventRow(event, actor) for event, actor in events])


async def resume_of(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> Applicant:
    """The applicant whose résumé is to be served. Members (VIEW_APPLICANTS) may call it.

    Raises NotFound for another organization's applicant or when there is no résumé.
    """
    ctx.require(Permission.VIEW_APPLICANTS)
    applicant = await get_scoped(db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND)
    if not applicant.resume_key:
        raise NotFound(NO_RESUME)
    return applicant


async def change_status(
    db: AsyncSession, ctx: OrgContext, applicant_id: str, data: ApplicantStatusUpdate
) -> Applicant:
    """Move an applicant to the stage ``data.stage_id`` of its job's pipeline, or to the first
    stage of ``data.status``, and record who did it and when (no record when nothing changes).

    Members (MANAGE_APPLICANTS) may call it. Raises NotFound for another organization's
    applicant, Invalid for a stage outside the job's pipeline, Forbidden without the permission.
    """
    return await pipelines.move_applicant(
        db, ctx, applicant_id, stage_id=data.stage_id, status=data.status
    )


async def bulk_change_status(db: AsyncSession, ctx: OrgContext, data: BulkStatusUpdate) -> int:
    """Move every applicant of ``data.ids`` that belongs to the organization to the first stage
    of ``data.status`` in its job's pipeline, recording each change; returns how many changed.
    Ids of other organizations are ignored as if they did not exist.

    Members (MANAGE_APPLICANTS) may call it. Raises Forbidden without the permission.
    """
    ctx.require(Permission.MANAGE_APPLICANTS)
    assert data.status is not None
    applicants = (
        await db.scalars(
            scoped(Applicant, ctx)
            .where(Applicant.id.in_(data.ids))
            .order_by(Applicant.id)
            .with_for_update()
        )
    ).all()
    return await pipelines.move_to_status(db, ctx, applicants, data.status)


async def erase_applicant(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> str | None:
    """Erase an applicant and their history (privacy requests). Returns the résumé's storage
    key, which the caller deletes once the erasure is committed.

    Members (MANAGE_APPLICANTS) may call it. Raises NotFound for another organization's
    applicant, Forbidden without the permission.
    """
    ctx.require(Permission.MANAGE_APPLICANTS)
    applicant = await get_scoped(
        db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND, for_update=True
    )
    key = applicant.resume_key
    await reviews.erase_reviews(db, ctx, applicant.id)
    await pipelines.erase_activity(db, applicant.id)
    await db.execute(delete(ApplicantEvent).where(ApplicantEvent.applicant_id == applicant.id))
    await db.execute(delete(Applicant).where(Applicant.id == applicant.id))
    db.expunge(applicant)
    await db.flush()
    return key


# ---------------------------------------------------------------------------------------------
# Mail preferences


@dataclass(frozen=True, slots=True)
class NotificationSetting:
    organization_id: str
    organization_name: str
    organization_slug: str
    enabled: bool  # new applicants are mailed to me
    mentions: bool  # mentions of me in notes are mailed to me


async def notification_settings(db: AsyncSession, auth: AuthContext) -> list[NotificationSetting]:
    """For each of the caller's organizations: are new applicants, and mentions of the caller
    in notes, mailed to them? Any signed-in user may call it (it only reads their own
    memberships)."""
    rows = await db.execute(
        select(
            Organization.id,
            Organization.name,
            Organization.slug,
            Member.notify_new_applicants,
            Member.notify_mentions,
        )
        .join(Member, joins_organization(Member))
        .where(Member.user_id == auth.user.id)
        .order_by(Organization.name, Organization.id)
    )
    return [NotificationSetting(*row) for row in rows]


async def set_notifications(
    db: AsyncSession, auth: AuthContext, enabled: set[str], mentions: set[str]
) -> int:
    """Mail new applicants of the organizations in ``enabled``, and mentions in notes of the
    organizations in ``mentions``, to the caller, and stop for the others. Only the caller's
    own memberships change; unknown ids are ignored. Any signed-in user may call it. Returns
    how many memberships changed."""
    members = (
        await db.scalars(select(Member).where(Member.user_id == auth.user.id).order_by(Member.id))
    ).all()
    changed = 0
    for member in members:
        applicants = member.organization_id in enabled
        mentioned = member.organization_id in mentions
        if (member.notify_new_applicants, member.notify_mentions) != (applicants, mentioned):
            member.notify_new_applicants = applicants
            member.notify_mentions = mentioned
            changed += 1
    await db.flush()
    return changed
