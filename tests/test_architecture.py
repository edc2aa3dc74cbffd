"""Rules of the code's shape, checked on the package's syntax trees.

- The organization filter is written only in ``tenancy/`` (and the models and migrations that
  declare the column): every other module goes through ``tenancy/scoping.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import wegotwork

PACKAGE = Path(wegotwork.__file__).parent
FILTER_HOMES = frozenset({"tenancy", "models", "migrations"})
COLUMN = "organization_id"
_COLUMN = "organization_id"


def _sources() -> list[tuple[str, str]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    ]


def hand_written_filters(source: str) -> list[str]:
    """``x.organization_id == ...`` / ``!=`` comparisons (either side) in ``source``: the
    organization filter written by hand. Membership tests on plain values (``in``, ``is``)
    are Python, not SQL, and are left alone."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            continue
        sides = [node.left, *node.comparators]
        if any(isinstance(side, ast.Attribute) and side.attr == COLUMN for side in sides):
            found.append((node.lineno, ast.unparse(node)))
    return [f"{line}: {text}" for line, text in sorted(found)]


def test_the_checker_sees_a_hand_written_filter() -> None:
    source = (
        "query = select(Job).where(Job.organization_id == ctx.organization.id)\n"
        "join = Organization.id != Member.organization_id\n"
        "plain = member.organization_id in enabled\n"
    )
    assert hand_written_filters(source) == [
        "1: Job.organization_id == ctx.organization.id",
        "2: Organization.id != Member.organization_id",
    ]


def test_the_organization_filter_is_written_only_in_tenancy() -> None:
    offenders = {
        path: found
        for path, source in _sources()
        if path.split("/")[0] not in FILTER_HOMES and (found := hand_written_filters(source))
    }
    assert offenders == {}, (
        "Filter organization-owned rows through wegotwork.tenancy.scoping "
        "(scoped, get_scoped, in_context, owned_by, joins_organization), not by hand"
    )
