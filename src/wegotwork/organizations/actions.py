"""Organization actions: create, read, edit (logo included), delete, list mine, set active.

Members live in ``members.py``. Every action flushes and never commits; the route commits once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.content import bump_content_version
from wegotwork.db import new_id
from wegotwork.errors import (
    Conflict,
    Invalid,
    PayloadTooLarge,
    Unavailable,
    UnsupportedMediaType,
)
from wegotwork.identity.sessions import AuthContext
from wegotwork.identity.sessions import set_active_organization as set_session_active
from wegotwork.messages.actions import seed_organization as seed_communication
from wegotwork.models import (
    Applicant,
    Job,
    JobCategory,
    JobStatus,
    Member,
    Organization,
    Role,
    Session,
)
from wegotwork.organizations import rules
from wegotwork.organizations.schemas import OrganizationCreate, OrganizationUpdate
from wegotwork.pipelines.actions import create_default_pipeline
from wegotwork.storage import Storage, StorageError
from wegotwork.storage.cleanup import discard_files
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import active_in, joins_organization, owned_by

log = logging.getLogger("wegotwork.organizations")

SLUG_TAKEN = "This address is already taken; please choose another"
CANNOT_UPDATE = "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION"
SLUG_INDEX = "uq_organization_slug_lower"


def slug_taken(code: str = "ORGANIZATION_SLUG_ALREADY_TAKEN") -> Conflict:
    return Conflict(SLUG_TAKEN, code=code, field_errors={"slug": [SLUG_TAKEN]})


def _is_slug_violation(exc: IntegrityError) -> bool:
    return SLUG_INDEX in str(exc.orig)


# Slugs ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlugCheck:
    slug: str
    available: bool
    problem: str | None = None
    taken: bool = False  # valid, but another organization has it


async def check_slug(db: AsyncSession, slug: str, *, current_id: str | None = None) -> SlugCheck:
    """Whether ``slug`` is valid and free (``current_id``'s own slug counts as free).

    Anyone signed in may ask; the answer reveals nothing that the public careers pages do not.
    This is advice for forms: creation and renaming still rely on the unique index.
    """
    slug = slug.strip().lower()
    problem = rules.slug_problem(slug)
    if problem:
        return SlugCheck(slug, False, problem)
    owner = await db.scalar(
        select(Organization.id).where(func.lower(Organization.slug) == slug).limit(1)
    )
    if owner is not None and owner != current_id:
        return SlugCheck(slug, False, SLUG_TAKEN, taken=True)
    return SlugCheck(slug, True)


async def suggest_available_slug(db: AsyncSession, name: str) -> str:
    """A free slug derived from ``name``: "acme", else "acme-2", "acme-3", ... (one query)."""
    base = rules.suggest_slug(name)
    candidates = [base]
    for number in range(2, 21):
        suffix = f"-{number}"
        candidates.append(base[: rules.SLUG_MAX - len(suffix)].rstrip("-") + suffix)
    taken = set(
        (
            await db.scalars(
                select(func.lower(Organization.slug)).where(
                    func.lower(Organization.slug).in_(candidates)
                )
            )
        ).all()
    )
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    return f"{base[: rules.SLUG_MAX - 7].rstrip('-')}-{new_id(6).lower()}"


# Create, read, list ---------------------------------------------------------------------


def _metadata_text(metadata: Mapping[str, Any]) -> str:
    try:
        return rules.encode_metadata(metadata)
    except ValueError as exc:
        raise Invalid.field("metadata", str(exc)) from exc


async def create_organization(
    db: AsyncSession,
    auth: AuthContext,
    data: OrganizationCreate,
    *,
    activate: bool = True,
    metadata: Mapping[str, Any] | None = None,
    categories: Sequence[str] = rules.DEFAULT_CATEGORIES,
) -> Organization:
    """Create an organization owned by the caller, with ``categories`` in order (the five
    default ones unless the caller chose others, or none), and (unless ``activate`` is False)
    make it the caller's active organization. ``metadata`` is kept for API clients (never
    shown publicly).

    Any signed-in user may call it. Without a slug, a free one is suggested from the name.
    Raises Conflict (code ORGANIZATION_ALREADY_EXISTS) when the slug is taken, also when
    another request takes it at the same moment: the unique index decides, never a race.
    Raises Invalid when the metadata is too large.
    """
    metadata_text = _metadata_text(metadata) if metadata else None
    slug = data.slug or await suggest_available_slug(db, data.name)
    organization = Organization(id=new_id(), name=data.name, slug=slug, metadata_json=metadata_text)
    try:
        async with db.begin_nested():
            db.add(organization)
            await db.flush()
    except IntegrityError as exc:
        if _is_slug_violation(exc):
            raise slug_taken("ORGANIZATION_ALREADY_EXISTS") from exc
        raise
    db.add(
        Member(id=new_id(), organization_id=organization.id, user_id=auth.user.id, role=Role.OWNER)
    )
    db.add_all(
        JobCategory(id=new_id(), organization_id=organization.id, name=name, position=position)
        for position, name in enumerate(categories)
    )
    await create_default_pipeline(db, organization.id)
    seed_communication(db, organization.id)
    if activate:
        await set_session_active(db, auth.session.id, organization.id)
    return organization


@dataclass(frozen=True, slots=True)
class MyOrganization:
    organization: Organization
    role: Role
    active: bool


async def list_my_organizations(db: AsyncSession, auth: AuthContext) -> list[MyOrganization]:
    """The caller's organizations by name, each with the caller's role and whether it is the
    session's active one. Any signed-in user may call it."""
    rows = await db.execute(
        select(Organization, Member.role)
        .join(Member, joins_organization(Member))
        .where(Member.user_id == auth.user.id)
        .order_by(func.lower(Organization.name), Organization.id)
    )
    active = auth.session.active_organization_id
    return [
        MyOrganization(organization, role, organization.id == active) for organization, role in rows
    ]


