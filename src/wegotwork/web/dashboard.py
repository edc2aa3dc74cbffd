"""The dashboard shell every organization page renders inside: organization switcher, section
navigation, the caller's role."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.deps import Services
from wegotwork.models import Member, Organization
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import joins_organization

SECTIONS = (
    ("overview", "Overview", ""),
    ("jobs", "Jobs", "/jobs"),
    ("categories", "Categories", "/categories"),
    ("applicants", "Applicants", "/applicants"),
    ("board", "Board", "/board"),
    ("pipelines", "Pipelines", "/pipelines"),
    ("analytics", "Analytics", "/analytics"),
    ("team", "Team", "/team"),
    ("settings", "Settings", "/settings"),
    # Candidate communication (issue 17): templates, rejection reasons, the reply promise.
    ("communication", "Communication", "/communication"),
    # Privacy (issue 22): admins and owners only.
    ("privacy", "Privacy", "/privacy"),
)


async def my_organizations(db: AsyncSession, user_id: str) -> list[dict[str, str]]:
    """The caller's organizations for the switcher: id, name, slug and role, by name."""
    rows = await db.execute(
        select(Organization.id, Organization.name, Organization.slug, Member.role)
        .join(Member, joins_organization(Member))
        .where(Member.user_id == user_id)
        .order_by(Organization.name)
    )
    return [
        {"id": org_id, "name": name, "slug": slug, "role": str(role)}
        for org_id, name, slug, role in rows
    ]


async def render_dashboard(
    request: Request,
    services: Services,
    db: AsyncSession,
    ctx: OrgContext,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    section: str,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` (which extends ``dashboard/base.html``) for an organization page."""
    full: dict[str, Any] = {
        "ctx": ctx,
        "org": ctx.organization,
        "role": str(ctx.role),
        "can": {permission.name.lower(): ctx.can(permission) for permission in Permission},
        "sections": SECTIONS,
        "section": section,
        "my_orgs": await my_organizations(db, ctx.user.id),
    }
    if context:
        full.update(context)
    return services.templates.render(
        request, template, full, status_code=status_code, headers=headers
    )
