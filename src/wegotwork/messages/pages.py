"""Candidate communication in HTML: the candidate's status page (public, ``noindex``, works
without JavaScript) with withdrawing and deleting one's data; and the team's pages for an
applicant's messages and decision and the overdue list (the applicants list's bulk bar lives
with the list, in ``applicants/pages.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from wegotwork.applicants.ratelimit import client_ip
from wegotwork.db import utcnow
from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.errors import DomainError, Invalid, NotFound
from wegotwork.messages import actions, candidates
from wegotwork.messages.candidates import PHASE_ORDER
from wegotwork.messages.ratelimit import status_limiter
from wegotwork.models import Organization
from wegotwork.organizations.rules import logo_url as stored_logo_url
from wegotwork.storage.cleanup import discard_files
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.urls import link_root
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import redirect

router = APIRouter(include_in_schema=False)

NO_STORE = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
}


async def _limit(request: Request, services: Services) -> None:
    limiter = status_limiter(services)
    if limiter is not None:
        await limiter.hit(client_ip(request))


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
    await candidates.request_erasure(db, statusToken, base_url=services.settings.base_url)
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
        {**_brand(organization), "applicant": applicant, "erase_token": eraseToken},
        headers=NO_STORE,
    )


@router.post("/status/erase/{eraseToken}", response_class=HTMLResponse)
async def confirm_delete(
    eraseToken: str, request: Request, services: ServicesDep, db: DbSession
) -> Response:
    await _limit(request, services)
    _applicant, organization = await candidates.erasure_target(db, eraseToken)
    brand = _brand(organization)
    _name, keys = await candidates.confirm_erasure(db, eraseToken)
    await db.commit()
    await discard_files(services.storage, keys)
    return services.templates.render(request, "messages/erased.html", brand, headers=NO_STORE)


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
