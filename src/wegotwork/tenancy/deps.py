"""``require(permission)``: the dependency that turns a path's organization into an OrgContext."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from wegotwork.auth.deps import CurrentAuth
from wegotwork.deps import DbSession
from wegotwork.tenancy.context import OrgContext, load_context
from wegotwork.tenancy.permissions import Permission


def require(permission: Permission) -> Callable[..., Awaitable[OrgContext]]:
    """For ``/api/v1/organizations/{orgId}/...`` routes: 404 to outsiders, 403 to a weak role."""

    async def dependency(orgId: str, auth: CurrentAuth, db: DbSession) -> OrgContext:
        return await load_context(
            db, auth.user, organization_id=orgId, permission=permission, session=auth.session
        )

    return dependency


def require_by_slug(permission: Permission) -> Callable[..., Awaitable[OrgContext]]:
    """For ``/dashboard/{slug}/...`` pages: the same guard, keyed by the organization's slug."""

    async def dependency(slug: str, auth: CurrentAuth, db: DbSession) -> OrgContext:
        return await load_context(
            db, auth.user, slug=slug, permission=permission, session=auth.session
        )

    return dependency
