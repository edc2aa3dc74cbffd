"""``/api/auth/organization/*`` (organizations and members): Better Auth 1.7's organization
plugin, so its official client's ``organizationClient()`` works unchanged.

Every route is a thin translation: the session first (each route's own signed-out answer, from
its ``signed_in`` dependency, whatever the body), then the body and query (400
``VALIDATION_ERROR``), then the same actions the JSON API and the pages call; their errors
become Better Auth's codes in ``auth_wire``. Better Auth checks the body before the session; we
deliberately do not (``tenancy.guard``: authentication, authorization, then the body), so a
signed-out caller learns nothing from how its body is judged. Every route reads the session
from the database. Where we deliberately differ from Better Auth, the README says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask

from wegotwork.auth import body
from wegotwork.auth.errors import AuthError
from wegotwork.auth.respond import SignedIn, json_response, trusted_origins
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import Forbidden
from wegotwork.identity.deps import reissue_after_change
from wegotwork.identity.sessions import AuthContext
from wegotwork.invitations import actions as invitations
from wegotwork.invitations.rules import same_email
from wegotwork.models import Member
from wegotwork.organizations import actions, members
from wegotwork.organizations.auth_schemas import (
    ActiveMemberRoleQuery,
    CheckSlug,
    CreateOrganization,
    DeleteOrganization,
    FullOrganizationQuery,
    HasPermission,
    LeaveOrganization,
    ListMembersQuery,
    RemoveMember,
    SetActiveOrganization,
    UpdateMemberRole,
    UpdateOrganization,
)
from wegotwork.organizations.auth_wire import (
    asked_member,
    body_doc,
    checked,
    error,
    invitation_json,
    member_json,
    organization_json,
    parse_role,
    permission_of,
    query_doc,
    query_of,
    role_names,
    role_not_found,
    wire_errors,
)
from wegotwork.organizations.rules import logo_url
from wegotwork.organizations.schemas import OrganizationCreate, OrganizationUpdate
from wegotwork.schemas import auth_error_responses
from wegotwork.storage.cleanup import discard_files
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import member_context, named_or_active, signed_in
from wegotwork.tenancy.scoping import is_active_in

Q = TypeVar("Q", ListMembersQuery, ActiveMemberRoleQuery)

router = APIRouter(
    prefix="/api/auth/organization", tags=["auth: organizations"], responses=auth_error_responses()
)

# Better Auth answers these signed out with a bare 401, no body.
EMPTY_401: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in (empty body)"}}
SignedInOrBare401 = Annotated[
    AuthContext, Depends(signed_in(lambda: AuthError("", status=401, bare=True)))
]
# ... and update with a message and no code.
SignedInOrUserNotFound = Annotated[
    AuthContext, Depends(signed_in(lambda: AuthError("", "User not found", status=401)))
]

LOGO_BY_UPLOAD = (
    "Logos are uploaded as image files (the settings page, or PUT "
    "/api/v1/organizations/{orgId}/logo); pass null to remove it"
)


def _no_logo_url(value: str | None, where: str) -> None:
    if value is not None:
        raise AuthError("VALIDATION_ERROR", f"[{where}.logo] {LOGO_BY_UPLOAD}")


# Organizations --------------------------------------------------------------------------


@router.post("/create", openapi_extra=body_doc(CreateOrganization), responses=EMPTY_401)
async def create_organization(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedInOrBare401
) -> Response:
    """Create an organization; the caller becomes its owner and (unless
    ``keepCurrentActiveOrganization``) it becomes the session's active organization."""
    data = await body.parse(request, CreateOrganization, trusted_origins(services))
    wanted = checked(OrganizationCreate, {"name": data.name, "slug": data.slug})
    _no_logo_url(data.logo, "body")
    activate = not data.keep_current_active_organization
    with wire_errors():
        organization = await actions.create_organization(
            db, auth, wanted, activate=activate, metadata=data.metadata
        )
    ctx = await member_context(db, auth, organization_id=organization.id)
    assert ctx is not None
    if activate:
        await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    out = organization_json(organization, services.settings.base_url, omit_empty_metadata=True)
    out["members"] = [member_json(ctx.member)]
    return json_response(out)


