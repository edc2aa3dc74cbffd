"""Personal data is never kept by a shared cache: every signed-in page and API answer that is
not public carries ``Cache-Control: private, no-store``, and every page that answers htmx
differently says ``Vary: HX-Request``. Walks every GET route of the router as the owner of
organization A (a new route is covered without being listed here)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.fixtures.world import World
from tests.routes import endpoints
from tests.security.targets import Targets, call, client_for
from tests.security.test_authorization_matrix import TABLE

# Answers that are the same for everyone (their caching is the careers cache's business).
PUBLIC_PREFIXES = (
    "/careers/",
    "/jobs/",
    "/api/v1/public/",
    "/api/auth/ok",
    "/api/auth/error",
    "/api/auth/reset-password/",
    "/api/auth/verify-email",
    "/api/auth/callback/",
    "/static/",
)
PUBLIC_PATHS = {
    "/",
    "/healthz",
    "/readyz",
    "/robots.txt",
    "/sitemap.xml",
    "/openapi.json",
    "/docs",
    "/sign-in",
    "/sign-up",
    "/forgot-password",
    "/reset-password",
}


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def directives(response: httpx.Response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("cache-control", "").split(",")}


def no_store(response: httpx.Response) -> bool:
    """Nothing may store it: ``no-store`` (get-session's Better Auth header, and the invitation
    page's) or ``private, no-store``, the default."""
    return "no-store" in directives(response)


def varies_on_htmx(response: httpx.Response) -> bool:
    vary = response.headers.get("vary", "")
    return "hx-request" in {part.strip().lower() for part in vary.split(",")}


async def test_every_private_answer_is_private_and_no_store(
    app: FastAPI, world: World, targets: Targets
) -> None:
    wrong: list[str] = []
    checked = 0
    for method, path in endpoints(app):
        if method != "GET" or is_public(path):
            continue
        client = client_for(world, "owner", path)
        response = await call(client, method, path, TABLE[f"{method} {path}"], targets)
        if response.status_code >= 500:
            wrong.append(f"{path}: {response.status_code}")
            continue
        checked += 1
        private = path.startswith(("/dashboard", "/account", "/api/v1/organizations"))
        if not no_store(response) or (private and "private" not in directives(response)):
            wrong.append(f"{path}: Cache-Control {response.headers.get('cache-control')!r}")
    assert checked > 20
    assert wrong == []


async def test_list_sessions_and_get_session_are_not_stored(world: World) -> None:
    browser = world.browser("owner")
    for path in ("/api/auth/list-sessions", "/api/auth/get-session"):
        response = await browser.get(path)
        assert response.status_code == 200
        assert "no-store" in response.headers["cache-control"], path
    listed = await browser.get("/api/auth/list-sessions")
    assert directives(listed) == {"private", "no-store"}


async def test_pages_that_answer_htmx_differently_say_so(
    app: FastAPI, world: World, targets: Targets
) -> None:
    wrong: list[str] = []
    differing = 0
    for method, path in endpoints(app):
        if method != "GET" or path.startswith(("/api/", "/static/")):
            continue
        client = client_for(world, "owner", path)
        cell = TABLE[f"{method} {path}"]
        plain = await call(client, method, path, cell, targets)
        if "text/html" not in plain.headers.get("content-type", ""):
            continue
        client.headers["hx-request"] = "true"
        fragment = await call(client, method, path, cell, targets)
        del client.headers["hx-request"]
        if plain.status_code != 200 or plain.content == fragment.content:
            continue
        differing += 1
        for kind, response in (("full page", plain), ("htmx", fragment)):
            if not varies_on_htmx(response):
                wrong.append(f"{path} ({kind}): Vary {response.headers.get('vary')!r}")
    assert differing > 0
    assert wrong == []
