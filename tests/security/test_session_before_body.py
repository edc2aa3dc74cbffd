"""Authentication comes before the body, on every route that needs a session.

Signed out, such a route answers as it answers any signed-out caller (the JSON API: 401 and
the envelope; Better Auth's routes: 401 in the shape its reference documents for that route;
a page: a redirect to sign-in), whatever it is sent: malformed JSON, JSON of the wrong shape, a
form that cannot be parsed. Signed in, the order goes on: someone who may not act in the
organization hears that (404 to an outsider, 403 to a role without the permission) before
what is wrong with the body; and whoever may act hears about the body as before.

Which routes need a session is read from their dependencies (``tenancy.guard.needs_session``:
the guard, or the signed-in dependency), not from a list. Every other route is sent the same
bodies and must not answer as if a session were missing, and the authorization matrix's rows
(well-formed requests) must agree: a route that checked the session by hand, after reading its
body, would show up in one or the other.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.fixtures.world import World
from tests.routes import api_routes
from tests.security.targets import Targets, client_for
from tests.security.test_authorization_matrix import TABLE
from wegotwork.models import Role
from wegotwork.tenancy.guard import GUARDS, needs_session
from wegotwork.tenancy.permissions import Permission, has_permission

# What a route is sent, signed out: (label, httpx request arguments).
BODIES: list[tuple[str, dict[str, Any]]] = [
    (
        "malformed JSON",
        {"content": b'{"name": "Ada", "email": ', "headers": {"content-type": "application/json"}},
    ),
    ("a JSON list", {"json": ["not", "an", "object"]}),
    (
        "fields of the wrong type",
        {
            "json": dict.fromkeys(
                (
                    "name",
                    "email",
                    "newEmail",
                    "token",
                    "password",
                    "organizationId",
                    "invitationId",
                    "memberId",
                    "data",
                    "title",
                    "body",
                    "ids",
                ),
                12,
            )
        },
    ),
    (
        "an unparseable form",
        {"content": b"--x\r\nbroken", "headers": {"content-type": "multipart/form-data"}},
    ),
]

# Better Auth's answer to a signed-out caller (../shared/better-auth-api.md 3.6 and 9,
# "Unauthenticated organization access"): JSON, or None for an empty body.
UNAUTHORIZED: dict[str, Any] = {"message": "Unauthorized", "code": "UNAUTHORIZED"}
BETTER_AUTH_SIGNED_OUT: dict[str, dict[str, Any] | None] = {
    "/api/auth/organization/create": None,
    "/api/auth/organization/delete": None,
    "/api/auth/organization/update": {"message": "User not found"},
    "/api/auth/organization/get-invitation": {"message": "Not authenticated"},
}


def _routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    return sorted(
        (
            (method, route)
            for route in api_routes(app)
            for method in (route.methods or set()) - {"HEAD"}
        ),
        key=lambda pair: (pair[1].path, pair[0]),
    )


def _asks_to_sign_in(response: httpx.Response) -> bool:
    location = response.headers.get("location", "")
    return response.status_code == 303 and location.startswith("/sign-in")


def signed_out_problem(path: str, response: httpx.Response) -> str | None:
    """What is wrong with ``response`` as the answer to a signed-out caller of ``path``."""
    if not path.startswith("/api/"):
        if _asks_to_sign_in(response):
            return None
        return f"{response.status_code}, not a redirect to sign-in"
    if response.status_code != 401:
        return f"{response.status_code} {response.text[:120]}"
    if path.startswith("/api/auth/"):
        expected = BETTER_AUTH_SIGNED_OUT.get(path, UNAUTHORIZED)
        if expected is None:
            return None if response.content == b"" else f"401 with a body: {response.text}"
        return None if response.json() == expected else f"401 {response.text}"
    body = response.json()
    if body.get("error") is not True or not body.get("message"):
        return f"401 without the envelope: {response.text}"
    return None


async def test_signed_out_callers_hear_401_whatever_the_body(
    app: FastAPI, world: World, targets: Targets
) -> None:
    wrong: list[str] = []
    needing = 0
    for method, route in _routes(app):
        path = route.path
        url = targets.fill(path)
        needs = needs_session(route.dependant)
        needing += needs
        for label, arguments in BODIES:
            client = client_for(world, "anonymous", path)
            response = await client.request(method, url, **arguments)
            if needs:
                problem = signed_out_problem(path, response)
                if problem is not None:
                    wrong.append(f"{method} {path} with {label}: {problem}")
            elif response.status_code == 401 or _asks_to_sign_in(response):
                wrong.append(
                    f"{method} {path} with {label}: answers {response.status_code} signed out "
                    "but does not declare that it needs a session (tenancy.guard.signed_in)"
                )
    assert needing > 150
    assert wrong == [], "\n".join(wrong)


def test_the_routes_the_matrix_refuses_to_strangers_are_the_ones_that_say_so(app: FastAPI) -> None:
    """The authorization matrix sends each route a well-formed request: a route it shows
    refusing signed-out callers alone (401, or a page's redirect, where someone signed in gets
    something else) declares its session, so the test above sends it the broken bodies; and a
    route that declares a session refuses signed-out callers there too."""
    wrong = []
    for method, route in _routes(app):
        key = f"{method} {route.path}"
        anonymous, *others = TABLE[key].expected
        refusal = 401 if route.path.startswith("/api/") else 303
        refused_alone = anonymous == refusal and any(status != refusal for status in others)
        declared = needs_session(route.dependant)
        if refused_alone and not declared:
            wrong.append(f"{key}: refuses signed-out callers but declares no session")
        if declared and anonymous != refusal:
            wrong.append(f"{key}: declares a session, yet the matrix lets strangers in")
    assert wrong == []


def _guard_of(route: APIRoute) -> Permission | None:
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if dependant.call in GUARDS:
            return GUARDS[dependant.call]
        pending.extend(dependant.dependencies)
    return None


async def test_who_may_not_act_hears_so_before_the_body(
    app: FastAPI, world: World, targets: Targets
) -> None:
    """Behind the guard, a body that cannot even be parsed comes after authorization: an
    outsider hears 404 (nothing is disclosed), a member whose role lacks the permission 403;
    a caller who may act hears about the body."""
    wrong: list[str] = []
    checked = 0
    malformed = BODIES[0][1]
    for method, route in _routes(app):
        permission = _guard_of(route)
        if permission is None or route.body_field is None or not route.path.startswith("/api/"):
            continue
        # The query the matrix sends (the organization of a route that defaults to the active
        # one).
        query = TABLE[f"{method} {route.path}"].query
        url = targets.fill(route.path) + (f"?{targets.fill(query)}" if query else "")
        checked += 1
        outsider = await client_for(world, "outsider", route.path).request(method, url, **malformed)
        if outsider.status_code != 404:
            wrong.append(f"{method} {route.path} as an outsider: {outsider.status_code}")
        if not has_permission(Role.MEMBER, permission):
            member = await client_for(world, "member", route.path).request(method, url, **malformed)
            if member.status_code != 403:
                wrong.append(f"{method} {route.path} as a member: {member.status_code}")
        owner = await client_for(world, "owner", route.path).request(method, url, **malformed)
        if owner.status_code not in {400, 422} or owner.json().get("error") is not True:
            wrong.append(f"{method} {route.path} as the owner: {owner.status_code}")
    assert checked > 20
    assert wrong == [], "\n".join(wrong)


async def test_signed_in_callers_hear_about_the_body_as_before(world: World) -> None:
    member = world.api("member")
    broken = await member.post(
        "/api/v1/notifications/read",
        content=b'{"ids": [',
        headers={"content-type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.json() == {"error": True, "message": "Malformed JSON in request body"}
    shape = await member.post("/api/v1/notifications/read", json=["not", "an", "object"])
    assert shape.status_code == 422
    assert shape.json()["error"] is True

    auth = world.browser("member")
    auth_broken = await auth.post(
        "/api/auth/revoke-session",
        content=b'{"token": ',
        headers={"content-type": "application/json"},
    )
    assert auth_broken.status_code == 400
    assert auth_broken.json() == {"message": "Invalid JSON in request body", "code": "BAD_REQUEST"}
    missing = await auth.post("/api/auth/revoke-session", json={})
    assert missing.status_code == 400
    assert missing.json()["code"] == "VALIDATION_ERROR"
    create = await auth.post("/api/auth/organization/create", json={"name": "No Slug"})
    assert create.status_code == 400
    assert create.json()["code"] == "VALIDATION_ERROR"


async def test_the_issue_example_answers_401_with_an_empty_body(world: World) -> None:
    """``POST /api/auth/organization/create`` signed out with an incomplete body."""
    response = await world.anonymous.post("/api/auth/organization/create", json={"name": "X"})
    assert response.status_code == 401
    assert response.content == b""
    revoke = await world.anonymous.post("/api/auth/revoke-session", json={})
    assert revoke.status_code == 401
    assert revoke.json() == UNAUTHORIZED


async def test_a_guard_parameter_that_is_no_id_comes_after_authentication(world: World) -> None:
    """An ``orgId`` query too long to be an id keeps the guard from running at all: signed
    out, the answer is still 401; signed in, the request names no organization (422)."""
    url = "/api/v1/applicants/bulk?orgId=" + "x" * 65
    for arguments in ({"json": {"applicantIds": ["a"], "action": "reject"}}, BODIES[0][1]):
        signed_out = await world.anonymous.post(url, **arguments)
        assert signed_out.status_code == 401, signed_out.text
        assert signed_out.json()["error"] is True
        signed_in = await world.api("owner").post(url, **arguments)
        assert signed_in.status_code in {400, 422}, signed_in.text
