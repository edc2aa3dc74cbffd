"""The JSON shapes of candidate communication: templates, rejection reasons, messages,
decisions, bulk actions, the reply promise and the overdue list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from wegotwork.errors import Invalid
from wegotwork.messages import actions
from wegotwork.messages.actions import BulkAction, MessageStatus
from wegotwork.models import ApplicantStatus, MessageTemplate, RejectionReason, TemplateKind
from wegotwork.pipelines.schemas import ActorOut
from wegotwork.schemas import CamelModel, InputModel, visible_text

MAX_BULK = 500
Id = Annotated[str, Field(min_length=1, max_length=64)]


class TemplateIn(InputModel):
    """``{name, subject, body, kind}``; placeholders such as ``{{candidate.firstName}}``."""

    name: str = Field(json_schema_extra=visible_text(1, actions.MAX_TEMPLATE_NAME))
    subject: str = Field(json_schema_extra=visible_text(1, actions.MAX_SUBJECT))
    body: str = Field(json_schema_extra=visible_text(1, actions.MAX_BODY))
    kind: TemplateKind = TemplateKind.OTHER


class TemplatePatch(InputModel):
    name: str | SkipJsonSchema[None] = Field(
        None, json_schema_extra=visible_text(1, actions.MAX_TEMPLATE_NAME)
    )
    subject: str | SkipJsonSchema[None] = Field(
        None, json_schema_extra=visible_text(1, actions.MAX_SUBJECT)
    )
    body: str | SkipJsonSchema[None] = Field(
        None, json_schema_extra=visible_text(1, actions.MAX_BODY)
    )
    kind: TemplateKind | SkipJsonSchema[None] = None


class TemplateOut(CamelModel):
    id: str
    name: str
    kind: TemplateKind
    subject: str
    body: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, template: MessageTemplate) -> TemplateOut:
        return cls.model_validate(template)


class TemplateEnvelope(BaseModel):
    error: bool = False
    template: TemplateOut


class TemplatesEnvelope(BaseModel):
    error: bool = False
    templates: list[TemplateOut]
    placeholders: list[str]


class PreviewOut(BaseModel):
    error: bool = False
    subject: str
    body: str
    html: str


class ReasonIn(InputModel):
    name: str = Field(json_schema_extra=visible_text(1, actions.MAX_REASON))


class ReasonOut(CamelModel):
    id: str
    name: str

    @classmethod
    def of(cls, reason: RejectionReason) -> ReasonOut:
        return cls(id=reason.id, name=reason.name)


class ReasonEnvelope(BaseModel):
    error: bool = False
    reason: ReasonOut


class ReasonsEnvelope(BaseModel):
    error: bool = False
    reasons: list[ReasonOut]


class MessageIn(InputModel):
    """``{subject, body}`` or ``{templateId}``, and ``sendAt`` (at most 90 days ahead) for
    later; now without it."""

    subject: str | SkipJsonSchema[None] = Field(
        None, json_schema_extra=visible_text(1, actions.MAX_SUBJECT)
    )
    body: str | SkipJsonSchema[None] = Field(
        None, json_schema_extra=visible_text(1, actions.MAX_BODY)
    )
    templateId: Id | SkipJsonSchema[None] = None
    sendAt: datetime | SkipJsonSchema[None] = None

    def draft(self) -> actions.Draft:
        return actions.Draft(template_id=self.templateId, subject=self.subject, body=self.body)


class MessageOut(CamelModel):
    id: str
    applicant_id: str
    subject: str
    body: str
    sender: ActorOut | None
    template_id: str | None
    created_at: datetime
    send_at: datetime
    status: MessageStatus

    @classmethod
    def of(cls, view: actions.MessageView) -> MessageOut:
        message = view.message
        return cls(
            id=message.id,
            applicant_id=message.applicant_id,
            subject=message.subject,
            body=message.body,
            sender=ActorOut.of(view.sender),
            template_id=message.template_id,
            created_at=message.created_at,
            send_at=message.send_at,
            status=view.status,
        )


class MessageEnvelope(BaseModel):
    error: bool = False
    message: MessageOut


class MessagesEnvelope(BaseModel):
    error: bool = False
    messages: list[MessageOut]


class RejectIn(InputModel):
    """``{reasonId, templateId?, sendAt?}``: no mail when ``templateId`` is null or absent; by
    default the mail goes the organization's next morning."""

    reasonId: Id
    templateId: Id | None = None
    sendAt: datetime | SkipJsonSchema[None] = None

    def rejection(self) -> actions.Rejection:
        return actions.Rejection(self.reasonId, self.templateId, self.sendAt)


class RejectedOut(BaseModel):
    error: bool = False
    applicantId: str
    status: ApplicantStatus


