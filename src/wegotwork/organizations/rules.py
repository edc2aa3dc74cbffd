"""Pure rules about organizations, worth testing alone."""

from __future__ import annotations

import re
import unicodedata

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
