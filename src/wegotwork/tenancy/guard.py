"""The one guard: who is calling, in which organization, with which permission.

Every route that touches an organization's data asks for its context through one family of
dependencies::

    ctx: CanManageApplicants                     # the alias of require(MANAGE_APPLICANTS)
    ctx: Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS, via=JOB_ID))]

``via`` says where the organization comes from: the ``{orgId}`` path parameter (the default,
``ORG_ID``), the ``{slug}`` of a dashboard page (``SLUG``), the session's active organization
(``ACTIVE``), or an object the path names (``JOB_ID``, ``APPLICANT_ID``, ``CATEGORY_ID``,
``INVITATION_ID``; ``object_id(kind, param)`` for any registered kind), whose organization is
read in one query. A new organization-owned model joins with one line::

    register_object("note", Note, missing="Note does not exist")
    NOTE_ID = object_id("note", "noteId")

A route that needs a session but acts in no organization of its own (the account, Better Auth's
routes, which name the organization in their body) asks for ``signed_in()``, the session alone;
``refuse`` gives a face its own words for a signed-out caller::

    auth: Annotated[AuthContext, Depends(signed_in())]

The order is fixed for every route: authentication (401; a page redirects to sign-in), then
authorization (``decide``: 404 to a caller who is not a member, 403 to a member whose role lacks
the permission), then the body. FastAPI validates a body only after the dependencies ran, and
routes that read their own body (Better Auth's) read it in the handler, after them; but FastAPI
*parses* JSON and forms before any dependency, so when that fails before the caller was
authenticated, ``before_the_body`` runs the route's dependencies first (the error handlers call
it): a signed-out caller hears 401, an outsider 404, whatever they sent. Which routes need a
session is read from their dependencies (``needs_session``).

The session is always read from the database here, never from the signed cookie cache: routes
behind the guard show candidates' personal data, and a signed-out or revoked session must read
nothing from the moment it ends.

Faces that speak another protocol (Better Auth's organization routes) take ``signed_in(refuse)``
and call ``resolve`` (``member_context``) themselves, translating the errors.
"""

import inspect
import re
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import solve_dependencies
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.deps import DbSession, get_services
from wegotwork.errors import Forbidden, NotFound, Unauthorized
from wegotwork.identity.deps import authenticated_already, get_auth, resolve_auth
from wegotwork.identity.sessions import AuthContext
from wegotwork.models import (
    Applicant,
    Invitation,
    Job,
    JobCategory,
    LibraryQuestion,
    Member,
    Message,
    MessageTemplate,
    Note,
    Organization,
    Pipeline,
    PipelineStage,
    PrivacyAction,
    PrivacyAudit,
    Session,
    User,
)
from wegotwork.tenancy.context import ORGANIZATION_NOT_FOUND, OrgContext
from wegotwork.tenancy.permissions import Permission, has_permission

# Objects ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectKind:
    model: Any
    missing: str


_OBJECTS: dict[str, ObjectKind] = {}
# What an id can look like at all: anything else (a NUL byte, say) is unknown without a query.
_PLAUSIBLE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def register_object(kind: str, model: Any, *, missing: str = "Not found") -> None:
    """Let routes name an object of ``model`` (which has ``id`` and ``organization_id``) in
    their path: ``require(permission, via=object_id(kind, "kindId"))``. ``missing`` is the 404
    message for an unknown object and for one in an organization the caller is not part of."""
    _OBJECTS[kind] = ObjectKind(model, missing)


register_object("job", Job, missing="Job does not exist")
register_object("applicant", Applicant, missing="Applicant does not exist")
register_object("category", JobCategory, missing="Category does not exist")
register_object("invitation", Invitation, missing="Invitation does not exist")
register_object("pipeline", Pipeline, missing="Pipeline does not exist")
register_object("stage", PipelineStage, missing="Stage does not exist")
register_object("note", Note, missing="Note does not exist")
register_object("email_template", MessageTemplate, missing="Template does not exist")
register_object("message", Message, missing="Message does not exist")
# Application forms: a question of the organization's library.
register_object("question", LibraryQuestion, missing="Question does not exist")


async def organization_of(db: AsyncSession, kind: str, object_id: str) -> str | None:
    """The id of the organization that owns object ``object_id`` of ``kind`` (one query)."""
    if not _PLAUSIBLE_ID.match(object_id):
        return None
    model = _OBJECTS[kind].model
    organization_id: str | None = await db.scalar(
        select(model.organization_id).where(model.id == object_id)
    )
    return organization_id


