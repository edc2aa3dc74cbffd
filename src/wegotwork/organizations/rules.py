"""Pure rules about organizations, worth testing alone."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import filetype

from wegotwork.errors import Conflict, Forbidden
from wegotwork.models import Role
from wegotwork.tenancy.permissions import Permission, has_permission

DEFAULT_CATEGORIES = (
    "Software Development",
    "Finance",
    "Operations",
    "HR & Recruiting",
    "Security",
)

SLUG_MIN, SLUG_MAX = 3, 48
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_SLUGS = frozenset(
    {
        "about",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "app",
        "apply",
        "assets",
        "auth",
        "billing",
        "blog",
        "careers",
        "contact",
        "dashboard",
        "docs",
        "help",
        "home",
        "invite",
        "invitations",
        "jobs",
        "login",
        "logout",
        "mail",
        "new",
        "null",
        "onboarding",
        "organizations",
        "pricing",
        "privacy",
        "public",
        "register",
        "root",
        "settings",
        "signin",
        "sign-in",
        "signout",
        "sign-out",
        "signup",
        "sign-up",
        "sitemap",
        "static",
        "status",
        "support",
        "system",
        "terms",
        "undefined",
        "user",
        "users",
        "www",
    }
)


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot be used (a sentence for the user), or None when it is valid."""
    if len(slug) < SLUG_MIN or len(slug) > SLUG_MAX:
        return f"Use {SLUG_MIN} to {SLUG_MAX} characters"
    if not SLUG_PATTERN.match(slug):
        return "Use lowercase letters, digits and single hyphens, not at the start or end"
    if slug in RESERVED_SLUGS:
        return "This address is reserved; please choose another"
    return None


def suggest_slug(name: str) -> str:
    """A valid slug derived from an organization name ("Acme & Co." → "acme-co")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:SLUG_MAX].strip("-")
    if len(slug) < SLUG_MIN:
        slug = (slug + "-team").strip("-") if slug else "team"
        if len(slug) < SLUG_MIN:
            slug = f"{slug}-hq"
    if slug in RESERVED_SLUGS:
        slug = f"{slug}-team"
    return slug


# Names, descriptions, websites ------------------------------------------------------------

NAME_MIN, NAME_MAX = 2, 80
DESCRIPTION_MAX = 2000
WEBSITE_MAX = 2048


def clean_name(name: str) -> str:
    """An organization name as stored: trimmed, inner whitespace (newlines too) collapsed."""
    return " ".join(name.split())


def name_problem(name: str) -> str | None:
    """Why a (cleaned) organization name cannot be used, or None."""
    if len(name) < NAME_MIN:
        return f"Use at least {NAME_MIN} characters"
    if len(name) > NAME_MAX:
        return f"Use at most {NAME_MAX} characters"
    return None


def clean_website(value: str) -> str | None:
    """A website as stored: an absolute http(s) URL, or None when empty.

    "acme.com" becomes "https://acme.com"; any other scheme (javascript:, data:, ftp:) is
    refused with a ValueError whose message is meant for the user.
    """
    value = value.strip()
    if not value:
        return None
    if "://" not in value and not value.lower().startswith(("javascript:", "data:", "mailto:")):
        value = f"https://{value}"
    if len(value) > WEBSITE_MAX:
        raise ValueError(f"Use at most {WEBSITE_MAX} characters")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueError("Enter a web address such as https://example.com") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValueError("Only http:// and https:// addresses are allowed")
    host = parts.hostname or ""
    plausible = host == "localhost" or "." in host.strip(".")
    if not plausible or any(char.isspace() for char in value):
        raise ValueError("Enter a web address such as https://example.com")
    return value


# Metadata -------------------------------------------------------------------------------

METADATA_MAX = 10_000


def encode_metadata(metadata: Mapping[str, Any]) -> str:
    """An organization's metadata as stored: compact JSON text of at most METADATA_MAX
    characters (a ValueError with a message for the user otherwise)."""
    text = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)
    if len(text) > METADATA_MAX:
        raise ValueError(f"Metadata may take at most {METADATA_MAX} characters as JSON")
    return text


def decode_metadata(text: str | None) -> dict[str, Any] | None:
    """Stored metadata back as an object; None when empty or not a JSON object."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# Logos ----------------------------------------------------------------------------------

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
LOGO_EXTENSIONS = {extension: mime for mime, extension in LOGO_TYPES.items()}
LOGO_PREFIX = "logos/"
MEDIA_PATH = "/media/"


