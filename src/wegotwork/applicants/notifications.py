"""The per-member choice of receiving mail about new applicants and about mentions in notes,
on the account page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wegotwork.applicants import actions
from wegotwork.applicants.schemas import NotificationChoice
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.identity.deps import CurrentAuth
from wegotwork.web.forms import parse_form

router = APIRouter(include_in_schema=False)

TEMPLATE_FORM = "applicants/notifications_form.html"
TEMPLATE_PAGE = "applicants/notifications_page.html"


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@router.get("/account/notifications", response_class=HTMLResponse)
async def notifications(
    request: Request, auth: CurrentAuth, db: DbSession, services: ServicesDep
) -> Response:
    settings = await actions.notification_settings(db, auth)
    template = TEMPLATE_FORM if _is_htmx(request) else TEMPLATE_PAGE
    return services.templates.render(
        request,
        template,
        {"settings": settings, "saved": False},
        headers={"Cache-Control": "private, no-store", "Vary": "HX-Request"},
    )


@router.post("/account/notifications", response_class=HTMLResponse)
async def save_notifications(
    request: Request, auth: CurrentAuth, db: DbSession, services: ServicesDep
) -> Response:
    form = await parse_form(request, NotificationChoice, multi=("notify", "mention", "scorecard"))
    choice = form.data or NotificationChoice()
    await actions.set_notifications(
        db, auth, set(choice.notify), set(choice.mention), set(choice.scorecard)
    )
    await db.commit()
    if _is_htmx(request):
        settings = await actions.notification_settings(db, auth)
        return services.templates.render(
            request, TEMPLATE_FORM, {"settings": settings, "saved": True}
        )
    response = RedirectResponse("/account/notifications", status_code=303)
    services.templates.flash(response, "Your email settings were saved.")
    return response
