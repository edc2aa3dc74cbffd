"""Helpers for the authentication tests: browsers that sign up and in through /api/auth."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.auth.oidc_provider import OidcProvider, running_provider
from tests.fixtures.app import BASE_URL, ClientMaker

PASSWORD = "a long enough password"


class Browser:
    """An httpx client that keeps cookies and sends this site's Origin, like a browser."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    def __getattr__(self, name: str) -> object:
        return getattr(self.client, name)

    async def sign_up(
        self, email: str, password: str = PASSWORD, name: str = "Ada Lovelace", **extra: object
    ) -> httpx.Response:
        return await self.client.post(
            "/api/auth/sign-up/email",
            json={"name": name, "email": email, "password": password, **extra},
        )

    async def sign_in(
        self,
        email: str,
        password: str = PASSWORD,
        headers: dict[str, str] | None = None,
        **extra: object,
    ) -> httpx.Response:
        return await self.client.post(
            "/api/auth/sign-in/email",
            json={"email": email, "password": password, **extra},
            headers=headers,
        )

    async def session(self, **params: str) -> object:
        response = await self.client.get("/api/auth/get-session", params=params)
        assert response.status_code == 200
        return response.json()

    def cookie(self, name: str) -> str | None:
        for cookie in self.client.cookies.jar:
            if cookie.name == f"better-auth.{name}":
                return cookie.value
        return None


@pytest.fixture
def browser_maker(clients: ClientMaker) -> object:
    def make(origin: str | None = BASE_URL) -> Browser:
        return Browser(clients.browser(origin=origin))

    return make


@pytest.fixture
def ada(browser_maker) -> Browser:  # type: ignore[no-untyped-def]
    """A visitor's browser (not signed in yet)."""
    result: Browser = browser_maker()
    return result


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """``Set-Cookie`` lines of a response, by cookie name."""
    lines = response.headers.get_list("set-cookie")
    return {line.split("=", 1)[0]: line for line in lines}


@pytest.fixture(scope="module")
def oidc() -> Iterator[OidcProvider]:
    """The local OpenID Connect provider (``oidc_provider.py``), one per test module."""
    with running_provider() as provider:
        yield provider
