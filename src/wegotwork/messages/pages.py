"""Candidate communication in HTML: the candidate's status page (public, ``noindex``, works
without JavaScript) with withdrawing, downloading and deleting one's data; and the team's pages
for templates, an applicant's messages and decision, and the overdue list (the applicants list's
bulk bar lives with the list, in ``applicants/pages.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from wegotwork.db import utcnow
from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.errors import Conflict, DomainError, Invalid, NotFound
from wegotwork.identity.deps import client_ip
from wegotwork.messages import actions, candidates, links
from wegotwork.messages.candidates import PHASE_ORDER
from wegotwork.messages.ratelimit import status_limiter
from wegotwork.messages.schemas import ReplySettingsIn
from wegotwork.messages.templates import PLACEHOLDERS
from wegotwork.models import Organization, TemplateKind
from wegotwork.organizations.rules import logo_url as stored_logo_url
from wegotwork.privacy import exports
from wegotwork.storage.cleanup import discard_files
from wegotwork.storage.names import content_disposition
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.urls import link_root
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import errors_from_domain, parse_form, redirect

router = APIRouter(include_in_schema=False)

NO_STORE = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


async def _limit(request: Request, services: Services) -> None:
    limiter = status_limiter(services)
    if limiter is not None:
        await limiter.hit(client_ip(request.scope) or "unknown")


async def _limit_mail(services: Services, token: str) -> None:
    """At most a few mailed links an hour per status link, whoever asks."""
    limiter = status_limiter(services)
    if limiter is not None and links.plausible(token):
        await limiter.hit_mail(links.digest(token))


def _brand(organization: Organization) -> dict[str, Any]:
    logo = stored_logo_url(organization.logo)
    website = organization.website or ""
    return {
        "org": organization,
        "root": link_root(organization.slug, None),
        "logo_url": logo if logo and logo.startswith("/") else None,
        "website": website if website.startswith(("https://", "http://")) else None,
        "auth": None,
    }


@router.get("/status/{statusToken}", response_class=HTMLResponse)
async def status_page(
    statusToken: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    """The candidate's own page: where their application stands, in their words."""
    await _limit(request, services)
    view = await candidates.status(db, statusToken)
    return services.templates.render(
        request,
        "messages/status.html",
        {**_brand(view.organization), "view": view, "token": statusToken, "phases": PHASE_ORDER},
        headers=NO_STORE,
    )


