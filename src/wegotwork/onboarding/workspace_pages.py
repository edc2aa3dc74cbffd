"""The onboarding page ``/onboarding``: a new user creates their workspace (its name, address
and the categories to start with), with a live preview of the careers page address."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from wegotwork.deps import DbSession, Services, ServicesDep
from wegotwork.errors import DomainError
from wegotwork.identity.deps import CurrentAuth, reissue_after_change
from wegotwork.onboarding.rules import PRESETS
from wegotwork.onboarding.schemas import WorkspaceCreate
from wegotwork.organizations import actions, rules
from wegotwork.web.forms import errors_from_domain, parse_form, redirect

router = APIRouter(include_in_schema=False)


async def _render_onboarding(
    request: Request,
    services: Services,
    db: DbSession,
    auth: CurrentAuth,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    status_code: int = 200,
) -> HTMLResponse:
    mine = await actions.list_my_organizations(db, auth)
    return services.templates.render(
        request,
        "organizations/onboarding.html",
        {"values": values, "errors": errors, "my_orgs": mine, "presets": PRESETS},
        status_code=status_code,
    )


@router.get("/onboarding", response_class=HTMLResponse)
async def onboarding(
    request: Request, auth: CurrentAuth, db: DbSession, services: ServicesDep
) -> HTMLResponse:
    return await _render_onboarding(request, services, db, auth, {}, {})


@router.post("/onboarding")
async def create_workspace(
    request: Request, auth: CurrentAuth, db: DbSession, services: ServicesDep
) -> Response:
    form = await parse_form(request, WorkspaceCreate)
    if not form.ok or form.data is None:
        return await _render_onboarding(
            request, services, db, auth, form.values, form.errors, status_code=422
        )
    try:
        organization = await actions.create_organization(
            db, auth, form.data, categories=form.data.category_names
        )
    except DomainError as exc:
        return await _render_onboarding(
            request, services, db, auth, form.values, errors_from_domain(exc), exc.status
        )
    await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    return redirect(
        services,
        f"/dashboard/{organization.slug}",
        f"Welcome to {organization.name}! Invite your team from the Team page.",
    )


@router.get("/onboarding/slug-check", response_class=HTMLResponse)
async def slug_check(
    request: Request,
    auth: CurrentAuth,
    db: DbSession,
    services: ServicesDep,
    name: str = "",
    slug: str = "",
    slug_touched: str = "",
    current: str = "",
) -> HTMLResponse:
    """The live address preview under the name and slug fields (an htmx fragment).

    With a slug the user typed, say whether it is free; otherwise suggest a free one from
    the name (the page's script copies it into the slug field until the user edits it).
    """
    suggested: str | None = None
    if slug.strip() and (slug_touched == "1" or not name.strip()):
        check = await actions.check_slug(db, slug, current_id=current or None)
    elif rules.clean_name(name):
        suggested = await actions.suggest_available_slug(db, name)
        check = actions.SlugCheck(suggested, True)
    else:
        check = None
    return services.templates.render(
        request,
        "organizations/_slug_check.html",
        {"check": check, "suggested": suggested, "current_id": current},
    )
