"""The getting-started checklist: which steps a workspace has taken, and recording the ones
that leave no other trace."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.clock import now
from wegotwork.models import Invitation, Job, Member
from wegotwork.onboarding.rules import DISMISSED, LABELS, RECORDED, Step
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.scoping import scoped


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    step: Step
    label: str
    done: bool


@dataclass(frozen=True, slots=True)
class Checklist:
    items: list[ChecklistItem]
    dismissed: bool

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.items)


async def _count(db: AsyncSession, ctx: OrgContext, model: type[object], *where: object) -> int:
    query = scoped(model, ctx, func.count())
    for condition in where:
        query = query.where(condition)  # type: ignore[arg-type]
    return int((await db.execute(query)).scalar_one())


async def checklist(db: AsyncSession, ctx: OrgContext) -> Checklist:
    """Each step of the checklist, done or not, as the workspace stands now: a step ticks
    itself when its work is done (or, for the steps that change nothing, when taken from the
    checklist). Any member may read it."""
    organization = ctx.organization
    recorded = organization.onboarding or {}
    if DISMISSED in recorded:
        return Checklist([], dismissed=True)
    jobs = await _count(db, ctx, Job)
    published = await _count(db, ctx, Job, Job.published_at.is_not(None)) if jobs else 0
    members = await _count(db, ctx, Member)
    invited = await _count(db, ctx, Invitation) if members < 2 else 0
    done = {
        Step.PROFILE: bool(organization.logo and (organization.description or "").strip()),
        Step.CATEGORIES: Step.CATEGORIES in recorded,
        Step.JOB: jobs > 0,
        Step.PUBLISH: published > 0,
        Step.CAREERS: Step.CAREERS in recorded,
        Step.INVITE: members > 1 or invited > 0,
    }
    return Checklist(
        [ChecklistItem(step, LABELS[step], done[step]) for step in Step], dismissed=False
    )


async def record(db: AsyncSession, ctx: OrgContext, step: Step | None) -> None:
    """Record that the team took ``step`` from the checklist (one of the steps that leave no
    trace of their own), or with None that it dismissed the checklist. Any member may call
    it; recording a step twice keeps the first time."""
    if step is not None and step not in RECORDED:
        raise ValueError(f"{step} ticks itself from the workspace's data")
    key = DISMISSED if step is None else str(step)
    organization = ctx.organization
    current = dict(organization.onboarding or {})
    if key in current:
        return
    current[key] = now().isoformat().replace("+00:00", "Z")
    organization.onboarding = current
    await db.flush()
