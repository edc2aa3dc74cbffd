"""Reading team review: an applicant's notes, a member's notifications, and the scorecards of
an applicant as the caller may see them (blind until they submitted their own for the stage).

Reads take an OrgContext (or, for one's own notifications, the user) and never write.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, Select, case, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from wegotwork.models import (
    Applicant,
    Member,
    Note,
    Notification,
    Organization,
    PipelineStage,
    Scorecard,
    User,
)
from wegotwork.pipelines.actions import target_stage
from wegotwork.pipelines.queries import APPLICANT_NOT_FOUND, KitAttribute, kits, stages_of
from wegotwork.reviews import rules
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import (
    get_scoped,
    joins_organization,
    same_organization,
    scoped,
    visible,
)

NOTE_NOT_FOUND = "Note does not exist"
STAGE_NOT_FOUND = "Stage does not exist"
NOTIFICATIONS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class NoteView:
    note: Note
    author: User | None


@dataclass(frozen=True, slots=True)
class NotificationView:
    notification: Notification
    actor: User | None
    applicant_name: str | None
    organization_slug: str


@dataclass(frozen=True, slots=True)
class ScorecardView:
    scorecard: Scorecard
    author: User | None
    mine: bool


@dataclass
class StageReview:
    """One stage of the applicant's pipeline: its kit, whether the caller submitted, the
    scorecards the caller may see and how many others stay hidden."""

    stage: PipelineStage
    attributes: list[KitAttribute]
    submitted: bool = False
    visible: list[ScorecardView] = field(default_factory=list)
    hidden: int = 0

    @property
    def rating(self) -> float | None:
        return rules.rating(view.scorecard.recommendation for view in self.visible)

    @property
    def attribute_means(self) -> dict[str, float]:
        values: dict[str, list[int]] = defaultdict(list)
        for view in self.visible:
            for name, value in (view.scorecard.ratings or {}).items():
                values[name].append(int(value))
        return {name: round(sum(v) / len(v), 2) for name, v in values.items()}


@dataclass(frozen=True, slots=True)
class ReviewView:
    stages: list[StageReview]
    # The stages of the applicant's pipeline, in order (``stages`` may add others, of a
    # pipeline the job used before, that hold scorecards).
    pipeline: list[PipelineStage] = field(default_factory=list)

    @property
    def scorecards(self) -> list[ScorecardView]:
        return [view for stage in self.stages for view in stage.visible]

    @property
    def rating(self) -> float | None:
        return rules.rating(view.scorecard.recommendation for view in self.scorecards)


async def applicant_of(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> Applicant:
    """The organization's applicant ``applicant_id`` (NotFound otherwise)."""
    return await get_scoped(db, Applicant, ctx, applicant_id, message=APPLICANT_NOT_FOUND)