@router.post("/status/{statusToken}/withdraw", response_class=HTMLResponse)
async def withdraw(
    statusToken: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    await _limit(request, services)
    changed = await candidates.withdraw(db, statusToken)
    await db.commit()
    message = (
        "Your application is withdrawn. The team has been told."
        if changed
        else "A decision was already made on this application."
    )
    return redirect(services, f"/status/{statusToken}", message)


@router.post("/status/{statusToken}/delete", response_class=HTMLResponse)
async def request_delete(
    statusToken: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    await _limit(request, services)
    await _limit_mail(services, statusToken)
    try:
        await candidates.request_erasure(db, statusToken, base_url=services.settings.base_url)
    except Conflict as exc:
        await db.rollback()
        return redirect(services, f"/status/{statusToken}", exc.message, "error")
    await db.commit()
    return redirect(
        services,
        f"/status/{statusToken}",
        "We emailed you a link. Open it within 24 hours to confirm deleting your data.",
    )


@router.get("/status/erase/{eraseToken}", response_class=HTMLResponse)
async def confirm_delete_page(
    eraseToken: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    """Asks once more (a mail scanner that opens the link erases nothing)."""
    await _limit(request, services)
    applicant, organization = await candidates.erasure_target(db, eraseToken)
    return services.templates.render(
        request,
        "messages/erase.html",
        {
            **_brand(organization),
            "applicant": applicant,
            "erase_token": eraseToken,
            "refused": candidates.HELD.format(organization=organization.name)
            if applicant.legal_hold
            else None,
        },
        headers=NO_STORE,
    )


@router.post("/status/erase/{eraseToken}", response_class=HTMLResponse)
async def confirm_delete(
    eraseToken: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    await _limit(request, services)
    _applicant, organization = await candidates.erasure_target(db, eraseToken)
    brand = _brand(organization)
    try:
        _name, keys = await candidates.confirm_erasure(db, eraseToken)
    except Conflict as exc:
        await db.rollback()
        applicant, organization = await candidates.erasure_target(db, eraseToken)
        return services.templates.render(
            request,
            "messages/erase.html",
            {
                **_brand(organization),
                "applicant": applicant,
                "erase_token": eraseToken,
                "refused": exc.message,
            },
            status_code=409,
            headers=NO_STORE,
        )
    await db.commit()
    await discard_files(services.storage, keys)
    return services.templates.render(request, "messages/erased.html", brand, headers=NO_STORE)


@router.post("/status/{statusToken}/export", response_class=HTMLResponse)
async def request_export(
    statusToken: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    await _limit(request, services)
    await _limit_mail(services, statusToken)
    await candidates.request_export(db, statusToken, base_url=services.settings.base_url)
    await db.commit()
    return redirect(
        services,
        f"/status/{statusToken}",
        "We emailed you a link to download your data. It works once, within 24 hours.",
    )


@router.get("/status/export/{exportToken}", response_class=HTMLResponse)
async def export_page(
    exportToken: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    """A button to download (a mail scanner that opens the link uses nothing up)."""
    await _limit(request, services)
    _applicant, organization = await candidates.export_target(db, exportToken)
    return services.templates.render(
        request,
        "messages/export.html",
        {**_brand(organization), "export_token": exportToken},
        headers=NO_STORE,
    )


@router.post("/status/export/{exportToken}")
async def download_export(
    exportToken: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    """The zip of everything held about the candidate, once."""
    await _limit(request, services)
    result = await candidates.export(db, exportToken)
    await db.commit()
    body = await exports.zip_bytes(result, services.storage)
    return Response(
        body,
        media_type="application/zip",
        headers={
            **NO_STORE,
            "Content-Disposition": content_disposition(exports.filename(result)),
            "Cache-Control": "private, no-store",
        },
    )


# ---------------------------------------------------------------------------------------------
# The team's pages


Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=SLUG))]
Writer = Annotated[OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=SLUG))]

MAX_ANSWERED = 500
WHEN_CHOICES = {"morning": "The next morning", "now": "Now", "later": "At a time"}


def _messages_page(ctx: OrgContext, applicant_id: str) -> str:
    return f"/dashboard/{ctx.organization.slug}/applicants/{quote(applicant_id, safe='')}/messages"


def _send_at(form: Any) -> tuple[str, datetime | None]:
    when = str(form.get("when") or "now")
    if when != "later":
        return when, None
    raw = str(form.get("sendAt") or "")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid.field("sendAt", "Give the date and time to send it") from None
    return when, value if value.tzinfo else value.replace(tzinfo=UTC)


@router.get("/dashboard/{slug}/applicants/{applicantId}/messages", response_class=HTMLResponse)
async def messages_page(
    applicantId: str, request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    """An applicant's messages, a composer and the rejection form."""
    messages = await actions.list_messages(db, ctx, applicantId)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "messages/applicant.html",
        {
            "applicant_id": applicantId,
            "messages": messages,
            "templates": await actions.list_templates(db, ctx),
            "reasons": await actions.list_reasons(db, ctx),
            "when_choices": WHEN_CHOICES,
        },
        section="applicants",
    )


@router.post("/dashboard/{slug}/applicants/{applicantId}/messages")
async def send_from_page(
    applicantId: str, request: Request, ctx: Writer, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    back = _messages_page(ctx, applicantId)
    try:
        _when, send_at = _send_at(form)
        template_id = str(form.get("templateId") or "") or None
        draft = actions.Draft(
            template_id=template_id,
            subject=None if template_id else str(form.get("subject") or ""),
            body=None if template_id else str(form.get("body") or ""),
        )
        await actions.send_message(
            db,
            ctx,
            applicantId,
            draft,
            send_at,
            base_url=services.settings.base_url,
            secret=services.secret,
        )
    except NotFound:
        raise
    except DomainError as exc:
        await db.rollback()
        return redirect(services, back, _first(exc), "error")
    await db.commit()
    return redirect(services, back, "Message scheduled." if send_at else "Message sent.")


@router.post("/dashboard/{slug}/applicants/{applicantId}/reject")
async def reject_from_page(
    applicantId: str, request: Request, ctx: Writer, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    back = _messages_page(ctx, applicantId)
    try:
        when, send_at = _send_at(form)
        if when == "now":
            send_at = utcnow()
        await actions.reject(
            db,
            ctx,
            applicantId,
            actions.Rejection(
                str(form.get("reasonId") or ""),
                str(form.get("templateId") or "") or None,
                send_at,
            ),
            base_url=services.settings.base_url,
            secret=services.secret,
        )
    except NotFound:
        raise
    except DomainError as exc:
        await db.rollback()
        return redirect(services, back, _first(exc), "error")
    await db.commit()
    return redirect(services, back, "Rejected. The candidate's mail is scheduled.")


@router.post("/dashboard/{slug}/messages/{messageId}/cancel")
async def cancel_from_page(
    messageId: str, request: Request, ctx: Writer, db: DbSession, services: ServicesDep
) -> Response:
    try:
        view = await actions.cancel_message(db, ctx, messageId)
    except NotFound:
        raise
    except DomainError as exc:
        await db.rollback()
        return redirect(services, f"/dashboard/{ctx.organization.slug}/overdue", _first(exc))
    await db.commit()
    return redirect(services, _messages_page(ctx, view.message.applicant_id), "Message cancelled.")


@router.get("/dashboard/{slug}/overdue", response_class=HTMLResponse)
async def overdue_page(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    """Candidates waiting longer than the organization promised, each one click from an
    answer."""
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "messages/overdue.html",
        {
            "overdue": await actions.overdue(db, ctx),
            "reply": await actions.reply_settings(db, ctx.organization.id),
            "templates": await actions.list_templates(db, ctx),
            "reasons": await actions.list_reasons(db, ctx),
        },
        section="applicants",
    )


def _first(exc: DomainError) -> str:
    if exc.field_errors:
        return next(iter(exc.field_errors.values()), [exc.message])[0]
    return exc.message


@router.post("/dashboard/{slug}/overdue/answer")
async def answer_overdue(
    request: Request, ctx: Writer, db: DbSession, services: ServicesDep
) -> Response:
    """The overdue page's one click: reject the chosen candidates with a reason and a template
    (mailed the next morning), all or nothing."""
    form = await request.form()
    back = f"/dashboard/{ctx.organization.slug}/overdue"
    ids = [str(value) for value in form.getlist("applicantIds") if value][:MAX_ANSWERED]
    if not ids:
        return redirect(services, back, "Choose the candidates to answer.", "error")
    try:
        count = await actions.bulk(
            db,
            ctx,
            actions.Bulk(
                applicant_ids=ids,
                action=actions.BulkAction.REJECT,
                reason_id=str(form.get("reasonId") or ""),
                draft=actions.Draft(template_id=str(form.get("templateId") or "") or None),
            ),
            base_url=services.settings.base_url,
            secret=services.secret,
        )
    except DomainError as exc:
        await db.rollback()
        return redirect(services, back, _first(exc), "error")
    await db.commit()
    return redirect(services, back, f"Answered {count} candidate{'s' if count != 1 else ''}.")


# ---------------------------------------------------------------------------------------------
# Communication settings: the organization's mail templates, rejection reasons and reply
# promise. Members read them; admins change templates and reasons (MANAGE_TEMPLATES) and the
# reply promise (UPDATE_ORGANIZATION), as the JSON API does.

TemplateWriter = Annotated[OrgContext, Depends(require(Permission.MANAGE_TEMPLATES, via=SLUG))]
SettingsWriter = Annotated[OrgContext, Depends(require(Permission.UPDATE_ORGANIZATION, via=SLUG))]

KIND_LABELS = {
    TemplateKind.CONFIRMATION: "Confirmation",
    TemplateKind.REJECTION: "Rejection",
    TemplateKind.INTERVIEW: "Interview invitation",
    TemplateKind.OFFER: "Offer",
    TemplateKind.OTHER: "Other",
}
# What the reply form says when a value breaks the schema's rule, in the product's words.
REPLY_RULES = {
    "replyWithinDays": "Give a number of days from 1 to 365",
    "replyTo": "Give an email address such as jobs@example.com",
    "privacyNoticeUrl": "Give a web address starting with https://",
    "timezone": "Choose a time zone such as Europe/Berlin",
}
TEMPLATE_FIELDS = ("name", "kind", "subject", "body")


@dataclass
class FormState:
    """What a form on the page shows: the values typed (or stored) and the errors per field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


def _communication(ctx: OrgContext) -> str:
    return f"/dashboard/{ctx.organization.slug}/communication"


def _template_page(ctx: OrgContext, template_id: str) -> str:
    return f"{_communication(ctx)}/templates/{quote(template_id, safe='')}"


def _reply_values(reply: actions.Reply) -> dict[str, Any]:
    return {
        "replyWithinDays": reply.reply_within_days,
        "replyTo": reply.reply_to or "",
        "privacyNoticeUrl": reply.privacy_notice_url or "",
        "timezone": reply.timezone,
    }


def _template_values(form: Any) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in TEMPLATE_FIELDS}


def _kind(value: str) -> TemplateKind:
    try:
        return TemplateKind(value)
    except ValueError:
        raise Invalid.field("kind", "Choose what the template is for") from None


async def _render_communication(
    request: Request,
    services: Services,
    db: DbSession,
    ctx: OrgContext,
    *,
    new_template: FormState | None = None,
    new_reason: FormState | None = None,
    reply_form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    reply = await actions.reply_settings(db, ctx.organization.id)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "messages/communication.html",
        {
            "templates": await actions.list_templates(db, ctx),
            "reasons": await actions.list_reasons(db, ctx),
            "reply": reply,
            "kinds": KIND_LABELS,
            "placeholders": PLACEHOLDERS,
            "new_template": new_template or FormState({"kind": TemplateKind.OTHER.value}),
            "new_reason": new_reason or FormState(),
            "reply_form": reply_form or FormState(_reply_values(reply)),
            "limits": {
                "name": actions.MAX_TEMPLATE_NAME,
                "subject": actions.MAX_SUBJECT,
                "body": actions.MAX_BODY,
                "reason": actions.MAX_REASON,
            },
        },
        section="communication",
        status_code=status_code,
    )


@router.get("/dashboard/{slug}/communication", response_class=HTMLResponse)
async def communication_page(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    """The organization's mail templates, rejection reasons and reply promise."""
    return await _render_communication(request, services, db, ctx)


@router.post("/dashboard/{slug}/communication/templates")
async def create_template_from_page(
    request: Request, ctx: TemplateWriter, db: DbSession, services: ServicesDep
) -> Response:
    values = _template_values(await request.form())
    try:
        template = await actions.create_template(
            db,
            ctx,
            name=values["name"],
            kind=_kind(values["kind"]),
            subject=values["subject"],
            body=values["body"],
        )
    except DomainError as exc:
        return await _render_communication(
            request,
            services,
            db,
            ctx,
            new_template=FormState(values, errors_from_domain(exc)),
            status_code=exc.status,
        )
    await db.commit()
    return redirect(
        services, _template_page(ctx, template.id), f"Created the template “{template.name}”."
    )


def _unrenderable(exc: Invalid) -> str:
    return f"This template cannot be filled in: {exc.message} Correct it below and save."


async def _render_template(
    request: Request,
    services: Services,
    db: DbSession,
    ctx: OrgContext,
    template_id: str,
    *,
    form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    template = await actions.get_template(db, ctx, template_id)
    recent = await actions.recent_applicants(db, ctx)
    asked = request.query_params.get("applicantId")
    # Without a choice the newest applicant fills the preview in; "" asks for the sample.
    chosen = (asked if asked is not None else (recent[0].id if recent else ""))[:64]
    preview_error = None
    try:
        subject, text, _html = await actions.preview(
            db,
            ctx,
            template.id,
            chosen or None,
            base_url=services.settings.base_url,
            secret=services.secret,
        )
    except NotFound:
        preview_error = "That applicant does not exist any more: the preview shows sample data."
        chosen = ""
        try:
            subject, text, _html = await actions.preview(
                db,
                ctx,
                template.id,
                None,
                base_url=services.settings.base_url,
                secret=services.secret,
            )
        except Invalid as exc:
            subject, text, preview_error = "", "", _unrenderable(exc)
    except Invalid as exc:
        # Saved before a rule it breaks: the page still opens, so the text can be corrected.
        subject, text, preview_error = "", "", _unrenderable(exc)
    stored = FormState(
        {
            "name": template.name,
            "kind": template.kind.value,
            "subject": template.subject,
            "body": template.body,
        }
    )
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "messages/template.html",
        {
            "template": template,
            "form": form or stored,
            "kinds": KIND_LABELS,
            "placeholders": PLACEHOLDERS,
            "recent": recent,
            "chosen": chosen,
            "preview": {"subject": subject, "text": text, "error": preview_error},
            "limits": {
                "name": actions.MAX_TEMPLATE_NAME,
                "subject": actions.MAX_SUBJECT,
                "body": actions.MAX_BODY,
            },
        },
        section="communication",
        status_code=status_code,
    )


@router.get("/dashboard/{slug}/communication/templates/{templateId}", response_class=HTMLResponse)
async def template_page(
    templateId: str, request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    """One template: its text (editable by admins) and a preview for a recent applicant."""
    return await _render_template(request, services, db, ctx, templateId)


@router.post("/dashboard/{slug}/communication/templates/{templateId}")
async def update_template_from_page(
    templateId: str, request: Request, ctx: TemplateWriter, db: DbSession, services: ServicesDep
) -> Response:
    values = _template_values(await request.form())
    try:
        template = await actions.update_template(
            db,
            ctx,
            templateId,
            name=values["name"],
            kind=_kind(values["kind"]),
            subject=values["subject"],
            body=values["body"],
        )
    except NotFound:
        raise
    except DomainError as exc:
        return await _render_template(
            request,
            services,
            db,
            ctx,
            templateId,
            form=FormState(values, errors_from_domain(exc)),
            status_code=exc.status,
        )
    await db.commit()
    return redirect(
        services, _template_page(ctx, template.id), f"Saved the template “{template.name}”."
    )


@router.post("/dashboard/{slug}/communication/templates/{templateId}/delete")
async def delete_template_from_page(
    templateId: str, request: Request, ctx: TemplateWriter, db: DbSession, services: ServicesDep
) -> Response:
    try:
        name = await actions.delete_template(db, ctx, templateId)
    except NotFound:
        raise
    except DomainError as exc:
        return redirect(services, _template_page(ctx, templateId), exc.message, "error")
    await db.commit()
    return redirect(services, _communication(ctx), f"Deleted the template “{name}”.")


@router.post("/dashboard/{slug}/communication/reasons")
async def create_reason_from_page(
    request: Request, ctx: TemplateWriter, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    values = {"name": str(form.get("name") or "")}
    try:
        reason = await actions.create_reason(db, ctx, values["name"])
    except DomainError as exc:
        # A reason already in the list is said under the field, like the other rules.
        errors = dict(exc.field_errors) if exc.field_errors else {"name": [exc.message]}
        return await _render_communication(
            request,
            services,
            db,
            ctx,
            new_reason=FormState(values, errors),
            status_code=exc.status,
        )
    await db.commit()
    return redirect(services, f"{_communication(ctx)}#reasons-title", f"Added “{reason.name}”.")


@router.post("/dashboard/{slug}/communication/settings")
async def save_reply_settings(
    request: Request, ctx: SettingsWriter, db: DbSession, services: ServicesDep
) -> Response:
    form = await parse_form(request, ReplySettingsIn)
    errors = {
        name: [REPLY_RULES[name]] if name in REPLY_RULES else messages
        for name, messages in form.errors.items()
    }
    # The page always shows the number of days and the time zone: emptied, they are missing.
    for name in ("replyWithinDays", "timezone"):
        if not str(form.values.get(name) or "").strip():
            errors[name] = ["This field is required"]
    if errors or form.data is None:
        return await _render_communication(
            request,
            services,
            db,
            ctx,
            reply_form=FormState(form.values, errors),
            status_code=422,
        )
    data = form.data
    # An address left empty is removed; the number of days and the time zone stay as they are.
    emptied = [name for name in ("replyTo", "privacyNoticeUrl") if not form.values.get(name)]
    try:
        await actions.update_reply_settings(
            db,
            ctx,
            reply_within_days=data.replyWithinDays,
            reply_to=data.replyTo,
            privacy_notice_url=data.privacyNoticeUrl,
            timezone=data.timezone,
            clear=emptied,
        )
    except DomainError as exc:
        return await _render_communication(
            request,
            services,
            db,
            ctx,
            reply_form=FormState(form.values, errors_from_domain(exc)),
            status_code=exc.status,
        )
    await db.commit()
    return redirect(services, f"{_communication(ctx)}#reply-title", "Saved the reply promise.")
