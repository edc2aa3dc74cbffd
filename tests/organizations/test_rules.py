"""The pure rules of organizations and invitations, one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.organizations.helpers import GIF, JPEG, SVG, WEBP, png
from wegotwork.errors import Conflict, Forbidden
from wegotwork.invitations.rules import InvitationState, state_of
from wegotwork.models import InvitationStatus, Role
from wegotwork.organizations import rules

OWNER, ADMIN, MEMBER = Role.OWNER, Role.ADMIN, Role.MEMBER


@pytest.mark.parametrize(
    ("slug", "ok"),
    [
        ("acme", True),
        ("acme-co", True),
        ("a1b", True),
        ("ab", False),
        ("a" * 48, True),
        ("a" * 49, False),
        ("Acme", False),
        ("-acme", False),
        ("acme-", False),
        ("ac--me", False),
        ("ac_me", False),
        ("acmé", False),
        ("api", False),
        ("dashboard", False),
        ("www", False),
        ("admin", False),
    ],
)
def test_slug_rules(slug: str, ok: bool) -> None:
    assert (rules.slug_problem(slug) is None) is ok


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme & Co.", "acme-co"),
        ("Zürich Bäckerei", "zurich-backerei"),
        ("  Data   Wizards  ", "data-wizards"),
        ("AI", "ai-team"),
        ("!!!", "team"),
        ("Dashboard", "dashboard-team"),
        ("x" * 100, "x" * 48),
    ],
)
def test_slugs_are_suggested_from_names(name: str, slug: str) -> None:
    assert rules.suggest_slug(name) == slug
    assert rules.slug_problem(rules.suggest_slug(name)) is None


def test_names_are_cleaned_and_bounded() -> None:
    assert rules.clean_name("  Acme\n  Corp ") == "Acme Corp"
    assert rules.name_problem("A") is not None
    assert rules.name_problem("AB") is None
    assert rules.name_problem("x" * 80) is None
    assert rules.name_problem("x" * 81) is not None


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://acme.com", "https://acme.com"),
        ("http://acme.com/jobs?x=1", "http://acme.com/jobs?x=1"),
        ("acme.com", "https://acme.com"),
        ("  ", None),
        ("", None),
    ],
)
def test_websites_are_http_or_https(given: str, stored: str | None) -> None:
    assert rules.clean_website(given) == stored


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://acme.com",
        "mailto:a@b.c",
        "https://",
        "https://acme com",
        "not a url",
    ],
)
def test_other_schemes_and_junk_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        rules.clean_website(bad)


def test_logos_are_judged_by_content() -> None:
    assert rules.sniff_logo(png()) == ("image/png", "png")
    assert rules.sniff_logo(JPEG) == ("image/jpeg", "jpg")
    assert rules.sniff_logo(WEBP) == ("image/webp", "webp")
    assert rules.sniff_logo(GIF) is None
    assert rules.sniff_logo(SVG) is None
    assert rules.sniff_logo(b"<html><script>alert(1)</script></html>") is None
    assert rules.sniff_logo(b"") is None


def test_logo_urls_point_at_the_media_route() -> None:
    assert rules.logo_url(None) is None
    assert rules.logo_url("logos/o1/abc.png") == "/media/logos/o1/abc.png"
    assert (
        rules.logo_url("logos/o1/abc.png", "https://x.io") == "https://x.io/media/logos/o1/abc.png"
    )
    assert rules.logo_url("https://cdn.example.com/l.png") == "https://cdn.example.com/l.png"
    assert rules.stored_logo_key("https://cdn.example.com/l.png") is None


# Roles --------------------------------------------------------------------------------


def allowed(check, *args, **kwargs) -> bool:  # type: ignore[no-untyped-def]
    try:
        check(*args, **kwargs)
    except (Forbidden, Conflict):
        return False
    return True


@pytest.mark.parametrize(
    ("actor", "target", "new", "owners", "ok"),
    [
        (OWNER, MEMBER, ADMIN, 1, True),
        (OWNER, MEMBER, OWNER, 1, True),
        (OWNER, OWNER, ADMIN, 2, True),
        (OWNER, OWNER, ADMIN, 1, False),  # the last owner cannot be demoted
        (ADMIN, MEMBER, ADMIN, 1, True),
        (ADMIN, ADMIN, MEMBER, 1, True),
        (ADMIN, MEMBER, OWNER, 1, False),  # only owners make owners
        (ADMIN, OWNER, MEMBER, 2, False),  # an admin cannot act on an owner
        (MEMBER, MEMBER, ADMIN, 1, False),
        (MEMBER, ADMIN, MEMBER, 1, False),
    ],
)
def test_role_changes(actor: Role, target: Role, new: Role, owners: int, ok: bool) -> None:
    assert allowed(rules.check_role_change, actor, target, new, owners) is ok


def test_role_change_refusals_carry_distinct_codes() -> None:
    with pytest.raises(Forbidden) as refused:
        rules.check_role_change(ADMIN, OWNER, MEMBER, 2)
    assert refused.value.code == "YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER"
    with pytest.raises(Conflict) as last:
        rules.check_role_change(OWNER, OWNER, MEMBER, 1)
    assert last.value.code == "YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER"


@pytest.mark.parametrize(
    ("actor", "target", "owners", "is_self", "ok"),
    [
        (OWNER, MEMBER, 1, False, True),
        (OWNER, ADMIN, 1, False, True),
        (OWNER, OWNER, 2, False, True),
        (OWNER, OWNER, 1, True, False),  # the last owner cannot leave
        (OWNER, OWNER, 2, True, True),
        (ADMIN, MEMBER, 1, False, True),
        (ADMIN, ADMIN, 1, False, True),
        (ADMIN, OWNER, 2, False, False),  # an admin cannot remove an owner
        (ADMIN, ADMIN, 1, True, True),
        (MEMBER, MEMBER, 1, False, False),
        (MEMBER, MEMBER, 1, True, True),  # anyone may leave
    ],
)
def test_removals(actor: Role, target: Role, owners: int, is_self: bool, ok: bool) -> None:
    assert allowed(rules.check_removal, actor, target, owners, is_self=is_self) is ok


@pytest.mark.parametrize(
    ("actor", "role", "ok"),
    [
        (OWNER, OWNER, True),
        (OWNER, ADMIN, True),
        (ADMIN, ADMIN, True),
        (ADMIN, MEMBER, True),
        (ADMIN, OWNER, False),
        (MEMBER, MEMBER, False),
    ],
)
def test_who_may_invite_as_what(actor: Role, role: Role, ok: bool) -> None:
    assert allowed(rules.check_invitation_role, actor, role) is ok
    assert (role in rules.assignable_roles(actor)) is ok


def test_invitation_states() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    later, earlier = now + timedelta(hours=1), now - timedelta(seconds=1)
    assert state_of(InvitationStatus.PENDING, later, now) is InvitationState.PENDING
    assert state_of(InvitationStatus.PENDING, earlier, now) is InvitationState.EXPIRED
    assert state_of(InvitationStatus.PENDING, now, now) is InvitationState.EXPIRED
    assert state_of(InvitationStatus.ACCEPTED, later, now) is InvitationState.ACCEPTED
    assert state_of(InvitationStatus.CANCELED, earlier, now) is InvitationState.CANCELED
