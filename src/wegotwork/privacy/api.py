"""Privacy as JSON: settings, the due list and the audit trail of an organization; legal hold,
restore, quarantine and export of one applicant. Admins and owners (MANAGE_PRIVACY)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from wegotwork.deps import DbSession, ServicesDep
from wegotwork.privacy import actions, exports
from wegotwork.privacy.schemas import (
    AuditEntryOut,
    AuditEnvelope,
    DueOut,
    PrivacySettingsEnvelope,
    PrivacySettingsOut,
    PrivacySettingsUpdate,
    PrivacyStateEnvelope,
    PrivacyStateOut,
)
from wegotwork.schemas import error_responses
from wegotwork.storage.names import content_disposition
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import PRIVACY_APPLICANT_ID, CanManagePrivacy, require
from wegotwork.tenancy.permissions import Permission

router = APIRouter(prefix="/api/v1", tags=["privacy"])

ApplicantPrivacy = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_PRIVACY, via=PRIVACY_APPLICANT_ID))
]


@router.get(
    "/organizations/{orgId}/privacy",
    response_model=PrivacySettingsEnvelope,
    responses=error_responses(401, 403, 404),
    summary="The retention period and quarantine length",
)
async def get_settings(ctx: CanManagePrivacy) -> PrivacySettingsEnvelope:
    return PrivacySettingsEnvelope(settings=PrivacySettingsOut.of(actions.get_settings(ctx)))


@router.patch(
    "/organizations/{orgId}/privacy",
    response_model=PrivacySettingsEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Change the retention period (1-120 months) or the quarantine (at least 7 days)",
)
async def update_settings(
    body: PrivacySettingsUpdate, ctx: CanManagePrivacy, db: DbSession
) -> PrivacySettingsEnvelope:
    settings = await actions.update_settings(
        db,
        ctx,
        retention_months=body.retention_months,
        quarantine_days=body.quarantine_days,
    )
    await db.commit()
    return PrivacySettingsEnvelope(settings=PrivacySettingsOut.of(settings))


@router.get(
    "/organizations/{orgId}/privacy/due",
    response_model=DueOut,
    responses=error_responses(401, 403, 404),
    summary="What the next retention run would quarantine or erase",
)
async def due(ctx: CanManagePrivacy, db: DbSession) -> DueOut:
    return DueOut.of(await actions.due(db, ctx), actions.get_settings(ctx))


@router.get(
    "/organizations/{orgId}/privacy/audit",
    response_model=AuditEnvelope,
    responses=error_responses(401, 403, 404),
    summary="The privacy audit trail (ids and counts only), newest first",
)
async def audit(ctx: CanManagePrivacy, db: DbSession) -> AuditEnvelope:
    entries = await actions.audit_log(db, ctx)
    return AuditEnvelope(entries=[AuditEntryOut.of(entry) for entry in entries])


@router.post(
    "/applicants/{applicantId}/hold",
    response_model=PrivacyStateEnvelope,
    responses=error_responses(401, 403, 404, 409),
    summary="Put the applicant under legal hold: never quarantined or erased",
)
async def hold(applicantId: str, ctx: ApplicantPrivacy, db: DbSession) -> PrivacyStateEnvelope:
    applicant = await actions.set_hold(db, ctx, applicantId, True)
    await db.commit()
    return PrivacyStateEnvelope(applicant=PrivacyStateOut.of(applicant))


@router.delete(
    "/applicants/{applicantId}/hold",
    response_model=PrivacyStateEnvelope,
    responses=error_responses(401, 403, 404, 409),
    summary="Release the legal hold",
)
async def release(applicantId: str, ctx: ApplicantPrivacy, db: DbSession) -> PrivacyStateEnvelope:
    applicant = await actions.set_hold(db, ctx, applicantId, False)
    await db.commit()
    return PrivacyStateEnvelope(applicant=PrivacyStateOut.of(applicant))


@router.post(
    "/applicants/{applicantId}/restore",
    response_model=PrivacyStateEnvelope,
    responses=error_responses(401, 403, 404, 409),
    summary="Bring the applicant back from quarantine",
)
async def restore(applicantId: str, ctx: ApplicantPrivacy, db: DbSession) -> PrivacyStateEnvelope:
    applicant = await actions.restore(db, ctx, applicantId)
    await db.commit()
    return PrivacyStateEnvelope(applicant=PrivacyStateOut.of(applicant))


@router.post(
    "/applicants/{applicantId}/quarantine",
    response_model=PrivacyStateEnvelope,
    responses=error_responses(401, 403, 404, 409),
    summary="Quarantine the applicant now (hidden; erased when the quarantine ends)",
)
async def quarantine(
    applicantId: str, ctx: ApplicantPrivacy, db: DbSession
) -> PrivacyStateEnvelope:
    applicant = await actions.quarantine_now(db, ctx, applicantId)
    await db.commit()
    return PrivacyStateEnvelope(applicant=PrivacyStateOut.of(applicant))


@router.get(
    "/applicants/{applicantId}/export",
    responses={
        200: {"description": "The zip", "content": {"application/zip": {}}},
        **error_responses(401, 403, 404, 409),
    },
    response_class=Response,
    summary="Everything held about the candidate: applicant.json and the files, as a zip",
)
async def export(
    applicantId: str, ctx: ApplicantPrivacy, db: DbSession, services: ServicesDep
) -> Response:
    result = await actions.export(db, ctx, applicantId)
    await db.commit()
    body = await exports.zip_bytes(result, services.storage)
    return Response(
        body,
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(exports.filename(result)),
            "Cache-Control": "private, no-store",
        },
    )
