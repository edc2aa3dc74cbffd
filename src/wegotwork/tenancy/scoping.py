"""The one place that writes the organization filter: every query of organization-owned rows
goes through here (``tests/test_architecture.py`` fails on a hand-written
``organization_id`` comparison anywhere outside ``tenancy/``, ``models/`` and ``migrations/``).

- ``scoped(Model, ctx)``: ``SELECT`` of the context's rows; ``get_scoped`` for one row by id.
- ``in_context(Model, ctx)``: the condition alone, for a join, a subquery, an update or a delete.
- ``owned_by(Model, organization_id)``: the same for an organization known from a public
  resource (a careers page, an application) rather than from a signed-in member.
- ``joins_organization(Model)``: ``Model.organization_id = organization.id`` as a join condition.

Rows a model hides (``VISIBLE``: an applicant in privacy quarantine) are left out of ``scoped``
and ``get_scoped`` unless ``hidden=True``: every list, search, board, export and detail reads
through them, so a quarantined candidate disappears everywhere at once; only the privacy
actions (restore, hold, export, erase) ask for hidden rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.errors import NotFound
from wegotwork.models import Applicant, Organization, Session
from wegotwork.schemas import plausible_id
from wegotwork.tenancy.context import OrgContext

T = TypeVar("T")

# The condition a model's visible rows meet, per model that hides some.
VISIBLE: dict[Any, Callable[[], Any]] = {
    Applicant: lambda: Applicant.quarantined_at.is_(None),
}


def visible(model: Any) -> Any:
    """The condition ``model``'s visible rows meet (true for a model that hides none)."""
    condition = VISIBLE.get(model)
    return true() if condition is None else condition()


def scoped(model: type[T], ctx: OrgContext, *columns: Any, hidden: bool = False) -> Select[Any]:
    """``SELECT model WHERE model.organization_id = <the context's organization>`` (and, unless
    ``hidden``, only its visible rows)."""
    query = select(*columns) if columns else select(model)
    query = query.where(model.organization_id == ctx.organization.id)  # type: ignore[attr-defined]
    return query if hidden or model not in VISIBLE else query.where(visible(model))


def in_context(model: type[T], ctx: OrgContext) -> Any:
    """``model.organization_id = <the context's organization>`` as a condition."""
    return model.organization_id == ctx.organization.id  # type: ignore[attr-defined]


def joins_organization(model: type[T], organization: Any = Organization) -> Any:
    """``model.organization_id = organization.id``: the join of an organization-owned row to its
    organization (``organization`` may be an alias, or another owned model's
    ``organization_id`` column's table, e.g. ``Job`` for rows of the job's organization)."""
    return model.organization_id == organization.id  # type: ignore[attr-defined]


def same_organization(model: type[T], other: Any) -> Any:
    """``model.organization_id = other.organization_id``: two owned rows of one organization."""
    return model.organization_id == other.organization_id  # type: ignore[attr-defined]


def owned_by(model: type[T], organization_id: str) -> Any:
    """``model.organization_id = <organization_id>`` for reads and writes that serve a public
    resource (a careers page, an application, a page-view counter) and so act for an
    organization known from that resource rather than for a signed-in member."""
    return model.organization_id == organization_id  # type: ignore[attr-defined]


async def get_scoped(
    db: AsyncSession,
    model: type[T],
    ctx: OrgContext,
    object_id: str,
    *,
    message: str = "Not found",
    for_update: bool = False,
    hidden: bool = False,
) -> T:
    """One row of ``model`` in the context's organization, or NotFound (also for other orgs',
    for hidden rows unless ``hidden``, and without a query for a value no id can be)."""
    if not plausible_id(object_id):
        raise NotFound(message)
    query = scoped(model, ctx, hidden=hidden).where(model.id == object_id)  # type: ignore[attr-defined]
    if for_update:
        query = query.with_for_update()
    found: T | None = (await db.execute(query)).scalar_one_or_none()
    if found is None:
        raise NotFound(message)
    return found


def active_in(organization_id: str) -> Any:
    """``session.active_organization_id = organization_id``: the sessions working in it."""
    return Session.active_organization_id == organization_id


def is_active_in(active_organization_id: str | None, ctx: OrgContext) -> bool:
    """Whether a session's active organization is the context's."""
    return active_organization_id == ctx.organization.id
