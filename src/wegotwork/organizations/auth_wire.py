"""What Better Auth's organization plugin looks like on the wire: its JSON shapes, its error
codes with their statuses and messages, its role values, and its permission names.

The organization endpoints (``organizations/auth_api.py``, ``invitations/auth_api.py``) build
every answer and every error through here, so the translation from our domain to Better Auth's
protocol lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork import schemas
from wegotwork.auth import body
from wegotwork.auth.errors import AuthError
from wegotwork.errors import DomainError
from wegotwork.identity.sessions import AuthContext
from wegotwork.identity.wire import Json, iso
from wegotwork.models import Invitation, Member, Organization, Role, User
from wegotwork.organizations.rules import decode_metadata, logo_url
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import member_context, named_or_active
from wegotwork.tenancy.permissions import Permission

# code: (status, message), as Better Auth 1.7 answers them.
ERRORS: dict[str, tuple[int, str]] = {
    "ORGANIZATION_ALREADY_EXISTS": (400, "Organization already exists"),
    "ORGANIZATION_SLUG_ALREADY_TAKEN": (400, "Organization slug already taken"),
    "ORGANIZATION_NOT_FOUND": (400, "Organization not found"),
    "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION": (400, "User is not a member of the organization"),
    "YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION": (403, "You are not a member of this organization"),
    "NO_ACTIVE_ORGANIZATION": (400, "No active organization"),
    "MEMBER_NOT_FOUND": (400, "Member not found"),
    "ROLE_NOT_FOUND": (400, "Role not found"),
    "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION": (
        403,
        "You are not allowed to update this organization",
    ),
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION": (
        403,
        "You are not allowed to delete this organization",
    ),
    "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER": (403, "You are not allowed to update this member"),
    "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER": (401, "You are not allowed to delete this member"),
    "YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER": (
        400,
        "You cannot leave the organization as the only owner",
    ),
    "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER": (
        400,
        "You cannot leave the organization without an owner",
    ),
    "YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION": (
        403,
        "You are not allowed to invite users to this organization",
    ),
    "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE": (
        403,
        "You are not allowed to invite a user with this role",
    ),
    "USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION": (
        400,
        "User is already invited to this organization",
    ),
    "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION": (
        400,
        "User is already a member of this organization",
    ),
    "INVITATION_NOT_FOUND": (400, "Invitation not found"),
    "YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION": (
        403,
        "You are not the recipient of the invitation",
    ),
    "EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION": (
        403,
        "Email verification required to view or list invitations for the session email",
    ),
    "YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION": (
        403,
        "You are not allowed to cancel this invitation",
    ),
    "YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS": (
        403,
        "You are not allowed to list invitations for this organization",
    ),
    "INVITATION_LIMIT_REACHED": (403, "Invitation limit reached"),
    "INVALID_EMAIL": (400, "Invalid email"),
}

# Our invitation states that Better Auth does not tell apart: to it they are all "not found".
INVITATION_STATES = {
    "INVITATION_EXPIRED": "INVITATION_NOT_FOUND",
    "INVITATION_CANCELED": "INVITATION_NOT_FOUND",
    "INVITATION_ALREADY_ACCEPTED": "INVITATION_NOT_FOUND",
    "INVITATION_ALREADY_REJECTED": "INVITATION_NOT_FOUND",
}


def error(code: str, message: str | None = None, *, status: int | None = None) -> AuthError:
    """Better Auth's error for ``code``; ``code=""`` gives a message-only error."""
    known_status, known_message = ERRORS.get(code, (400, code))
    return AuthError(code, message or known_message, status=status or known_status)


def to_wire(
    exc: DomainError,
    remap: Mapping[str, str] | None = None,
    messages: Mapping[str, str] | None = None,
) -> AuthError:
    """A domain error as Better Auth would answer it.

    ``remap`` renames codes first, ``messages`` overrides an answer's text. Codes Better Auth
    knows get its status and message; our own codes (say, a canceled invitation) keep our
    message, with 400 where we would answer 404, 409 or 422.
    """
    code = (remap or {}).get(exc.code, exc.code)
    message = (messages or {}).get(code)
    if code in ERRORS:
        return error(code, message)
    status = {404: 400, 409: 400, 422: 400}.get(exc.status, exc.status)
    if code in {"NOT_FOUND", "CONFLICT"}:
        code = "BAD_REQUEST"
    return AuthError(code, message or exc.message, status=status)