def sniff_logo(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PNG, JPEG or WebP image judged by its bytes, else None.

    The declared content type and file name are ignored: only the content counts, so an SVG
    (which may carry scripts) or an HTML page renamed to .png is refused.
    """
    kind = filetype.guess(content[:512])
    if kind is None or kind.mime not in LOGO_TYPES:
        return None
    return kind.mime, LOGO_TYPES[kind.mime]


def logo_key(organization_id: str, random_name: str, extension: str) -> str:
    """Where a logo is stored: a fresh name per upload, so its URL can be cached forever."""
    return f"{LOGO_PREFIX}{organization_id}/{random_name}.{extension}"


def stored_logo_key(logo: str | None) -> str | None:
    """The storage key when ``logo`` is a file we store (not an external URL)."""
    return logo if logo and logo.startswith(LOGO_PREFIX) else None


def logo_url(logo: str | None, base_url: str = "") -> str | None:
    """The public URL of an organization's logo (relative when ``base_url`` is empty)."""
    if not logo:
        return None
    if logo.startswith(LOGO_PREFIX):
        return f"{base_url}{MEDIA_PATH}{logo}"
    return logo


# Members --------------------------------------------------------------------------------


def check_role_change(actor: Role, target: Role, new: Role, owners: int) -> None:
    """Raise unless someone with role ``actor`` may move a member from ``target`` to ``new``.

    Only roles that manage members change roles; only owners make or unmake owners (an admin
    cannot act on an owner); the last owner cannot be demoted.
    """
    if not has_permission(actor, Permission.MANAGE_MEMBERS):
        raise Forbidden(
            "Your role does not allow changing roles",
            code="YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
        )
    if Role.OWNER in (target, new) and not has_permission(actor, Permission.MANAGE_OWNERS):
        raise Forbidden(
            "Only an owner can change an owner's role or make someone an owner",
            code="YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER",
        )
    if target is Role.OWNER and new is not Role.OWNER and owners <= 1:
        raise Conflict(
            "The last owner cannot be demoted; make someone else an owner first",
            code="YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER",
        )


def check_removal(actor: Role, target: Role, owners: int, *, is_self: bool) -> None:
    """Raise unless someone with role ``actor`` may remove a member with role ``target``.

    Anyone may leave (remove themselves); removing others needs the member permission, and an
    owner can only be removed by an owner. The last owner can neither leave nor be removed.

    Better Auth keeps the last owner too, but lets an account deletion cascade the membership
    away, and refuses an admin removing an owner with the last-owner error. Deliberately, ours
    refuses an admin with YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER (401, its permission
    error), and no account deletion leaves an organization without an owner
    (``organizations.accounts``). See the README's compatibility table.
    """
    if not is_self:
        if not has_permission(actor, Permission.MANAGE_MEMBERS):
            raise Forbidden(
                "Your role does not allow removing members",
                code="YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER",
            )
        if target is Role.OWNER and not has_permission(actor, Permission.MANAGE_OWNERS):
            raise Forbidden(
                "Only an owner can remove an owner",
                code="YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER",
            )
    if target is Role.OWNER and owners <= 1:
        message = (
            "You are the last owner; make someone else an owner before leaving"
            if is_self
            else "The last owner cannot be removed"
        )
        raise Conflict(message, code="YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER")


def check_invitation_role(actor: Role, role: Role) -> None:
    """Raise unless someone with role ``actor`` may invite (or manage an invitation) as ``role``."""
    if not has_permission(actor, Permission.MANAGE_INVITATIONS):
        raise Forbidden(
            "Your role does not allow inviting people",
            code="YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION",
        )
    if role is Role.OWNER and not has_permission(actor, Permission.MANAGE_OWNERS):
        raise Forbidden(
            "Only an owner can invite someone as an owner",
            code="YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE",
        )


ROLE_LABELS = {Role.OWNER: "Owner", Role.ADMIN: "Admin", Role.MEMBER: "Member"}
ROLE_DESCRIPTIONS = {
    Role.OWNER: "everything, including deleting the organization and managing owners",
    Role.ADMIN: "settings, members and invitations, plus jobs and applicants",
    Role.MEMBER: "jobs, categories and applicants",
}


def assignable_roles(actor: Role) -> list[Role]:
    """The roles someone with role ``actor`` may give (by invitation or role change)."""
    if has_permission(actor, Permission.MANAGE_OWNERS):
        return [Role.MEMBER, Role.ADMIN, Role.OWNER]
    if has_permission(actor, Permission.MANAGE_MEMBERS):
        return [Role.MEMBER, Role.ADMIN]
    return []