async def default_organization(db: AsyncSession, auth: AuthContext) -> Organization | None:
    """Where the dashboard opens: the session's active organization if the caller is still a
    member of it, else the organization the caller joined first, else None."""
    active = auth.session.active_organization_id or ""
    found: Organization | None = (
        await db.execute(
            select(Organization)
            .join(Member, joins_organization(Member))
            .where(Member.user_id == auth.user.id)
            .order_by((Organization.id == active).desc(), Member.created_at, Member.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    return found


@dataclass(frozen=True, slots=True)
class OrganizationDetail:
    organization: Organization
    role: Role
    member_count: int
    job_count: int
    published_job_count: int
    applicant_count: int


async def get_organization_detail(db: AsyncSession, ctx: OrgContext) -> OrganizationDetail:
    """The organization with counts of members, jobs and applicants (one query).

    Any member may call it.
    """
    ctx.require(Permission.VIEW_ORGANIZATION)
    org_id = ctx.organization.id

    def count(model: Any, *where: Any) -> Any:
        return (
            select(func.count())
            .select_from(model)
            .where(owned_by(model, org_id), *where)
            .scalar_subquery()
        )

    row = (
        await db.execute(
            select(
                count(Member),
                count(Job),
                count(Job, Job.status == JobStatus.PUBLISHED),
                count(Applicant),
            )
        )
    ).one()
    return OrganizationDetail(ctx.organization, ctx.role, *(int(value) for value in row))


# Edit -----------------------------------------------------------------------------------


async def update_organization(
    db: AsyncSession, ctx: OrgContext, data: OrganizationUpdate
) -> Organization:
    """Change the fields given in ``data`` (name, slug, description, website).

    Admins and owners may call it. Bumps the public content version when anything changed.
    Raises Forbidden for members (code YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION),
    Conflict (code ORGANIZATION_SLUG_ALREADY_TAKEN) when the new slug belongs to another
    organization. After a Conflict the organization object is expired (the savepoint rolled
    back): refresh it before reading it again.
    """
    ctx.require(Permission.UPDATE_ORGANIZATION, code=CANNOT_UPDATE)
    organization = ctx.organization
    given = data.model_fields_set
    changes = {
        field: getattr(data, field)
        for field in ("name", "slug", "description", "website")
        if field in given and getattr(data, field) != getattr(organization, field)
    }
    if not changes:
        return organization
    try:
        async with db.begin_nested():
            for field, value in changes.items():
                setattr(organization, field, value)
            await db.flush()
    except IntegrityError as exc:
        if _is_slug_violation(exc):
            raise slug_taken() from exc
        raise
    await bump_content_version(db, organization.id)
    return organization


async def set_metadata(
    db: AsyncSession, ctx: OrgContext, metadata: Mapping[str, Any] | None
) -> Organization:
    """Replace the organization's metadata: a JSON object kept for API clients, never shown on
    public pages (an empty object or None clears it).

    Admins and owners may call it. Raises Forbidden (code
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION), Invalid when it is too large.
    """
    ctx.require(Permission.UPDATE_ORGANIZATION, code=CANNOT_UPDATE)
    organization = ctx.organization
    text = _metadata_text(metadata) if metadata else None
    if text != organization.metadata_json:
        organization.metadata_json = text
        await db.flush()
    return organization


@dataclass(frozen=True, slots=True)
class LogoChange:
    """What a logo change did: remove ``old_key`` after commit, ``new_key`` if the commit fails."""

    organization: Organization
    new_key: str | None
    old_key: str | None


async def _one_chunk(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def replace_logo(
    db: AsyncSession, ctx: OrgContext, storage: Storage, content: bytes
) -> LogoChange:
    """Store ``content`` as the organization's new logo under a fresh key.

    Admins and owners may call it. Only PNG, JPEG and WebP images (judged by their bytes) of
    at most 2 MB are taken. The caller commits, then deletes ``old_key``; if the commit fails
    it deletes ``new_key``. Raises Forbidden, Invalid (empty file), PayloadTooLarge,
    UnsupportedMediaType, Unavailable (storage down).
    """
    ctx.require(Permission.UPDATE_ORGANIZATION, code=CANNOT_UPDATE)
    if not content:
        raise Invalid.field("logo", "Choose an image file")
    if len(content) > rules.LOGO_MAX_BYTES:
        raise PayloadTooLarge("The logo must be at most 2 MB")
    sniffed = rules.sniff_logo(content)
    if sniffed is None:
        raise UnsupportedMediaType("The logo must be a PNG, JPEG or WebP image")
    content_type, extension = sniffed
    organization = ctx.organization
    key = rules.logo_key(organization.id, new_id(), extension)
    try:
        await storage.save(key, _one_chunk(content), content_type)
    except StorageError as exc:
        log.warning("logo upload failed: %s", exc)
        raise Unavailable("The logo could not be stored. Please try again shortly.") from exc
    old_key = rules.stored_logo_key(organization.logo)
    try:
        organization.logo = key
        await db.flush()
        await bump_content_version(db, organization.id)
    except BaseException:
        await discard_files(storage, [key])
        raise
    return LogoChange(organization, key, old_key)


async def remove_logo(db: AsyncSession, ctx: OrgContext) -> LogoChange:
    """Remove the organization's logo; the caller deletes ``old_key`` after commit.

    Admins and owners may call it. Raises Forbidden for members.
    """
    ctx.require(Permission.UPDATE_ORGANIZATION, code=CANNOT_UPDATE)
    organization = ctx.organization
    old_key = rules.stored_logo_key(organization.logo)
    if organization.logo is not None:
        organization.logo = None
        await db.flush()
        await bump_content_version(db, organization.id)
    return LogoChange(organization, None, old_key)


# Delete ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeletedOrganization:
    """The organization that was deleted, and the stored files to delete after commit."""

    organization: Organization
    file_keys: list[str]


async def delete_organization(db: AsyncSession, ctx: OrgContext) -> DeletedOrganization:
    """Delete the organization with its members, invitations, categories, jobs and applicants.

    Only owners may call it. The stored files (résumés, logo) are returned, not deleted: the
    caller deletes them after the commit succeeded. Raises Forbidden for admins and members
    (code YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION).
    """
    ctx.require(
        Permission.DELETE_ORGANIZATION, code="YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION"
    )
    return await purge_organization(db, ctx)


async def purge_organization(db: AsyncSession, ctx: OrgContext) -> DeletedOrganization:
    """Delete the organization and everything in it, whatever the caller's role: for
    ``delete_organization`` (owners) and for an account deletion that takes the organizations
    its user is the only member of along. Returns the files to delete after the commit."""
    organization = ctx.organization
    keys = list(
        (
            await db.scalars(
                select(Applicant.resume_key).where(
                    owned_by(Applicant, organization.id),
                    Applicant.resume_key.is_not(None),
                )
            )
        ).all()
    )
    logo = rules.stored_logo_key(organization.logo)
    if logo:
        keys.append(logo)
    # The database cascades to every row of the organization; sessions that had it active
    # fall back to none.
    await db.execute(
        delete(Organization)
        .where(Organization.id == organization.id)
        .execution_options(synchronize_session=False)
    )
    db.expunge(organization)
    return DeletedOrganization(organization, [key for key in keys if key])


# The active organization ----------------------------------------------------------------


async def set_active_organization(db: AsyncSession, ctx: OrgContext) -> Organization:
    """Make the organization the active one of the caller's session.

    Any member may call it (the context proves membership). Raises Invalid when the context
    carries no session.
    """
    ctx.require(Permission.VIEW_ORGANIZATION)
    if ctx.session is None:
        raise Invalid("No session to remember the organization in")
    await set_session_active(db, ctx.session.id, ctx.organization.id)
    return ctx.organization


async def clear_active_organization(db: AsyncSession, auth: AuthContext) -> None:
    """Forget the session's active organization. Any signed-in user may call it."""
    await set_session_active(db, auth.session.id, None)


async def forget_active_for(db: AsyncSession, user_id: str, organization_id: str) -> None:
    """A user who is no longer a member: clear the organization from their sessions."""
    await db.execute(
        update(Session)
        .where(Session.user_id == user_id, active_in(organization_id))
        .values(active_organization_id=None)
        .execution_options(synchronize_session="fetch")
    )
