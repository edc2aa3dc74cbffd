"""What admins do for privacy inside an organization: retention settings, legal hold, restore
from quarantine, quarantine by hand, export, the due list and the audit trail.

Every action takes an OrgContext, checks MANAGE_PRIVACY itself, flushes and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import utcnow
from wegotwork.errors import Conflict, Invalid, NotFound
from wegotwork.models import Applicant, Organization, PrivacyAction, PrivacyAudit
from wegotwork.privacy import queries, registry, rules
from wegotwork.privacy.queries import DueApplicant
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import scoped

APPLICANT_NOT_FOUND = "Applicant does not exist"
ERASED = "This applicant was erased; nothing of them is left to restore or export"
NOT_QUARANTINED = "This applicant is not in quarantine"
HELD = "This applicant is under legal hold and is never quarantined"
ERASE_HELD = "This applicant is under legal hold; release the hold before erasing"
FORMAT = 1


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    retention_months: int
    quarantine_days: int


@dataclass(frozen=True, slots=True)
class Due:
    now: datetime
    to_quarantine: list[DueApplicant]
    to_erase: list[DueApplicant]
    quarantined: list[DueApplicant]
    held: list[tuple[str, str, str]]


@dataclass(frozen=True, slots=True)
class Export:
    applicant_id: str
    document: dict[str, Any]
    files: list[registry.ExportFile]


def get_settings(ctx: OrgContext) -> PrivacySettings:
    ctx.require(Permission.MANAGE_PRIVACY)
    return PrivacySettings(ctx.organization.retention_months, ctx.organization.quarantine_days)


async def update_settings(
    db: AsyncSession,
    ctx: OrgContext,
    *,
    retention_months: int | None = None,
    quarantine_days: int | None = None,
) -> PrivacySettings:
    """Change the retention period and the quarantine length. Raises Invalid (per field) for a
    retention outside 1..120 months or a quarantine under 7 days; nothing changes then."""
    ctx.require(Permission.MANAGE_PRIVACY)
    errors: dict[str, list[str]] = {}
    if retention_months is not None and (message := rules.retention_error(retention_months)):
        errors["retentionMonths"] = [message]
    if quarantine_days is not None and (message := rules.quarantine_error(quarantine_days)):
        errors["quarantineDays"] = [message]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], field_errors=errors)
    organization = ctx.organization
    if retention_months is not None:
        organization.retention_months = retention_months
    if quarantine_days is not None:
        organization.quarantine_days = quarantine_days
    registry.audit(db, organization.id, PrivacyAction.SETTINGS, actor_id=ctx.user.id, count=0)
    await db.flush()
    return PrivacySettings(organization.retention_months, organization.quarantine_days)


async def _applicant(
    db: AsyncSession, ctx: OrgContext, applicant_id: str, *, for_update: bool = False
) -> Applicant:
    """The organization's applicant, quarantined or not; Conflict when it was erased."""
    found: Applicant | None = (
        await db.execute(
            scoped(Applicant, ctx, hidden=True)
            .where(Applicant.id == applicant_id)
            .with_for_update(of=Applicant)
            if for_update
            else scoped(Applicant, ctx, hidden=True).where(Applicant.id == applicant_id)
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    erased = await db.scalar(
        scoped(PrivacyAudit, ctx, PrivacyAudit.id)
        .where(
            PrivacyAudit.applicant_id == applicant_id,
            PrivacyAudit.action == PrivacyAction.ERASE,
        )
        .limit(1)
    )
    if erased is not None:
        raise Conflict(ERASED, code="ERASED")
    raise NotFound(APPLICANT_NOT_FOUND)


async def set_hold(db: AsyncSession, ctx: OrgContext, applicant_id: str, held: bool) -> Applicant:
    """Put an applicant under legal hold (never quarantined or erased; a quarantined one comes
    back) or release it. Raises NotFound/Conflict (erased) as ``restore``."""
    ctx.require(Permission.MANAGE_PRIVACY)
    applicant = await _applicant(db, ctx, applicant_id, for_update=True)
    if applicant.legal_hold == held:
        return applicant
    applicant.legal_hold = held
    if held and applicant.quarantined_at is not None:
        applicant.quarantined_at = None
        registry.audit(
            db,
            ctx.organization.id,
            PrivacyAction.RESTORE,
            actor_id=ctx.user.id,
            applicant_id=applicant.id,
        )
    registry.audit(
        db,
        ctx.organization.id,
        PrivacyAction.HOLD if held else PrivacyAction.RELEASE,
        actor_id=ctx.user.id,
        applicant_id=applicant.id,
    )
    await db.flush()
    return applicant


async def restore(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> Applicant:
    """Bring an applicant back from quarantine. Their process still ended when it did, so the
    next run quarantines them again unless they are under legal hold or their process starts
    again (moved to an open stage). Raises Conflict when they are not quarantined or were
    erased, NotFound for an unknown (or another organization's) applicant."""
    ctx.require(Permission.MANAGE_PRIVACY)
    applicant = await _applicant(db, ctx, applicant_id, for_update=True)
    if applicant.quarantined_at is None:
        raise Conflict(NOT_QUARANTINED, code="NOT_QUARANTINED")
    applicant.quarantined_at = None
    registry.audit(
        db,
        ctx.organization.id,
        PrivacyAction.RESTORE,
        actor_id=ctx.user.id,
        applicant_id=applicant.id,
    )
    await db.flush()
    return applicant


async def quarantine_now(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> Applicant:
    """Quarantine an applicant by hand (hidden at once, erased when the quarantine ends).
    Raises Conflict for a held applicant."""
    ctx.require(Permission.MANAGE_PRIVACY)
    applicant = await _applicant(db, ctx, applicant_id, for_update=True)
    if applicant.legal_hold:
        raise Conflict(HELD, code="LEGAL_HOLD")
    if applicant.quarantined_at is None:
        applicant.quarantined_at = utcnow()
        registry.audit(
            db,
            ctx.organization.id,
            PrivacyAction.QUARANTINE,
            actor_id=ctx.user.id,
            applicant_id=applicant.id,
        )
        await db.flush()
    return applicant


async def export(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> Export:
    """Everything every domain holds about the applicant (quarantined or not), and its files;
    audited. Raises NotFound for another organization's applicant, Conflict once erased."""
    ctx.require(Permission.MANAGE_PRIVACY)
    applicant = await _applicant(db, ctx, applicant_id)
    return await _export(db, applicant, ctx.organization, actor_id=ctx.user.id)


async def export_for_candidate(
    db: AsyncSession, applicant: Applicant, organization: Organization
) -> Export:
    """The same export, asked for by the candidate themselves (the status page's "download my
    data", whose mailed link proved who asks); audited without an actor."""
    return await _export(db, applicant, organization, actor_id=None)


async def _export(
    db: AsyncSession, applicant: Applicant, organization: Organization, *, actor_id: str | None
) -> Export:
    subject = registry.Subject(applicant.id, applicant.organization_id, applicant.email)
    sections, files = await registry.export(db, subject)
    document = {
        "format": FORMAT,
        "exportedAt": utcnow().isoformat(),
        "organization": {"id": organization.id, "name": organization.name},
        "applicantId": applicant.id,
        **sections,
    }
    registry.audit(
        db,
        applicant.organization_id,
        PrivacyAction.EXPORT,
        actor_id=actor_id,
        applicant_id=applicant.id,
        count=len(files),
    )
    await db.flush()
    return Export(applicant.id, document, files)


async def due(db: AsyncSession, ctx: OrgContext, *, limit: int = 200) -> Due:
    """What the next retention run would quarantine and erase, what is quarantined now and
    who is held."""
    ctx.require(Permission.MANAGE_PRIVACY)
    now = utcnow()
    organization = ctx.organization
    return Due(
        now=now,
        to_quarantine=await queries.to_quarantine(
            db, organization.id, organization.retention_months, now, limit=limit
        ),
        to_erase=await queries.to_erase(
            db, organization.id, organization.quarantine_days, now, limit=limit
        ),
        quarantined=await queries.quarantined(db, organization.id, organization.quarantine_days),
        held=await queries.held(db, organization.id),
    )


async def audit_log(db: AsyncSession, ctx: OrgContext, *, limit: int = 200) -> list[PrivacyAudit]:
    """The organization's privacy audit trail, newest first."""
    ctx.require(Permission.MANAGE_PRIVACY)
    rows = await db.scalars(
        scoped(PrivacyAudit, ctx)
        .order_by(PrivacyAudit.created_at.desc(), PrivacyAudit.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    return list(rows)


async def erase_for_candidate(db: AsyncSession, applicant: Applicant) -> list[str]:
    """Erase an applicant at their own confirmed request (the status page's "delete my
    data", whose mailed link proved who asks), as any erasure: everything the registry knows.
    Returns the storage keys to delete once committed. Raises Conflict while the applicant is
    under legal hold."""
    if applicant.legal_hold:
        raise Conflict(ERASE_HELD, code="LEGAL_HOLD")
    subject = registry.Subject(applicant.id, applicant.organization_id, applicant.email)
    db.expunge(applicant)
    return await registry.erase(db, subject, actor_id=None)