# Where the organization comes from ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """The organization a request names: by id or slug, and the 404 message for it."""

    organization_id: str | None = None
    slug: str | None = None
    missing: str = ORGANIZATION_NOT_FOUND


Locator = Callable[..., Awaitable[Target]]


def _with_path_parameter(name: str, body: Callable[..., Awaitable[Target]]) -> Locator:
    """A locator whose signature names the path parameter ``name`` (so FastAPI reads and
    documents it) besides the database session."""

    async def locate(db: DbSession, **params: str) -> Target:
        return await body(db, params[name])

    locate.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("db", inspect.Parameter.KEYWORD_ONLY, annotation=DbSession),
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str),
        ]
    )
    return locate


def path_organization(param: str = "orgId") -> Locator:
    """The organization whose id is the path parameter ``param``."""

    async def body(db: AsyncSession, value: str) -> Target:
        return Target(organization_id=value)

    return _with_path_parameter(param, body)


def path_slug(param: str = "slug") -> Locator:
    """The organization whose slug is the path parameter ``param`` (dashboard pages)."""

    async def body(db: AsyncSession, value: str) -> Target:
        return Target(slug=value)

    return _with_path_parameter(param, body)


def object_id(kind: str, param: str) -> Locator:
    """The organization owning the registered ``kind`` whose id is the path parameter
    ``param``; unknown objects answer 404 with the kind's message."""
    missing = _OBJECTS[kind].missing

    async def body(db: AsyncSession, value: str) -> Target:
        organization_id = await organization_of(db, kind, value)
        return Target(organization_id=organization_id or "", missing=missing)

    return _with_path_parameter(param, body)


async def _active(request: Request, db: DbSession) -> Target:
    auth = await authenticate(request, db)
    return Target(organization_id=auth.active_organization_id or "")


ORG_ID = path_organization()
SLUG = path_slug()
ACTIVE: Locator = _active
JOB_ID = object_id("job", "jobId")
APPLICANT_ID = object_id("applicant", "applicantId")
CATEGORY_ID = object_id("category", "categoryId")
INVITATION_ID = object_id("invitation", "invitationId")
PIPELINE_ID = object_id("pipeline", "pipelineId")
STAGE_ID = object_id("stage", "stageId")
NOTE_ID = object_id("note", "noteId")
TEMPLATE_ID = object_id("email_template", "templateId")
MESSAGE_ID = object_id("message", "messageId")


async def _named_or_active(
    request: Request,
    db: DbSession,
    orgId: Annotated[
        str | None,
        Query(
            max_length=64,
            description="The organization; the session's active organization when absent",
        ),
    ] = None,
) -> Target:
    if orgId:
        return Target(organization_id=orgId)
    return await _active(request, db)


# The ``orgId`` query parameter, else the session's active organization (routes whose objects
# may span an organization's jobs, such as bulk actions on applicants).
NAMED_OR_ACTIVE: Locator = _named_or_active


def _erased_or_present_applicant(param: str) -> Locator:
    """The organization of the applicant ``param`` names, or, once it is erased, of the
    organization whose privacy audit recorded the erasure (so restoring an erased applicant
    says so to the organization's admins, and stays a 404 to everyone else)."""

    async def body(db: AsyncSession, value: str) -> Target:
        organization_id = await organization_of(db, "applicant", value)
        if organization_id is None and _PLAUSIBLE_ID.match(value):
            organization_id = await db.scalar(
                select(PrivacyAudit.organization_id)
                .where(
                    PrivacyAudit.applicant_id == value,
                    PrivacyAudit.action == PrivacyAction.ERASE,
                )
                .limit(1)
            )
        return Target(organization_id=organization_id or "", missing=_OBJECTS["applicant"].missing)

    return _with_path_parameter(param, body)


# An applicant, present or erased (privacy routes).
PRIVACY_APPLICANT_ID = _erased_or_present_applicant("applicantId")
QUESTION_ID = object_id("question", "questionId")


# The decision -------------------------------------------------------------------------------


async def authenticate(request: Request, db: AsyncSession) -> AuthContext:
    """The caller's session, read from the database (never the cookie cache); Unauthorized
    when signed out, expired or revoked."""
    auth = await resolve_auth(request, db)
    if auth is None:
        raise Unauthorized()
    return auth