class BulkIn(InputModel):
    """Up to 500 applicants, all or nothing: ``move`` (``stageId``), ``reject`` (``reasonId``,
    ``templateId?``, ``sendAt?``) or ``message`` (``templateId`` or ``subject`` and ``body``,
    ``sendAt?``)."""

    applicantIds: list[Id] = Field(min_length=1, max_length=MAX_BULK)
    action: BulkAction
    stageId: Id | SkipJsonSchema[None] = None
    reasonId: Id | SkipJsonSchema[None] = None
    templateId: Id | SkipJsonSchema[None] = None
    subject: str | SkipJsonSchema[None] = Field(
        None, json_schema_extra=visible_text(1, actions.MAX_SUBJECT)
    )
    body: str | SkipJsonSchema[None] = Field(
        None, json_schema_extra=visible_text(1, actions.MAX_BODY)
    )
    sendAt: datetime | SkipJsonSchema[None] = None

    def request(self) -> actions.Bulk:
        return actions.Bulk(
            applicant_ids=self.applicantIds,
            action=self.action,
            stage_id=self.stageId,
            reason_id=self.reasonId,
            draft=actions.Draft(self.templateId, self.subject, self.body),
            send_at=self.sendAt,
        )


NOTHING_SELECTED = "Select at least one applicant."
TOO_MANY_SELECTED = f"Select at most {MAX_BULK} applicants at once."
CHOOSE_ACTION = "Choose what to do with the selected applicants."
WRITE_OR_CHOOSE = "Choose a template, or write a subject and a message."


def bulk_of_form(
    values: Mapping[str, str], selected: Sequence[str], *, now: datetime
) -> actions.Bulk:
    """A bulk change from the applicants list's form (which works without JavaScript): the
    ``action`` its submit button names (``move``, ``reject`` or ``message``) and that action's
    fields: ``stageId``; ``reasonId``, ``rejectTemplateId`` and ``when`` (``morning``, the
    default, or ``now``); ``messageTemplateId``, or ``subject`` and ``body``. Raises Invalid,
    in the form's field names, when nothing is selected or the action is missing."""

    def given(name: str) -> str | None:
        return (values.get(name) or "").strip() or None

    ids = list(dict.fromkeys(item for item in selected if item))
    if not ids:
        raise Invalid.field("applicantIds", NOTHING_SELECTED)
    if len(ids) > MAX_BULK:
        raise Invalid.field("applicantIds", TOO_MANY_SELECTED)
    try:
        action = BulkAction(values.get("action") or "")
    except ValueError:
        raise Invalid.field("action", CHOOSE_ACTION) from None
    if action is BulkAction.MOVE:
        return actions.Bulk(ids, action, stage_id=given("stageId"))
    if action is BulkAction.REJECT:
        return actions.Bulk(
            ids,
            action,
            reason_id=given("reasonId"),
            draft=actions.Draft(template_id=given("rejectTemplateId")),
            send_at=now if values.get("when") == "now" else None,
        )
    template_id = given("messageTemplateId")
    if template_id is not None:
        return actions.Bulk(ids, action, draft=actions.Draft(template_id=template_id))
    subject, body = given("subject"), given("body")
    if subject is None or body is None:
        errors = {}
        if subject is None:
            errors["subject"] = ["Write a subject, or choose a template."]
        if body is None:
            errors["body"] = ["Write the message, or choose a template."]
        raise Invalid(WRITE_OR_CHOOSE, field_errors=errors)
    return actions.Bulk(ids, action, draft=actions.Draft(subject=subject, body=body))


class BulkOut(BaseModel):
    error: bool = False
    action: BulkAction
    count: int


class ReplySettingsIn(InputModel):
    replyWithinDays: int | SkipJsonSchema[None] = Field(None, ge=1, le=365)
    replyTo: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    privacyNoticeUrl: str | None = Field(None, max_length=2048, pattern=r"^https?://\S+$")
    timezone: str | SkipJsonSchema[None] = Field(None, min_length=1, max_length=64)


class ReplySettingsOut(BaseModel):
    error: bool = False
    replyWithinDays: int
    replyTo: str | None
    privacyNoticeUrl: str | None
    timezone: str

    @classmethod
    def of(cls, reply: actions.Reply) -> ReplySettingsOut:
        return cls(
            replyWithinDays=reply.reply_within_days,
            replyTo=reply.reply_to,
            privacyNoticeUrl=reply.privacy_notice_url,
            timezone=reply.timezone,
        )


class OverdueOut(CamelModel):
    applicant_id: str
    name: str
    job_id: str
    job_title: str
    status: ApplicantStatus
    last_change: datetime
    reply_by: datetime

    @classmethod
    def of(cls, item: actions.Overdue) -> OverdueOut:
        applicant = item.applicant
        return cls(
            applicant_id=applicant.id,
            name=applicant.name,
            job_id=applicant.job_id,
            job_title=item.job_title,
            status=applicant.status,
            last_change=applicant.updated_at,
            reply_by=item.reply_by,
        )


class OverdueEnvelope(BaseModel):
    error: bool = False
    count: int
    applicants: list[OverdueOut]