@router.post("/check-slug", openapi_extra=body_doc(CheckSlug))
async def check_slug(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """``{"status": true}`` when the slug can be used; taken → 400
    ``ORGANIZATION_SLUG_ALREADY_TAKEN``, against our slug rules → 400 ``VALIDATION_ERROR``."""
    data = await body.parse(request, CheckSlug, trusted_origins(services))
    check = await actions.check_slug(db, data.slug)
    if check.taken:
        raise error("ORGANIZATION_SLUG_ALREADY_TAKEN")
    if not check.available:
        raise AuthError("VALIDATION_ERROR", f"[body.slug] {check.problem}")
    return json_response({"status": True})


@router.post("/update", openapi_extra=body_doc(UpdateOrganization))
async def update_organization(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedInOrUserNotFound
) -> Response:
    """Change name, slug or metadata (admin or owner); ``logo: null`` removes the logo."""
    data = await body.parse(request, UpdateOrganization, trusted_origins(services))
    given = data.data.model_fields_set
    wanted = checked(
        OrganizationUpdate,
        {field: getattr(data.data, field) for field in ("name", "slug") if field in given},
        where="body.data",
    )
    ctx = await asked_member(
        db,
        auth,
        data.organization_id,
        unnamed=error("ORGANIZATION_NOT_FOUND"),
        outsider=error("USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION"),
    )
    base_url = services.settings.base_url
    logo = data.data.logo
    if logo is not None and logo not in {
        logo_url(ctx.organization.logo, base_url),
        logo_url(ctx.organization.logo),
    }:
        _no_logo_url(logo, "body.data")
    old_logo: str | None = None
    with wire_errors():
        organization = await actions.update_organization(db, ctx, wanted)
        if "metadata" in given:
            organization = await actions.set_metadata(db, ctx, data.data.metadata)
        if "logo" in given and logo is None:
            change = await actions.remove_logo(db, ctx)
            old_logo = change.old_key
    await db.commit()
    response = json_response(organization_json(organization, base_url, omit_empty_metadata=True))
    return _discarding(response, services, [old_logo])


def _discarding(response: Response, services: ServicesDep, keys: list[str | None]) -> Response:
    """Delete stored files after the response (the commit that orphaned them succeeded)."""
    if any(keys):
        response.background = BackgroundTask(discard_files, services.storage, keys)
    return response


@router.post("/delete", openapi_extra=body_doc(DeleteOrganization), responses=EMPTY_401)
async def delete_organization(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedInOrBare401
) -> Response:
    """Delete the organization with everything in it (owner only); answers the deleted one."""
    data = await body.parse(request, DeleteOrganization, trusted_origins(services))
    not_a_member = error("USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION")
    ctx = await asked_member(
        db, auth, data.organization_id, unnamed=not_a_member, outsider=not_a_member, active=False
    )
    was_active = is_active_in(auth.active_organization_id, ctx)
    with wire_errors():
        deleted = await actions.delete_organization(db, ctx)
    if was_active:
        await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    response = json_response(organization_json(deleted.organization, services.settings.base_url))
    return _discarding(response, services, list(deleted.file_keys))


@router.get("/list")
async def list_organizations(db: DbSession, services: ServicesDep, auth: SignedIn) -> Response:
    """The organizations the caller belongs to."""
    mine = await actions.list_my_organizations(db, auth)
    base_url = services.settings.base_url
    return json_response([organization_json(item.organization, base_url) for item in mine])


@router.post("/set-active", openapi_extra=body_doc(SetActiveOrganization, required=False))
async def set_active(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """Make an organization (by id or slug) the session's active one and re-issue the session
    cookies; ``organizationId: null`` clears it; neither given answers the current one."""
    data = await body.parse(
        request, SetActiveOrganization, trusted_origins(services), optional=True
    )
    if "organization_id" in data.model_fields_set and data.organization_id is None:
        if auth.active_organization_id:
            await actions.clear_active_organization(db, auth)
            await reissue_after_change(request, db, auth.session.id)
            await db.commit()
        return json_response(None)
    organization_id, slug = data.organization_id, data.organization_slug
    if not organization_id and not slug:
        organization_id = auth.active_organization_id
        if not organization_id:
            return json_response(None)
    ctx = await member_context(db, auth, organization_id=organization_id, slug=slug)
    if ctx is None:
        await _forget_active(request, db, auth, organization_id)
        raise error("USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION", status=403)
    organization = await actions.set_active_organization(db, ctx)
    await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    return json_response(organization_json(organization, services.settings.base_url))


async def _forget_active(
    request: Request, db: DbSession, auth: AuthContext, organization_id: str | None
) -> None:
    """The caller asked for their active organization but is no longer a member: clear it
    (and the cookie cache) before answering 403."""
    if organization_id is None or organization_id != auth.active_organization_id:
        return
    await actions.clear_active_organization(db, auth)
    await reissue_after_change(request, db, auth.session.id)
    await db.commit()


async def _asked_organization(
    request: Request, db: DbSession, auth: AuthContext, query: FullOrganizationQuery
) -> OrgContext | None:
    """The caller's membership of the organization a read asks for (by slug, else id, else
    the active one); None when none is asked for or active; 403 when not a member."""
    organization_id, slug = named_or_active(auth, query.organization_id, query.organization_slug)
    if not organization_id and not slug:
        return None
    ctx = await member_context(db, auth, organization_id=organization_id, slug=slug)
    if ctx is None:
        await _forget_active(request, db, auth, organization_id)
        raise error("USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION", status=403)
    return ctx


@router.get("/get-organization", openapi_extra=query_doc(FullOrganizationQuery))
async def get_organization(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """The organization (default: the active one), or ``null`` when none is asked for."""
    query = query_of(request.query_params, FullOrganizationQuery)
    ctx = await _asked_organization(request, db, auth, query)
    if ctx is None:
        return json_response(None)
    return json_response(organization_json(ctx.organization, services.settings.base_url))


@router.get("/get-full-organization", openapi_extra=query_doc(FullOrganizationQuery))
async def get_full_organization(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """The organization (default: the active one) with its members and, for those who may
    invite, its invitations; ``null`` when no organization is asked for or active."""
    query = query_of(request.query_params, FullOrganizationQuery)
    ctx = await _asked_organization(request, db, auth, query)
    if ctx is None:
        return json_response(None)
    found = await members.list_members(db, ctx)
    limit = _int(query.members_limit)
    if limit is not None and limit > 0:
        found = found[:limit]
    try:
        pending = await invitations.list_invitations(db, ctx)
    except Forbidden:
        pending = []
    out = organization_json(ctx.organization, services.settings.base_url)
    out["members"] = [member_json(member, member.user) for member in found]
    out["invitations"] = [invitation_json(invitation) for invitation in pending]
    return json_response(out)


# Members --------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


_MEMBER_FIELDS = {
    "id": lambda m: m.id,
    "organizationId": lambda m: m.organization_id,
    "userId": lambda m: m.user_id,
    "role": lambda m: m.role.value,
    "createdAt": lambda m: m.created_at,
}


def _matches(actual: Any, operator: str, wanted: Any) -> bool:
    if isinstance(actual, datetime):
        actual = actual.isoformat()
    text = str(actual)
    if operator in {"in", "not_in"}:
        inside = text in wanted
        return inside if operator == "in" else not inside
    value = str(wanted)
    tests = {
        "eq": text == value,
        "ne": text != value,
        "lt": text < value,
        "lte": text <= value,
        "gt": text > value,
        "gte": text >= value,
        "contains": value in text,
        "starts_with": text.startswith(value),
        "ends_with": text.endswith(value),
    }
    return tests[operator]


def _page(found: list[Member], query: ListMembersQuery, values: list[str]) -> list[Member]:
    """Better Auth's filter and sort over the member list (paging is the route's)."""
    if query.filter_field:
        read = _MEMBER_FIELDS.get(query.filter_field)
        if read is None:
            raise AuthError("VALIDATION_ERROR", "[query.filterField] Unknown field")
        operator = query.filter_operator or "eq"
        wanted: Any = values if operator in {"in", "not_in"} else query.filter_value
        found = [member for member in found if _matches(read(member), operator, wanted)]
    sort_key = _MEMBER_FIELDS.get(query.sort_by or "")
    if sort_key is not None:
        found = sorted(found, key=sort_key, reverse=query.sort_direction == "desc")
    return found


async def _member_by_query(
    request: Request, db: DbSession, auth: AuthContext, model: type[Q]
) -> tuple[Q, OrgContext]:
    """The query string, then the caller's membership of the organization it names (by slug,
    else id, else the active one)."""
    query: Q = query_of(request.query_params, model)
    ctx = await asked_member(
        db,
        auth,
        query.organization_id,
        query.organization_slug,
        unnamed=error("NO_ACTIVE_ORGANIZATION"),
        outsider=error("YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION"),
    )
    return query, ctx


@router.get("/list-members", openapi_extra=query_doc(ListMembersQuery))
async def list_members(request: Request, db: DbSession, auth: SignedIn) -> Response:
    """``{"members": [...], "total": n}`` of the organization (default: the active one)."""
    query, ctx = await _member_by_query(request, db, auth, ListMembersQuery)
    values = [
        part
        for item in request.query_params.getlist("filterValue")
        for part in item.split(",")
        if part
    ]
    found = _page(await members.list_members(db, ctx), query, values)
    offset = max(_int(query.offset) or 0, 0)
    limit = _int(query.limit) or 100
    page = found[offset : offset + limit] if limit > 0 else found[offset:]
    return json_response(
        {"members": [member_json(member, member.user) for member in page], "total": len(found)}
    )


@router.get("/get-active-member")
async def get_active_member(db: DbSession, auth: SignedIn) -> Response:
    """The caller's membership of the active organization, with their user."""
    ctx = await asked_member(
        db,
        auth,
        None,
        unnamed=error("NO_ACTIVE_ORGANIZATION"),
        outsider=error("MEMBER_NOT_FOUND"),
    )
    return json_response(member_json(ctx.member, ctx.user))


@router.get("/get-active-member-role", openapi_extra=query_doc(ActiveMemberRoleQuery))
async def get_active_member_role(request: Request, db: DbSession, auth: SignedIn) -> Response:
    """``{"role": ...}`` of the caller (or of ``userId``) in the organization."""
    query, ctx = await _member_by_query(request, db, auth, ActiveMemberRoleQuery)
    if not query.user_id or query.user_id == ctx.user.id:
        return json_response({"role": ctx.role.value})
    found = await members.list_members(db, ctx)
    other = next((member for member in found if member.user_id == query.user_id), None)
    if other is None:
        raise error("YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION")
    return json_response({"role": other.role.value})


async def _member_changes_in(
    db: DbSession, auth: AuthContext, organization_id: str | None
) -> OrgContext:
    """The caller's membership of the organization whose members a request changes (the
    active one unless named), in Better Auth's words for "none" and "not a member"."""
    return await asked_member(
        db,
        auth,
        organization_id,
        unnamed=error("NO_ACTIVE_ORGANIZATION"),
        outsider=error("MEMBER_NOT_FOUND"),
    )


@router.post("/update-member-role", openapi_extra=body_doc(UpdateMemberRole))
async def update_member_role(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """Give a member another role (admin or owner; only owners make or unmake owners)."""
    data = await body.parse(request, UpdateMemberRole, trusted_origins(services))
    if not role_names(data.role):
        raise error("ROLE_NOT_FOUND")
    ctx = await _member_changes_in(db, auth, data.organization_id)
    role = parse_role(data.role)
    if role is None:
        raise role_not_found(data.role)
    with wire_errors():
        member = await members.change_member_role(db, ctx, data.member_id, role)
    await db.commit()
    return json_response(member_json(member))


@router.post("/remove-member", openapi_extra=body_doc(RemoveMember))
async def remove_member(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """Remove a member, by member id or email (admin or owner; only owners remove owners)."""
    data = await body.parse(request, RemoveMember, trusted_origins(services))
    ctx = await _member_changes_in(db, auth, data.organization_id)
    target = data.member_id_or_email
    if "@" in target:
        found = await members.list_members(db, ctx)
        match = next((m for m in found if same_email(m.user.email, target)), None)
        if match is None:
            raise error("MEMBER_NOT_FOUND")
        target = match.id
    # Read before the action: it also updates the (identity-mapped) session it clears.
    was_active = is_active_in(auth.active_organization_id, ctx)
    with wire_errors():
        member = await members.remove_member(db, ctx, target)
    if member.user_id == auth.user.id and was_active:
        await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    return json_response({"member": member_json(member)})


@router.post("/leave", openapi_extra=body_doc(LeaveOrganization))
async def leave(request: Request, db: DbSession, services: ServicesDep, auth: SignedIn) -> Response:
    """Leave the organization (never as its last owner); answers the membership that ended."""
    data = await body.parse(request, LeaveOrganization, trusted_origins(services))
    ctx = await asked_member(
        db,
        auth,
        data.organization_id,
        unnamed=error("MEMBER_NOT_FOUND"),
        outsider=error("MEMBER_NOT_FOUND"),
        active=False,
    )
    was_active = is_active_in(auth.active_organization_id, ctx)
    with wire_errors():
        member = await members.leave_organization(db, ctx)
    if was_active:
        await reissue_after_change(request, db, auth.session.id)
    await db.commit()
    return json_response(member_json(member, member.user))


@router.post("/has-permission", openapi_extra=body_doc(HasPermission))
async def has_permission(
    request: Request, db: DbSession, services: ServicesDep, auth: SignedIn
) -> Response:
    """``{"error": null, "success": bool}``: whether the caller's role grants every action
    asked (Better Auth's names, such as ``member: ["update"]``, or ours)."""
    data = await body.parse(request, HasPermission, trusted_origins(services))
    ctx = await asked_member(
        db,
        auth,
        data.organization_id,
        unnamed=error("NO_ACTIVE_ORGANIZATION"),
        outsider=error("USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION", status=401),
    )
    permissions = [
        permission_of(resource, action)
        for resource, asked in data.asked.items()
        for action in asked
    ]
    allowed = all(permission is not None and ctx.can(permission) for permission in permissions)
    return json_response({"error": None, "success": allowed})
