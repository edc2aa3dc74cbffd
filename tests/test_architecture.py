"""Rules of the code's shape, checked on the package's syntax trees.

- The organization filter is written only in ``tenancy/`` (and the models and migrations that
  declare the column): every other module goes through ``tenancy/scoping.py``.
- No face imports another face: route modules (``api``, ``pages``, ``auth_api``, ``*_pages``)
  share code through the modules beneath them; only the router (``routes.py``) gathers them.
- Actions flush and never commit: the route owns the transaction.
- Imports point down: the floors beneath the product's domains (ground, database, models,
  services, session resolution, tenancy, the web shell) never import a floor above them.
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


COMPOSITION = frozenset({"wegotwork.routes", "wegotwork.app"})


def is_face(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last in {"api", "pages", "auth_api"} or last.endswith("_pages")


def imported_modules(module: str, source: str) -> set[str]:
    """The ``wegotwork`` modules ``source`` imports (``from a import b`` counts ``a`` and, when
    it is one, the module ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("wegotwork.") and name != module}


def _module_of(path: str) -> str:
    return "wegotwork." + path.removesuffix(".py").replace("/", ".")


def face_imports(sources: list[tuple[str, str]]) -> list[str]:
    modules = {_module_of(path) for path, _source in sources}
    found = []
    for path, source in sources:
        module = _module_of(path)
        if module in COMPOSITION:
            continue
        for name in sorted(imported_modules(module, source)):
            if name in modules and is_face(name):
                found.append(f"{module} imports {name}")
    return found


def test_the_face_rule_sees_a_face_importing_another() -> None:
    sources = [
        ("jobs/api.py", "from wegotwork.jobs.rules import TITLE_MAX\n"),
        ("jobs/rules.py", ""),
        ("invitations/pages.py", "from wegotwork.organizations.pages import redirect\n"),
        ("organizations/pages.py", ""),
        ("routes.py", "from wegotwork.jobs import api\n"),
    ]
    assert face_imports(sources) == [
        "wegotwork.invitations.pages imports wegotwork.organizations.pages"
    ]


def test_no_face_imports_another_face() -> None:
    assert face_imports(_sources()) == []


def commits(source: str) -> list[int]:
    """Lines of ``source`` that call ``.commit()``."""
    return sorted(
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    )


def test_actions_flush_and_routes_commit() -> None:
    assert commits("await db.flush()\nawait db.commit()\n") == [2]
    offenders = {
        path: lines
        for path, source in _sources()
        if path.endswith("/actions.py") and (lines := commits(source))
    }
    assert offenders == {}


def test_the_application_intake_does_not_reach_up_into_the_web_layer() -> None:
    source = (PACKAGE / "applicants" / "intake.py").read_text(encoding="utf-8")
    imported = imported_modules("wegotwork.applicants.intake", source)
    assert sorted(name for name in imported if name.startswith("wegotwork.web")) == []


# The floors beneath the domains, lowest first. A module may import its own floor and those
# beneath it; the domain packages (jobs, applicants, reviews...) and the composition (app,
# routes, cli) stand above them all.
FLOORS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "clock", "settings", "schemas", "logconf", "memory", "cookies", "urls"}),
    frozenset({"db"}),
    frozenset({"models", "migrate", "templating"}),
    frozenset({"storage", "mail", "tasks", "content"}),
    frozenset({"deps"}),
    frozenset({"identity"}),
    frozenset({"tenancy"}),
    frozenset({"web"}),
)
ABOVE = len(FLOORS)


def floor_of(module: str) -> int:
    """The floor of ``wegotwork.<unit>...``: its unit's, or above every floor."""
    parts = module.split(".")
    unit = parts[1] if len(parts) > 1 else ""
    return next((index for index, units in enumerate(FLOORS) if unit in units), ABOVE)


def upward_imports(sources: list[tuple[str, str]]) -> list[str]:
    modules = {_module_of(path) for path, _source in sources}
    found = []
    for path, source in sources:
        module = _module_of(path)
        floor = floor_of(module)
        if floor == ABOVE:
            continue
        for name in sorted(imported_modules(module, source)):
            if name in modules and floor_of(name) > floor:
                found.append(f"{module} imports {name}")
    return found


def test_the_floor_rule_sees_an_import_that_runs_up() -> None:
    sources = [
        ("tenancy/guard.py", "from wegotwork.identity.deps import resolve_auth\n"),
        ("identity/deps.py", "from wegotwork.tenancy.guard import require\n"),
        ("web/dashboard.py", "from wegotwork.reviews.queries import unread_count\n"),
        ("reviews/queries.py", ""),
    ]
    assert upward_imports(sources) == [
        "wegotwork.identity.deps imports wegotwork.tenancy.guard",
        "wegotwork.web.dashboard imports wegotwork.reviews.queries",
    ]


def test_imports_point_down() -> None:
    assert upward_imports(_sources()) == []