@contextmanager
def wire_errors(
    remap: Mapping[str, str] | None = None, messages: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Translate the domain errors raised inside the block (see ``to_wire``)."""
    try:
        yield
    except AuthError:
        raise
    except DomainError as exc:
        raise to_wire(exc, remap, messages) from exc


def checked(model: type[BaseModel], data: dict[str, Any], *, where: str = "body") -> Any:
    """``model`` (one of our own schemas) built from wire values, or 400 VALIDATION_ERROR with
    Better Auth's ``[body.field] message`` text."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise AuthError("VALIDATION_ERROR", body.zod_message(exc, model, where, data)) from exc


def query_of(request_query: Mapping[str, str], model: type[BaseModel]) -> Any:
    """The query string validated into ``model`` (``[query.field]`` errors)."""
    return body.validate(model, dict(request_query), where="query")


# Who is asking, in which organization ---------------------------------------------------


async def asked_member(
    db: AsyncSession,
    auth: AuthContext,
    organization_id: str | None,
    slug: str | None = None,
    *,
    unnamed: AuthError,
    outsider: AuthError,
    active: bool = True,
) -> OrgContext:
    """The caller's context in the organization a Better Auth request names (with ``active``,
    the session's active one when it names none); ``unnamed`` when there is none, ``outsider``
    when the caller is not a member.

    A deliberate difference from Better Auth, which answers an unknown (or deleted)
    organization with 400 ORGANIZATION_NOT_FOUND and one you are not a member of with 403:
    that tells an outsider which ids and slugs exist. Ours answer both as "not a member"
    (see the README's compatibility table).
    """
    if active:
        organization_id, slug = named_or_active(auth, organization_id, slug)
    elif organization_id:
        slug = None
    if not organization_id and not slug:
        raise unnamed
    ctx = await member_context(db, auth, organization_id=organization_id, slug=slug)
    if ctx is None:
        raise outsider
    return ctx


# Roles and permissions ------------------------------------------------------------------


def role_names(value: str | list[str]) -> list[str]:
    """Better Auth's ``parseRoleList``: comma-separated or an array, trimmed, empties dropped."""
    items = value if isinstance(value, list) else [value]
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def parse_role(value: str | list[str]) -> Role | None:
    """Our single role from Better Auth's ``role`` (a string or an array of one), else None."""
    names = role_names(value)
    if len(names) != 1:
        return None
    try:
        return Role(names[0])
    except ValueError:
        return None


ROLE_VALUES = frozenset(role.value for role in Role)


def role_not_found(value: str | list[str], *, code_for_unknown: bool = True) -> AuthError:
    """Better Auth's answer to a role value we cannot take: ``ROLE_NOT_FOUND`` ("Role not
    found" when empty, ``ROLE_NOT_FOUND: <roles>`` otherwise). Several roles, each known, are
    refused the same way: a member has exactly one role here.

    ``code_for_unknown=False`` leaves the code out for unknown role names, as Better Auth's
    invite-member does."""
    names = role_names(value)
    if not names:
        return error("ROLE_NOT_FOUND")
    unknown = [name for name in names if name not in ROLE_VALUES]
    if unknown:
        return AuthError(
            "ROLE_NOT_FOUND" if code_for_unknown else "", f"ROLE_NOT_FOUND: {', '.join(unknown)}"
        )
    return AuthError(
        "ROLE_NOT_FOUND", f"ROLE_NOT_FOUND: {', '.join(names)} (a member has exactly one role)"
    )


# Better Auth's access-control statements, as our permissions.
PERMISSIONS: dict[tuple[str, str], Permission] = {
    ("organization", "update"): Permission.UPDATE_ORGANIZATION,
    ("organization", "delete"): Permission.DELETE_ORGANIZATION,
    ("member", "create"): Permission.MANAGE_MEMBERS,
    ("member", "update"): Permission.MANAGE_MEMBERS,
    ("member", "delete"): Permission.MANAGE_MEMBERS,
    ("invitation", "create"): Permission.MANAGE_INVITATIONS,
    ("invitation", "cancel"): Permission.MANAGE_INVITATIONS,
}


def permission_of(resource: str, action: str) -> Permission | None:
    """Our permission for a Better Auth ``resource: [action]`` pair, also accepting our own
    names (``job: ["manage"]``); None for what we do not have (teams, access control)."""
    known = PERMISSIONS.get((resource, action))
    if known is not None:
        return known
    try:
        return Permission(f"{resource}:{action}")
    except ValueError:
        return None


# Shapes ---------------------------------------------------------------------------------


def organization_json(
    organization: Organization, base_url: str, *, omit_empty_metadata: bool = False
) -> Json:
    """``{id, name, slug, logo, createdAt, metadata}``; create and update leave out an empty
    ``metadata``, as Better Auth does."""
    out: Json = {
        "id": organization.id,
        "name": organization.name,
        "slug": organization.slug,
        "logo": logo_url(organization.logo, base_url),
        "createdAt": iso(organization.created_at),
    }
    metadata = decode_metadata(organization.metadata_json)
    if metadata is not None or not omit_empty_metadata:
        out["metadata"] = metadata
    return out


def user_brief(user: User) -> Json:
    return {"id": user.id, "name": user.name, "email": user.email, "image": user.image}


def member_json(member: Member, user: User | None = None) -> Json:
    """``{id, organizationId, userId, role, createdAt}``, plus ``user`` when given."""
    out: Json = {
        "id": member.id,
        "organizationId": member.organization_id,
        "userId": member.user_id,
        "role": member.role.value,
        "createdAt": iso(member.created_at),
    }
    if user is not None:
        out["user"] = user_brief(user)
    return out


def invitation_json(invitation: Invitation) -> Json:
    return {
        "id": invitation.id,
        "organizationId": invitation.organization_id,
        "email": invitation.email,
        "role": invitation.role.value,
        "status": invitation.status.value,
        "expiresAt": iso(invitation.expires_at),
        "createdAt": iso(invitation.created_at),
        "inviterId": invitation.inviter_id,
    }


# OpenAPI --------------------------------------------------------------------------------


def body_doc(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """OpenAPI for a JSON body read by ``auth.body`` (FastAPI cannot see it)."""
    return schemas.body_doc(model, required=required)


def query_doc(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a query string read by hand."""
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    return {
        "parameters": [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": {"type": "string"},
            }
            for name in schema.get("properties", {})
        ]
    }