def decide(
    found: tuple[Organization, Member] | None,
    user: User,
    permission: Permission | None,
    *,
    session: Session | None = None,
    missing: str = ORGANIZATION_NOT_FOUND,
) -> OrgContext:
    """The 404-versus-403 rule, in one place: no such organization *or* not a member → 404
    (an outsider never learns what exists); a member whose role lacks ``permission`` → 403."""
    if found is None:
        raise NotFound(missing)
    organization, member = found
    if permission is not None and not has_permission(member.role, permission):
        raise Forbidden("Your role does not allow this")
    return OrgContext(user=user, member=member, organization=organization, session=session)


async def find_membership(
    db: AsyncSession,
    user: User,
    *,
    organization_id: str | None = None,
    slug: str | None = None,
    for_update: bool = False,
) -> tuple[Organization, Member] | None:
    """The organization (by id, else slug) and the caller's membership of it; None when it
    does not exist or the caller is not a member (never told apart)."""
    if not organization_id and not slug:
        return None
    query = select(Organization, Member).join(
        Member, (Member.organization_id == Organization.id) & (Member.user_id == user.id)
    )
    if organization_id:
        query = query.where(Organization.id == organization_id)
    else:
        assert slug is not None
        query = query.where(func.lower(Organization.slug) == slug.lower())
    if for_update:
        query = query.with_for_update(of=Organization)
    row = (await db.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def resolve(
    db: AsyncSession,
    user: User,
    permission: Permission | None = None,
    *,
    organization_id: str | None = None,
    slug: str | None = None,
    session: Session | None = None,
    missing: str = ORGANIZATION_NOT_FOUND,
    for_update: bool = False,
) -> OrgContext:
    """The user's context in one organization (by id, else slug); see ``decide``."""
    found = await find_membership(
        db, user, organization_id=organization_id, slug=slug, for_update=for_update
    )
    return decide(found, user, permission, session=session, missing=missing)


async def member_context(
    db: AsyncSession,
    auth: AuthContext,
    *,
    organization_id: str | None = None,
    slug: str | None = None,
) -> OrgContext | None:
    """The caller's context in one organization, or None when it does not exist or they are
    not a member: for faces that answer an outsider in their own protocol's words."""
    found = await find_membership(db, auth.user, organization_id=organization_id, slug=slug)
    return None if found is None else decide(found, auth.user, None, session=auth.session)


def named_or_active(
    auth: AuthContext, organization_id: str | None, slug: str | None = None
) -> tuple[str | None, str | None]:
    """The organization a request names, as (id, slug): the slug when given, else the id,
    else the session's active organization; (None, None) when there is none."""
    if slug:
        return None, slug
    return organization_id or auth.active_organization_id or None, None


async def member_contexts(db: AsyncSession, user: User) -> list[OrgContext]:
    """The user's context in every organization they belong to, oldest membership first."""
    rows = await db.execute(
        select(Organization, Member)
        .join(Member, Member.organization_id == Organization.id)
        .where(Member.user_id == user.id)
        .order_by(Member.created_at, Organization.id)
    )
    return [OrgContext(user=user, member=member, organization=org) for org, member in rows]


# Each dependency ``require`` made, with the permission it asks for (the authorization matrix
# test reads it to check every guarded route against the permission table).
GUARDS: dict[Callable[..., Awaitable[OrgContext]], Permission] = {}


def require(permission: Permission, via: Locator = ORG_ID) -> Callable[..., Awaitable[OrgContext]]:
    """The dependency for a route that acts with ``permission`` in the organization ``via``
    names (see the module docstring)."""

    async def dependency(
        request: Request, db: DbSession, target: Annotated[Target, Depends(via)]
    ) -> OrgContext:
        auth = await authenticate(request, db)
        return await resolve(
            db,
            auth.user,
            permission,
            organization_id=target.organization_id,
            slug=target.slug,
            session=auth.session,
            missing=target.missing,
        )

    GUARDS[dependency] = permission
    return dependency


# The dependencies besides ``require``'s that refuse a signed-out caller: ``signed_in``'s, and
# ``CurrentAuth`` (identity.deps.get_auth).
SIGNED_IN: set[Callable[..., Any]] = {get_auth}


def signed_in(
    refuse: Callable[[], Exception] = Unauthorized,
) -> Callable[..., Awaitable[AuthContext]]:
    """The dependency for a route that needs a session and no organization context: the
    caller's session (read from the database), or ``refuse()`` raised when signed out, before
    the route reads its body."""

    async def dependency(request: Request, db: DbSession) -> AuthContext:
        auth = await resolve_auth(request, db)
        if auth is None:
            raise refuse()
        return auth

    SIGNED_IN.add(dependency)
    return dependency


def needs_session(dependant: Dependant) -> bool:
    """Whether a route (its dependency tree) refuses signed-out callers."""
    return any(
        sub.call in GUARDS or sub.call in SIGNED_IN or needs_session(sub)
        for sub in dependant.dependencies
    )


# The scope keys FastAPI keeps a request's dependency exit stacks under.
_STACKS = ("fastapi_inner_astack", "fastapi_function_astack")


async def before_the_body(request: Request) -> None:
    """Called by the error handlers for a request refused for its input before the caller was
    authenticated: a body FastAPI could not parse (it parses JSON and forms before running any
    dependency), or a parameter of the guard's own (an ``orgId`` query too long to be an id).
    Runs the route's dependencies now, without the body, so that a caller who may not use the
    route hears that first (the guard raises 401, 404 or 403), and authenticates the caller if
    they could not run. Returns when the caller may go on, when they were authenticated
    already (the dependencies ran: the error is the input's), or when the route needs no
    session: the input error stands."""
    route = request.scope.get("route")
    if (
        not isinstance(route, APIRoute)
        or authenticated_already(request)
        or not needs_session(route.dependant)
    ):
        return
    without_body = Dependant(dependencies=route.dependant.dependencies, path=route.path_format)
    saved = {key: request.scope.get(key) for key in _STACKS}
    try:
        async with AsyncExitStack() as stack:
            for key in _STACKS:
                request.scope[key] = stack
            solved = await solve_dependencies(
                request=request,
                dependant=without_body,
                dependency_overrides_provider=request.app,
                async_exit_stack=stack,
                embed_body_fields=False,
            )
    finally:
        request.scope.update(saved)
    if solved.errors and not authenticated_already(request):
        # A parameter of the guard's own (an ``orgId`` query too long to be an id) was
        # invalid, so the guard never ran: authentication still comes first.
        async with get_services(request).db.sessionmaker() as db:
            await authenticate(request, db)


# Readable aliases, one per permission, keyed by ``{orgId}``; pages use the ``Page*`` ones
# (keyed by ``{slug}``).
CanViewOrganization = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION))]
CanUpdateOrganization = Annotated[OrgContext, Depends(require(Permission.UPDATE_ORGANIZATION))]
CanDeleteOrganization = Annotated[OrgContext, Depends(require(Permission.DELETE_ORGANIZATION))]
CanManageMembers = Annotated[OrgContext, Depends(require(Permission.MANAGE_MEMBERS))]
CanManageInvitations = Annotated[OrgContext, Depends(require(Permission.MANAGE_INVITATIONS))]
CanManageCategories = Annotated[OrgContext, Depends(require(Permission.MANAGE_CATEGORIES))]
CanManageJobs = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS))]
CanViewApplicants = Annotated[OrgContext, Depends(require(Permission.VIEW_APPLICANTS))]
CanManageApplicants = Annotated[OrgContext, Depends(require(Permission.MANAGE_APPLICANTS))]
CanManagePrivacy = Annotated[OrgContext, Depends(require(Permission.MANAGE_PRIVACY))]

PageCanViewOrganization = Annotated[
    OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=SLUG))
]
PageCanUpdateOrganization = Annotated[
    OrgContext, Depends(require(Permission.UPDATE_ORGANIZATION, via=SLUG))
]
PageCanDeleteOrganization = Annotated[
    OrgContext, Depends(require(Permission.DELETE_ORGANIZATION, via=SLUG))
]
PageCanManageInvitations = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_INVITATIONS, via=SLUG))
]
PageCanManageCategories = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_CATEGORIES, via=SLUG))
]
PageCanManageJobs = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS, via=SLUG))]
PageCanViewApplicants = Annotated[
    OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=SLUG))
]
PageCanManageApplicants = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=SLUG))
]
PageCanManagePrivacy = Annotated[OrgContext, Depends(require(Permission.MANAGE_PRIVACY, via=SLUG))]
