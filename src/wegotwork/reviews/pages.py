"""Team review in the dashboard: the note composer and scorecard form of the applicant page
(forms that redirect back to it), deleting a note, and the notifications page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from wegotwork.deps import DbSession, ServicesDep, SettingsDep
from wegotwork.errors import DomainError, NotFound
from wegotwork.pipelines.queries import KitAttribute
from wegotwork.reviews import actions, queries
from wegotwork.reviews.schemas import NoteIn, ScorecardIn
from wegotwork.schemas import errors_from_validation
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.web.dashboard import render_dashboard

router = APIRouter(include_in_schema=False)

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=SLUG))]
Reviewer = Annotated[OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=SLUG))]
KitManager = Annotated[OrgContext, Depends(require(Permission.MANAGE_PIPELINES, via=SLUG))]

MAX_RATED = 50
MENU_NOTIFICATIONS = 5


def _applicant_page(ctx: OrgContext, applicant_id: str, anchor: str = "") -> str:
    slug = ctx.organization.slug
    return f"/dashboard/{slug}/applicants/{quote(applicant_id, safe='')}{anchor}"


def _back_to_notes(ctx: OrgContext, applicant_id: object) -> str:
    """The notes of the applicant the form names, else the applicants list."""
    if isinstance(applicant_id, str) and applicant_id:
        return _applicant_page(ctx, applicant_id, "#notes")
    return f"/dashboard/{ctx.organization.slug}/applicants"


def _first_error(errors: dict[str, list[str]]) -> str:
    return next(iter(errors.values()), ["Check the form"])[0]


@router.post("/dashboard/{slug}/applicants/{applicantId}/notes")
async def add_note(
    applicantId: str,
    request: Request,
    ctx: Reviewer,
    db: DbSession,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    response = RedirectResponse(_applicant_page(ctx, applicantId, "#notes"), status_code=303)
    try:
        data = NoteIn(body=str(form.get("body") or ""))
        await actions.add_note(db, ctx, applicantId, data.body, base_url=settings.base_url)
    except ValidationError:
        services.templates.flash(response, "Write something in the note.", "error")
        return response
    except NotFound:
        raise
    except DomainError as exc:
        services.templates.flash(response, exc.message, "error")
        return response
    await db.commit()
    services.templates.flash(response, "Note added.")
    return response


@router.post("/dashboard/{slug}/notes/{noteId}")
async def edit_note(
    noteId: str,
    request: Request,
    ctx: Reviewer,
    db: DbSession,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    form = await request.form()
    response = RedirectResponse(_back_to_notes(ctx, form.get("applicant")), status_code=303)
    try:
        data = NoteIn(body=str(form.get("body") or ""))
        await actions.edit_note(db, ctx, noteId, data.body, base_url=settings.base_url)
    except ValidationError:
        services.templates.flash(response, "Write something in the note.", "error")
        return response
    except NotFound:
        raise
    except DomainError as exc:
        services.templates.flash(response, exc.message, "error")
        return response
    await db.commit()
    services.templates.flash(response, "Note saved.")
    return response


@router.post("/dashboard/{slug}/notes/{noteId}/delete")
async def delete_note(
    noteId: str, request: Request, ctx: Reviewer, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    response = RedirectResponse(_back_to_notes(ctx, form.get("applicant")), status_code=303)
    try:
        await actions.delete_note(db, ctx, noteId)
    except NotFound:
        raise
    except DomainError as exc:
        services.templates.flash(response, exc.message, "error")
        return response
    await db.commit()
    services.templates.flash(response, "Note deleted.")
    return response


@router.post("/dashboard/{slug}/applicants/{applicantId}/scorecards/{stageId}")
async def submit_scorecard(
    applicantId: str,
    stageId: str,
    request: Request,
    ctx: Reviewer,
    db: DbSession,
    services: ServicesDep,
    settings: SettingsDep,
) -> Response:
    """The scorecard form: ``recommendation``, ``notes`` and pairs ``attr-N`` (an attribute's
    name) / ``rating-N`` (1–4, or empty for not rated)."""
    form = await request.form()
    response = RedirectResponse(_applicant_page(ctx, applicantId, "#scorecards"), status_code=303)
    ratings: dict[str, str] = {}
    for index in range(MAX_RATED):
        name, value = form.get(f"attr-{index}"), form.get(f"rating-{index}")
        if isinstance(name, str) and isinstance(value, str) and value:
            ratings[name] = value
    try:
        data = ScorecardIn.model_validate(
            {
                "ratings": ratings,
                "recommendation": str(form.get("recommendation") or ""),
                "notes": str(form.get("notes") or "") or None,
            }
        )
        await actions.submit_scorecard(
            db,
            ctx,
            applicantId,
            stageId,
            actions.ScorecardInput(data.ratings, data.recommendation, data.notes),
            base_url=settings.base_url,
        )
    except ValidationError as exc:
        errors = errors_from_validation(exc)
        message = (
            "Choose your overall recommendation."
            if "recommendation" in errors
            else _first_error(errors)
        )
        services.templates.flash(response, message, "error")
        return response
    except NotFound:
        raise
    except DomainError as exc:
        services.templates.flash(response, exc.message, "error")
        return response
    await db.commit()
    services.templates.flash(response, "Scorecard submitted.")
    return response


@router.get("/dashboard/{slug}/notifications", response_class=HTMLResponse)
async def notifications_page(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "reviews/notifications.html",
        {
            "notifications": await queries.notifications(db, ctx.user),
            "unread_notifications": await queries.unread_count(db, ctx.user),
        },
        section="notifications",
    )


@router.get("/dashboard/{slug}/notifications/menu", response_class=HTMLResponse)
async def notifications_menu(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    """The header's menu, which every dashboard page fetches after it has loaded."""
    return services.templates.render(
        request,
        "reviews/_notifications_menu.html",
        {
            "org": ctx.organization,
            "unread_notifications": await queries.unread_count(db, ctx.user),
            "latest_notifications": await queries.notifications(
                db, ctx.user, limit=MENU_NOTIFICATIONS
            ),
        },
    )


@router.post("/dashboard/{slug}/notifications/read")
async def read_notifications(ctx: Viewer, db: DbSession, services: ServicesDep) -> Response:
    marked = await actions.mark_read(db, ctx.user, None)
    await db.commit()
    response = RedirectResponse(
        f"/dashboard/{ctx.organization.slug}/notifications", status_code=303
    )
    services.templates.flash(
        response, "All notifications marked read." if marked else "Nothing new to mark read."
    )
    return response


@router.post("/dashboard/{slug}/stages/{stageId}/scorecard")
async def set_kit(
    stageId: str, request: Request, ctx: KitManager, db: DbSession, services: ServicesDep
) -> Response:
    """The pipelines page's kit form: one attribute a line, a description after a colon."""
    form = await request.form()
    text = form.get("attributes")
    attributes = []
    for line in (text if isinstance(text, str) else "").splitlines():
        name, _, description = line.partition(":")
        if name.strip():
            attributes.append(KitAttribute(name, description.strip() or None))
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/pipelines", status_code=303)
    try:
        saved = await actions.set_kit(db, ctx, stageId, attributes)
    except NotFound:
        raise
    except DomainError as exc:
        services.templates.flash(response, exc.message, "error")
        return response
    await db.commit()
    count = len(saved)
    services.templates.flash(
        response,
        f"Saved the interview kit ({count} attribute{'s' if count != 1 else ''})."
        if count
        else "The stage has no interview kit now.",
    )
    return response
