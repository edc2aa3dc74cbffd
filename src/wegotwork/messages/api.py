"""Candidate communication as JSON: templates, rejection reasons, messages, decisions, bulk
actions, the reply promise and the overdue applicants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from wegotwork.deps import DbSession, ServicesDep
from wegotwork.messages import actions
from wegotwork.messages.schemas import (
    BulkIn,
    BulkOut,
    MessageEnvelope,
    MessageIn,
    MessageOut,
    MessagesEnvelope,
    OverdueEnvelope,
    OverdueOut,
    PreviewOut,
    ReasonEnvelope,
    ReasonIn,
    ReasonOut,
    ReasonsEnvelope,
    RejectedOut,
    RejectIn,
    ReplySettingsIn,
    ReplySettingsOut,
    TemplateEnvelope,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
    TemplatesEnvelope,
)
from wegotwork.messages.templates import PLACEHOLDERS
from wegotwork.schemas import Ok, error_responses
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import (
    APPLICANT_ID,
    MESSAGE_ID,
    NAMED_OR_ACTIVE,
    TEMPLATE_ID,
    CanUpdateOrganization,
    CanViewApplicants,
    CanViewOrganization,
    require,
)
from wegotwork.tenancy.permissions import Permission

router = APIRouter(prefix="/api/v1", tags=["communication"])

CanManageTemplates = Annotated[OrgContext, Depends(require(Permission.MANAGE_TEMPLATES))]
TemplateViewer = Annotated[
    OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=TEMPLATE_ID))
]
TemplateManager = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_TEMPLATES, via=TEMPLATE_ID))
]
ApplicantViewer = Annotated[
    OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=APPLICANT_ID))
]
ApplicantManager = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=APPLICANT_ID))
]
MessageManager = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=MESSAGE_ID))
]
BulkManager = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=NAMED_OR_ACTIVE))
]


@router.get(
    "/organizations/{orgId}/email-templates",
    response_model=TemplatesEnvelope,
    responses=error_responses(401, 403, 404),
    summary="The organization's mail templates",
)
async def list_templates(orgId: str, ctx: CanViewApplicants, db: DbSession) -> TemplatesEnvelope:
    found = await actions.list_templates(db, ctx)
    return TemplatesEnvelope(
        templates=[TemplateOut.of(item) for item in found], placeholders=list(PLACEHOLDERS)
    )


@router.post(
    "/organizations/{orgId}/email-templates",
    status_code=201,
    response_model=TemplateEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Add a mail template (admins)",
)
async def create_template(
    orgId: str, body: TemplateIn, ctx: CanManageTemplates, db: DbSession
) -> TemplateEnvelope:
    """Placeholders: ``{{candidate.name}}``, ``{{candidate.firstName}}``, ``{{job.title}}``,
    ``{{organization.name}}``, ``{{sender.name}}``, ``{{statusUrl}}``; ``{% if %}`` on them.
    Anything else is refused (422)."""
    template = await actions.create_template(
        db, ctx, name=body.name, kind=body.kind, subject=body.subject, body=body.body
    )
    await db.commit()
    return TemplateEnvelope(template=TemplateOut.of(template))


@router.get(
    "/email-templates/{templateId}",
    response_model=TemplateEnvelope,
    responses=error_responses(401, 403, 404),
    summary="One mail template",
)
async def get_template(templateId: str, ctx: TemplateViewer, db: DbSession) -> TemplateEnvelope:
    return TemplateEnvelope(
        template=TemplateOut.of(await actions.get_template(db, ctx, templateId))
    )


@router.patch(
    "/email-templates/{templateId}",
    response_model=TemplateEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Change a mail template (admins)",
)
async def update_template(
    templateId: str, body: TemplatePatch, ctx: TemplateManager, db: DbSession
) -> TemplateEnvelope:
    template = await actions.update_template(
        db, ctx, templateId, name=body.name, kind=body.kind, subject=body.subject, body=body.body
    )
    await db.commit()
    return TemplateEnvelope(template=TemplateOut.of(template))


@router.delete(
    "/email-templates/{templateId}",
    response_model=Ok,
    responses=error_responses(401, 403, 404, 409),
    summary="Delete a mail template (admins)",
)
async def delete_template(templateId: str, ctx: TemplateManager, db: DbSession) -> Ok:
    name = await actions.delete_template(db, ctx, templateId)
    await db.commit()
    return Ok(message=f"Template “{name}” deleted")


@router.get(
    "/email-templates/{templateId}/preview",
    response_model=PreviewOut,
    responses=error_responses(401, 403, 404, 422),
    summary="A template rendered with an applicant's data",
)
async def preview_template(
    templateId: str,
    ctx: TemplateViewer,
    db: DbSession,
    services: ServicesDep,
    applicantId: Annotated[
        str | None, Query(max_length=64, description="The applicant whose data fills it in")
    ] = None,
) -> PreviewOut:
    subject, text, html = await actions.preview(
        db,
        ctx,
        templateId,
        applicantId,
        base_url=services.settings.base_url,
        secret=services.secret,
    )
    return PreviewOut(subject=subject, body=text, html=html)


@router.get(
    "/organizations/{orgId}/rejection-reasons",
    response_model=ReasonsEnvelope,
    responses=error_responses(401, 403, 404),
    summary="The organization's rejection reasons",
)
async def list_reasons(orgId: str, ctx: CanViewApplicants, db: DbSession) -> ReasonsEnvelope:
    return ReasonsEnvelope(
        reasons=[ReasonOut.of(item) for item in await actions.list_reasons(db, ctx)]
    )


@router.post(
    "/organizations/{orgId}/rejection-reasons",
    status_code=201,
    response_model=ReasonEnvelope,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="Add a rejection reason (admins)",
)
async def create_reason(
    orgId: str, body: ReasonIn, ctx: CanManageTemplates, db: DbSession
) -> ReasonEnvelope:
    reason = await actions.create_reason(db, ctx, body.name)
    await db.commit()
    return ReasonEnvelope(reason=ReasonOut.of(reason))


@router.get(
    "/applicants/{applicantId}/messages",
    response_model=MessagesEnvelope,
    responses=error_responses(401, 404),
    summary="The messages to an applicant, newest first",
)
async def list_messages(applicantId: str, ctx: ApplicantViewer, db: DbSession) -> MessagesEnvelope:
    views = await actions.list_messages(db, ctx, applicantId)
    return MessagesEnvelope(messages=[MessageOut.of(view) for view in views])


@router.post(
    "/applicants/{applicantId}/messages",
    status_code=201,
    response_model=MessageEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Mail an applicant now or at sendAt",
)
async def send_message(
    applicantId: str,
    body: MessageIn,
    ctx: ApplicantManager,
    db: DbSession,
    services: ServicesDep,
) -> MessageEnvelope:
    """From a template (``templateId``) or a subject and body with placeholders; ``sendAt``
    at most 90 days ahead. Reply-To is the organization's reply address, else the sender's."""
    view = await actions.send_message(
        db,
        ctx,
        applicantId,
        body.draft(),
        body.sendAt,
        base_url=services.settings.base_url,
        secret=services.secret,
    )
    await db.commit()
    return MessageEnvelope(message=MessageOut.of(view))


@router.post(
    "/messages/{messageId}/cancel",
    response_model=MessageEnvelope,
    responses=error_responses(401, 403, 404, 409),
    summary="Cancel a message that has not been sent",
)
async def cancel_message(messageId: str, ctx: MessageManager, db: DbSession) -> MessageEnvelope:
    view = await actions.cancel_message(db, ctx, messageId)
    await db.commit()
    return MessageEnvelope(message=MessageOut.of(view))


@router.post(
    "/applicants/{applicantId}/reject",
    response_model=RejectedOut,
    responses=error_responses(401, 403, 404, 422),
    summary="Reject an applicant with a reason and, optionally, a template",
)
async def reject(
    applicantId: str, body: RejectIn, ctx: ApplicantManager, db: DbSession, services: ServicesDep
) -> RejectedOut:
    applicant = await actions.reject(
        db,
        ctx,
        applicantId,
        body.rejection(),
        base_url=services.settings.base_url,
        secret=services.secret,
    )
    await db.commit()
    return RejectedOut(applicantId=applicant.id, status=applicant.status)


@router.post(
    "/applicants/bulk",
    response_model=BulkOut,
    responses=error_responses(401, 403, 404, 422),
    summary="Move, reject or message up to 500 applicants, all or nothing",
)
async def bulk(body: BulkIn, ctx: BulkManager, db: DbSession, services: ServicesDep) -> BulkOut:
    """The organization is ``orgId`` or the session's active one. A 422 names the ids that
    cannot be acted on; nothing changes then."""
    count = await actions.bulk(
        db, ctx, body.request(), base_url=services.settings.base_url, secret=services.secret
    )
    await db.commit()
    return BulkOut(action=body.action, count=count)


@router.get(
    "/organizations/{orgId}/overdue",
    response_model=OverdueEnvelope,
    responses=error_responses(401, 403, 404),
    summary="Applicants waiting longer than the organization promised",
)
async def overdue(orgId: str, ctx: CanViewApplicants, db: DbSession) -> OverdueEnvelope:
    found = await actions.overdue(db, ctx)
    return OverdueEnvelope(
        count=await actions.overdue_count(db, ctx),
        applicants=[OverdueOut.of(item) for item in found],
    )


@router.get(
    "/organizations/{orgId}/communication-settings",
    response_model=ReplySettingsOut,
    responses=error_responses(401, 404),
    summary="The reply promise and the reply address",
)
async def reply_settings(orgId: str, ctx: CanViewOrganization, db: DbSession) -> ReplySettingsOut:
    return ReplySettingsOut.of(await actions.reply_settings(db, ctx.organization.id))


@router.patch(
    "/organizations/{orgId}/communication-settings",
    response_model=ReplySettingsOut,
    responses=error_responses(401, 403, 404, 422),
    summary="Change the reply promise and the reply address (admins)",
)
async def update_reply_settings(
    orgId: str, body: ReplySettingsIn, ctx: CanUpdateOrganization, db: DbSession
) -> ReplySettingsOut:
    given = body.model_fields_set
    reply = await actions.update_reply_settings(
        db,
        ctx,
        reply_within_days=body.replyWithinDays,
        reply_to=body.replyTo,
        privacy_notice_url=body.privacyNoticeUrl,
        timezone=body.timezone,
        clear=[name for name in ("replyTo", "privacyNoticeUrl") if name in given],
    )
    await db.commit()
    return ReplySettingsOut.of(reply)