async def notes(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> list[NoteView]:
    """The applicant's notes, newest first, with their authors. Members (VIEW_APPLICANTS) may
    call it. Raises NotFound for another organization's applicant."""
    ctx.require(Permission.VIEW_APPLICANTS)
    await applicant_of(db, ctx, applicant_id)
    rows = await db.execute(
        scoped(Note, ctx, Note, User)
        .select_from(Note)
        .outerjoin(User, User.id == Note.author_id)
        .where(Note.applicant_id == applicant_id)
        .order_by(Note.created_at.desc(), Note.id.desc())
    )
    return [NoteView(note, author) for note, author in rows]


async def teammates(db: AsyncSession, ctx: OrgContext) -> list[str]:
    """The names of the organization's other members, for the note composer's hint."""
    ctx.require(Permission.VIEW_ORGANIZATION)
    names = await db.scalars(
        scoped(Member, ctx, User.name)
        .select_from(Member)
        .join(User, User.id == Member.user_id)
        .where(Member.user_id != ctx.user.id)
        .order_by(User.name)
        .limit(50)
    )
    return [name for name in names if name]


async def note_view(db: AsyncSession, note: Note) -> NoteView:
    author = await db.get(User, note.author_id) if note.author_id else None
    return NoteView(note, author)


def _mine(user: User) -> tuple[Any, ...]:
    # A member removed from the organization no longer sees what it told them.
    return (
        Notification.user_id == user.id,
        Member.user_id == user.id,
    )


def _about_a_visible_applicant() -> Any:
    """A notification about no applicant, or about one not hidden (privacy quarantine)."""
    return or_(Notification.applicant_id.is_(None), visible(Applicant))


async def notifications(
    db: AsyncSession, user: User, *, unread: bool = False, limit: int = NOTIFICATIONS_SHOWN
) -> list[NotificationView]:
    """The user's newest notifications from organizations they still belong to. Any signed-in
    user may call it (for themselves)."""
    actor = aliased(User)
    query = (
        select(Notification, actor, Applicant.name, Organization.slug)
        .select_from(Notification)
        .join(Member, same_organization(Member, Notification))
        .join(Organization, joins_organization(Notification))
        .outerjoin(actor, actor.id == Notification.actor_id)
        .outerjoin(Applicant, Applicant.id == Notification.applicant_id)
        .where(*_mine(user), _about_a_visible_applicant())
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if unread:
        query = query.where(Notification.read_at.is_(None))
    rows = await db.execute(query)
    return [NotificationView(item, who, name, slug) for item, who, name, slug in rows]


async def unread_count(db: AsyncSession, user: User) -> int:
    """How many of the user's notifications are unread (header badge)."""
    count = await db.scalar(
        select(func.count())
        .select_from(Notification)
        .join(Member, same_organization(Member, Notification))
        .outerjoin(Applicant, Applicant.id == Notification.applicant_id)
        .where(*_mine(user), Notification.read_at.is_(None), _about_a_visible_applicant())
    )
    return int(count or 0)


async def kit(db: AsyncSession, ctx: OrgContext, stage_id: str) -> list[KitAttribute]:
    """One stage's interview kit. Members (VIEW_ORGANIZATION) may call it. Raises NotFound for
    another organization's stage."""
    ctx.require(Permission.VIEW_ORGANIZATION)
    await get_scoped(db, PipelineStage, ctx, stage_id, message=STAGE_NOT_FOUND)
    return (await kits(db, [stage_id]))[stage_id]


async def review(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> ReviewView:
    """The applicant's scorecards as the caller may see them: their own always; others' for a
    stage only once they submitted their own for it (VIEW_ALL_SCORECARDS: all), with each
    stage's kit and the count of scorecards still hidden. Members (VIEW_APPLICANTS) may call
    it. Raises NotFound for another organization's applicant."""
    ctx.require(Permission.VIEW_APPLICANTS)
    applicant = await applicant_of(db, ctx, applicant_id)
    stages = await _job_stages(db, ctx, applicant)
    pipeline = list(stages)
    rows = list(
        await db.execute(
            scoped(Scorecard, ctx, Scorecard, User)
            .select_from(Scorecard)
            .outerjoin(User, User.id == Scorecard.author_id)
            .where(Scorecard.applicant_id == applicant.id)
            .order_by(Scorecard.created_at, Scorecard.id)
        )
    )
    known = {stage.id for stage in stages}
    extra = {card.stage_id for card, _ in rows} - known
    if extra:
        # Scorecards of stages the job's pipeline no longer has (the job changed pipeline).
        stages += list(
            await db.scalars(scoped(PipelineStage, ctx).where(PipelineStage.id.in_(extra)))
        )
    kit_of = await kits(db, [stage.id for stage in stages])
    reviews = {stage.id: StageReview(stage, kit_of[stage.id]) for stage in stages}
    for card, _author in rows:
        if card.author_id == ctx.user.id:
            reviews[card.stage_id].submitted = True
    sees_all = ctx.can(Permission.VIEW_ALL_SCORECARDS)
    for card, author in rows:
        entry = reviews[card.stage_id]
        mine = card.author_id == ctx.user.id
        if mine or entry.submitted or sees_all:
            entry.visible.append(ScorecardView(card, author, mine))
        else:
            entry.hidden += 1
    return ReviewView(list(reviews.values()), pipeline)


async def _job_stages(
    db: AsyncSession, ctx: OrgContext, applicant: Applicant
) -> list[PipelineStage]:
    if applicant.stage_id is not None and applicant.stage is not None:
        stages = await stages_of(db, applicant.stage.pipeline_id)
        if stages:
            return stages
    _chosen, stages = await target_stage(db, ctx, applicant.job_id, status=applicant.status)
    return stages


_SCORE = case(
    *(
        (Scorecard.recommendation == item, score)
        for item, score in rules.RECOMMENDATION_SCORE.items()
    ),
    else_=0,
)


def _may_see(ctx: OrgContext, query: Select[Any]) -> Select[Any]:
    """Only the scorecards of ``query`` the caller may see: those of stages where they wrote
    their own (VIEW_ALL_SCORECARDS: all)."""
    if ctx.can(Permission.VIEW_ALL_SCORECARDS):
        return query
    mine = aliased(Scorecard)
    return query.where(
        exists().where(
            mine.applicant_id == Scorecard.applicant_id,
            mine.stage_id == Scorecard.stage_id,
            mine.author_id == ctx.user.id,
        )
    )


async def ratings(db: AsyncSession, ctx: OrgContext, applicant_ids: list[str]) -> dict[str, float]:
    """Each applicant's rating (the mean recommendation, -2…2) over the scorecards the caller
    may see: those of stages where they submitted their own (VIEW_ALL_SCORECARDS: all).
    Applicants without such scorecards are left out. Members (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    if not applicant_ids:
        return {}
    query = (
        scoped(Scorecard, ctx, Scorecard.applicant_id, func.avg(_SCORE))
        .where(Scorecard.applicant_id.in_(applicant_ids))
        .group_by(Scorecard.applicant_id)
    )
    rows = await db.execute(_may_see(ctx, query))
    return {str(applicant_id): round(float(mean), 2) for applicant_id, mean in rows}


# The rank of an applicant without a rating the caller may see: below every rating.
UNRATED_RANK = -300


def rating_rank(ctx: OrgContext) -> Any:
    """The rating the caller may see of the applicant of the enclosing query, in hundredths
    (-200…200; ``UNRATED_RANK`` without one): a whole number, so lists sort and page by it
    exactly. A correlated subquery over ``Applicant.id``, for sorting and filtering lists."""
    mean = _may_see(
        ctx,
        scoped(Scorecard, ctx, func.avg(_SCORE)).where(Scorecard.applicant_id == Applicant.id),
    ).scalar_subquery()
    return func.coalesce(cast(func.round(mean * 100), Integer), UNRATED_RANK)
