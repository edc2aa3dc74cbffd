"""The applicants core: applying to a published job, and reviewing applicants inside an
organization (lists, detail, status changes with history, erasure, mail preferences).

Every action flushes and never commits; the face commits once. Reviewing actions take an
OrgContext and check the permission themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, tuple_
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
    ApplicantSort,
    ApplicantStatusUpdate,
    ApplicationInput,
    EventRow,
)
from wegotwork.applicants.search_plan import rare_in_job
from wegotwork.db import Database, new_id, utcnow
from wegotwork.errors import Conflict, Invalid, NotFound
from wegotwork.forms import actions as forms
from wegotwork.identity.sessions import AuthContext
from wegotwork.jobs.rules import PUBLISHED_SQL
from wegotwork.mail import enqueue, render_message
from wegotwork.messages import actions as messages
from wegotwork.models import (
    Applicant,
    ApplicantEvent,
    ApplicantStatus,
    Job,
    JobStatus,
    Member,
    Organization,
    OutboxMessage,
    User,
)
from wegotwork.models.applicants import (
    job_search_keys_contain,
    search_text,
)
from wegotwork.pipelines import actions as pipelines
from wegotwork.privacy import registry as privacy_registry
from wegotwork.privacy.registry import ExportFile, Part, Section, Subject
from wegotwork.reviews import actions as reviews  # noqa: F401  (registers its privacy section)
from wegotwork.reviews.queries import UNRATED_RANK, rating_rank
from wegotwork.schemas import (
    decode_cursor,
    decode_ranked_cursor,
    encode_cursor,
    encode_ranked_cursor,
)
from wegotwork.storage.names import safe_filename
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, joins_organization, owned_by, scoped

JOB_NOT_FOUND = "Job does not exist"
APPLICANT_NOT_FOUND = "Applicant does not exist"
NO_RESUME = "This applicant has no résumé"
HELD = "This applicant is under legal hold; release the hold before erasing"
ERASE_MISMATCH = "Type the applicant's name exactly as shown to erase them"
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
    secret: str,
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
    # The organization's confirmation template, with the link to the candidate's status page.
    # Nothing is flushed before the one flush below (see there).
    with db.no_autoflush:
        organization = await db.get(Organization, opening.organization_id)
        assert organization is not None
        await messages.confirmation(
            db,
            applicant,
            job_title=opening.job_title,
            organization=organization,
            base_url=base_url,
            secret=secret,
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


def _keys(ctx: OrgContext, filters: ApplicantFilters) -> list[Any]:
    """What the list is ordered by, most significant first, all descending: newest first, or
    the rating rank first. The last two make every position unique (keyset pages)."""
    keys: list[Any] = [Applicant.created_at, Applicant.id]
    if filters.sort == ApplicantSort.RATING:
        keys.insert(0, rating_rank(ctx))
    return keys


def _cursor_of(filters: ApplicantFilters, row: Any) -> str:
    applicant = row[0]
    if filters.sort == ApplicantSort.RATING:
        return encode_ranked_cursor(int(row[2]), applicant.created_at, applicant.id)
    return encode_cursor(applicant.created_at, applicant.id)


def _position(filters: ApplicantFilters) -> tuple[Any, ...]:
    """Where the filters' cursor points after, as values of the list's keys."""
    assert filters.cursor is not None
    try:
        if filters.sort == ApplicantSort.RATING:
            return decode_ranked_cursor(filters.cursor)
        return decode_cursor(filters.cursor)
    except ValueError:
        raise Invalid.field(
            "cursor", "This page link is no longer valid; start from the first page"
        ) from None


def _filtered(ctx: OrgContext, filters: ApplicantFilters, *, job_keys: bool = False) -> Select[Any]:
    keys = _keys(ctx, filters)
    columns: list[Any] = [Applicant, Job.title]
    if filters.sort == ApplicantSort.RATING:
        columns.append(keys[0])
    query = scoped(Applicant, ctx, *columns).join(Job, Job.id == Applicant.job_id)
    if filters.status is not None:
        query = query.where(Applicant.status == filters.status)
    if filters.job_id:
        query = query.where(Applicant.job_id == filters.job_id)
    if filters.stage_id:
        query = query.where(Applicant.stage_id == filters.stage_id)
    if filters.source:
        query = query.where(Applicant.source == filters.source)
    if filters.knocked_out:
        query = query.where(forms.knocked_out_condition())
    if filters.answer is not None:
        query = query.where(forms.answer_condition(*filters.answer))
    if filters.min_rating is not None:
        # Unrated applicants rank below every rating, so they drop out too.
        query = query.where(rating_rank(ctx) >= round(filters.min_rating * 100))
    if filters.q and filters.q.strip():
        # One expression over name, email and motivation: PostgreSQL answers it from a
        # trigram index (see the model), SQLite scans.
        term = filters.q.strip().lower()
        query = query.where(search_text().like(rules.like_pattern(term), escape="\\"))
        if job_keys and filters.job_id:
            # A rare term inside one job (see search_plan): PostgreSQL looks it up in the
            # job's part of the search keys (migration 0017) instead of the whole
            # organization's trigrams; the LIKE above decides.
            query = query.where(job_search_keys_contain(filters.job_id, term))
    if filters.cursor:
        # A row comparison, which PostgreSQL turns into an index range condition.
        query = query.where(tuple_(*keys) < tuple_(*_position(filters)))
    return query.order_by(*(key.desc() for key in keys))


async def list_applicants(
    db: AsyncSession, ctx: OrgContext, filters: ApplicantFilters
) -> ApplicantPage:
    """One page of the organization's applicants, newest (or best rated) first, with the
    cursor of the next.

    Members (VIEW_APPLICANTS) may call it. Filters by status, job, stage, source, answers,
    rating and a literal search in name, email and motivation. Raises Invalid (``cursor``) for
    a cursor we did not make.
    """
    ctx.require(Permission.VIEW_APPLICANTS)
    limit = max(1, min(filters.limit, MAX_PAGE))
    job_keys = await rare_in_job(db, ctx, filters.job_id, filters.q)
    rows = (await db.execute(_filtered(ctx, filters, job_keys=job_keys).limit(limit + 1))).all()
    page = [ApplicantRow(row[0], row[1]) for row in rows[:limit]]
    next_cursor = _cursor_of(filters, rows[limit - 1]) if len(rows) > limit else None
    return ApplicantPage(page, next_cursor)


async def neighbours(
    db: AsyncSession, ctx: OrgContext, filters: ApplicantFilters, applicant: Applicant
) -> tuple[str | None, str | None]:
    """The applicants before and after ``applicant`` in the list ``filters`` give: (previous,
    next) ids, None at either end. Two keyset lookups, whatever the list's length. Members
    (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    listed = _filtered(ctx, replace(filters, cursor=None)).with_only_columns(Applicant.id)
    keys = _keys(ctx, filters)
    here: list[Any] = [applicant.created_at, applicant.id]
    if filters.sort == ApplicantSort.RATING:
        rank = await db.scalar(select(keys[0]).where(Applicant.id == applicant.id))
        here.insert(0, int(rank if rank is not None else UNRATED_RANK))
    position = tuple_(*keys)
    previous = await db.scalar(
        listed.where(position > tuple_(*here)).order_by(None).order_by(*keys).limit(1)
    )
    following = await db.scalar(listed.where(position < tuple_(*here)).limit(1))
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
        for row in rows:
            yield ApplicantRow(row[0], row[1])
        if len(rows) < batch:
            return
        current = replace(current, cursor=_cursor_of(current, rows[-1]))


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


async def erase_applicant(
    db: AsyncSession, ctx: OrgContext, applicant_id: str, *, confirm_name: str | None = None
) -> list[str]:
    """Erase an applicant and everything every domain holds about them (privacy requests; the
    privacy registry), quarantined or not. Returns the storage keys of their files, which the
    caller deletes once the erasure is committed (the privacy run deletes any left behind).

    ``confirm_name``, when given (the dashboard's type-the-name check), must equal the
    applicant's name. Members (MANAGE_APPLICANTS) may call it. Raises NotFound for another
    organization's applicant, Forbidden without the permission, Conflict for an applicant
    under legal hold, Invalid (``confirm``) when the confirmation does not match.
    """
    ctx.require(Permission.MANAGE_APPLICANTS)
    applicant = await get_scoped(
        db,
        Applicant,
        ctx,
        applicant_id,
        message=APPLICANT_NOT_FOUND,
        for_update=True,
        hidden=True,
    )
    if applicant.legal_hold:
        raise Conflict(HELD, code="LEGAL_HOLD")
    if confirm_name is not None and " ".join(confirm_name.split()) != " ".join(
        applicant.name.split()
    ):
        raise Invalid.field("confirm", ERASE_MISMATCH)
    subject = Subject(applicant.id, applicant.organization_id, applicant.email)
    db.expunge(applicant)
    return await privacy_registry.erase(db, subject, actor_id=ctx.user.id)


async def _erase_applicant_rows(db: AsyncSession, subject: Subject) -> list[str]:
    key = await db.scalar(
        select(Applicant.resume_key).where(
            owned_by(Applicant, subject.organization_id), Applicant.id == subject.applicant_id
        )
    )
    await db.execute(
        delete(ApplicantEvent).where(ApplicantEvent.applicant_id == subject.applicant_id)
    )
    await db.execute(
        delete(Applicant).where(
            owned_by(Applicant, subject.organization_id), Applicant.id == subject.applicant_id
        )
    )
    return [key] if key else []


async def _export_applicant_rows(db: AsyncSession, subject: Subject) -> Part:
    row = (
        await db.execute(
            select(Applicant, Job.title)
            .join(Job, Job.id == Applicant.job_id)
            .where(
                owned_by(Applicant, subject.organization_id),
                Applicant.id == subject.applicant_id,
            )
        )
    ).first()
    if row is None:
        return Part(None)
    applicant, title = row
    events = await db.scalars(
        select(ApplicantEvent)
        .where(ApplicantEvent.applicant_id == applicant.id)
        .order_by(ApplicantEvent.created_at, ApplicantEvent.id)
    )
    files = []
    if applicant.resume_key:
        files.append(
            ExportFile(
                applicant.resume_key,
                safe_filename(applicant.resume_filename or "resume", default="resume"),
                applicant.resume_content_type or "application/octet-stream",
            )
        )
    return Part(
        {
            "id": applicant.id,
            "job": {"id": applicant.job_id, "title": title},
            "name": applicant.name,
            "email": applicant.email,
            "motivation": applicant.motivation,
            "linkedIn": applicant.linkedin,
            "twitter": applicant.twitter,
            "github": applicant.github,
            "source": applicant.source,
            "status": str(applicant.status),
            "stage": applicant.stage.name if applicant.stage is not None else None,
            "resume": (
                {
                    "filename": applicant.resume_filename,
                    "contentType": applicant.resume_content_type,
                    "size": applicant.resume_size,
                    "file": f"files/{files[0].name}" if files else None,
                }
                if applicant.resume_key
                else None
            ),
            "consent": (
                {
                    "noticeUrl": applicant.consent_notice_url,
                    "noticeVersion": applicant.consent_notice_version,
                    "consentedAt": applicant.consented_at.isoformat(),
                }
                if applicant.consented_at
                else None
            ),
            "legalHold": applicant.legal_hold,
            "quarantinedAt": (
                applicant.quarantined_at.isoformat() if applicant.quarantined_at else None
            ),
            "createdAt": applicant.created_at.isoformat(),
            "updatedAt": applicant.updated_at.isoformat(),
            "statusHistory": [
                {
                    "from": str(event.from_status) if event.from_status else None,
                    "to": str(event.to_status),
                    "actorId": event.actor_id,
                    "at": event.created_at.isoformat(),
                }
                for event in events
            ],
        },
        files,
    )


# Mail to the candidate (kinds other domains add to) and mail about them (any message whose text
# links to the applicant, such as a member's new-applicant notice), sent or not.
CANDIDATE_MAIL_KINDS: set[str] = {"application_received"}


def _mail_about(subject: Subject) -> Any:
    return or_(
        OutboxMessage.text_body.contains(f"/applicants/{subject.applicant_id}"),
        and_(
            func.lower(OutboxMessage.to_address) == subject.email.lower(),
            OutboxMessage.kind.in_(sorted(CANDIDATE_MAIL_KINDS)),
        ),
    )


async def _other_applications(db: AsyncSession, subject: Subject) -> bool:
    """Whether this address applied elsewhere too: their mail may be about that application,
    so only the mail that names this applicant goes."""
    found = await db.scalar(
        select(Applicant.id)
        .where(
            func.lower(Applicant.email) == subject.email.lower(),
            Applicant.id != subject.applicant_id,
        )
        .limit(1)
    )
    return found is not None


async def _erase_mail(db: AsyncSession, subject: Subject) -> list[str]:
    if await _other_applications(db, subject):
        condition = OutboxMessage.text_body.contains(f"/applicants/{subject.applicant_id}")
    else:
        condition = _mail_about(subject)
    await db.execute(delete(OutboxMessage).where(condition))
    return []


async def _export_mail(db: AsyncSession, subject: Subject) -> Part:
    rows = await db.scalars(
        select(OutboxMessage)
        .where(
            func.lower(OutboxMessage.to_address) == subject.email.lower(),
            OutboxMessage.kind.in_(sorted(CANDIDATE_MAIL_KINDS)),
        )
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return Part(
        [
            {
                "subject": message.subject,
                "text": message.text_body,
                "createdAt": message.created_at.isoformat(),
                "sentAt": message.sent_at.isoformat() if message.sent_at else None,
            }
            for message in rows
        ]
    )


privacy_registry.register(
    Section("mail", tables=("outbox",), erase=_erase_mail, export=_export_mail, order=30)
)
# The applicant row and its status history go last: other sections' rows point at it.
privacy_registry.register(
    Section(
        "application",
        tables=("applicant", "applicant_event"),
        erase=_erase_applicant_rows,
        export=_export_applicant_rows,
        order=1000,
    )
)


# ---------------------------------------------------------------------------------------------
# Mail preferences


@dataclass(frozen=True, slots=True)
class NotificationSetting:
    organization_id: str
    organization_name: str
    organization_slug: str
    enabled: bool  # new applicants are mailed to me
    mentions: bool  # mentions of me in notes are mailed to me
    scorecards: bool  # teammates' scorecards at stages I reviewed are mailed to me


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
            Member.notify_scorecards,
        )
        .join(Member, joins_organization(Member))
        .where(Member.user_id == auth.user.id)
        .order_by(Organization.name, Organization.id)
    )
    return [NotificationSetting(*row) for row in rows]


async def set_notifications(
    db: AsyncSession,
    auth: AuthContext,
    enabled: set[str],
    mentions: set[str],
    scorecards: set[str],
) -> int:
    """Mail new applicants of the organizations in ``enabled``, mentions in notes of those in
    ``mentions`` and teammates' scorecards of those in ``scorecards`` to the caller, and stop
    for the others. Only the caller's own memberships change; unknown ids are ignored. Any
    signed-in user may call it. Returns how many memberships changed."""
    members = (
        await db.scalars(select(Member).where(Member.user_id == auth.user.id).order_by(Member.id))
    ).all()
    changed = 0
    for member in members:
        wanted = (
            member.organization_id in enabled,
            member.organization_id in mentions,
            member.organization_id in scorecards,
        )
        current = (member.notify_new_applicants, member.notify_mentions, member.notify_scorecards)
        if current != wanted:
            (
                member.notify_new_applicants,
                member.notify_mentions,
                member.notify_scorecards,
            ) = wanted
            changed += 1
    await db.flush()
    return changed
