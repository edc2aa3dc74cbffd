"""Two server processes on one PostgreSQL database and one Redis, as a multi-instance deployment
runs behind a load balancer: a rate limit counts across both, a job published through one is
on the other's careers page at the next request, and a session revoked through one is refused
by the other wherever the database is asked (state changes; reads without the cookie cache)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.database import FreshDatabase, require_postgres
from tests.fixtures.live import LiveServer, start_server, stop_server

pytestmark = pytest.mark.slow

PASSWORD = "a long enough password"


@pytest.fixture
async def instances(
    tmp_path: Path, fresh_databases: FreshDatabase, redis_url: str
) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    require_postgres()
    database_url = await fresh_databases.create_migrated("postgresql")
    shared = {
        "WEGOTWORK_RATE_LIMIT": "on",
        "WEGOTWORK_RATE_LIMIT_STORAGE": redis_url,
        # One deployment: one secret (its own Redis keys), both origins trusted.
        "WEGOTWORK_SECRET": f"two-instances-{secrets.token_hex(16)}",
        "WEGOTWORK_TRUSTED_ORIGINS": "http://127.0.0.1:*",
    }
    first = start_server(database_url, tmp_path / "one", env=shared)
    try:
        second = start_server(database_url, tmp_path / "two", env=shared)
        try:
            yield first, second
        finally:
            stop_server(second)
    finally:
        stop_server(first)


async def test_two_instances_share_one_database_and_redis(
    instances: tuple[LiveServer, LiveServer],
) -> None:
    one, two = instances
    origin = {"origin": one.url}
    async with httpx.AsyncClient(timeout=20) as http:
        signed_up = await http.post(
            f"{one.url}/api/auth/sign-up/email",
            json={"name": "Ada", "email": "ada@example.com", "password": PASSWORD},
        )
        assert signed_up.status_code == 200, one.logs()[-2000:]
        bearer = {"authorization": f"Bearer {signed_up.json()['token']}"}
        http.cookies.clear()  # the calls below say which credentials they carry

        # A rate limit counts across both: three failures, alternating, lock the fourth out.
        caller = {"x-forwarded-for": "203.0.113.77"}
        statuses = [
            (
                await http.post(
                    f"{server.url}/api/auth/sign-in/email",
                    json={"email": "ada@example.com", "password": "wrong password!"},
                    headers=caller,
                )
            ).status_code
            for server in (one, two, one)
        ]
        refused = await http.post(
            f"{two.url}/api/auth/sign-in/email",
            json={"email": "ada@example.com", "password": PASSWORD},
            headers=caller,
        )
        assert [*statuses, refused.status_code] == [401, 401, 401, 429]

        # Published through one, on the other's careers page at the next request.
        slug = f"acme-{secrets.token_hex(3)}"
        created = await http.post(
            f"{one.url}/api/v1/organizations",
            json={"name": "Acme", "slug": slug},
            headers=bearer,
        )
        assert created.status_code == 201, created.text
        org_id = created.json()["organization"]["id"]
        before = await http.get(f"{two.url}/careers/{slug}")
        assert before.status_code == 200
        assert "Lighthouse keeper" not in before.text  # now in the second one's render cache
        job = await http.post(
            f"{one.url}/api/v1/organizations/{org_id}/jobs",
            json={"title": "Lighthouse keeper", "status": "published"},
            headers=bearer,
        )
        assert job.status_code == 201, job.text
        after = await http.get(f"{two.url}/careers/{slug}")
        assert "Lighthouse keeper" in after.text

        # A session revoked through one is refused by the other wherever the database is asked.
        signed_in = await http.post(
            f"{two.url}/api/auth/sign-in/email",
            json={"email": "ada@example.com", "password": PASSWORD},
        )
        assert signed_in.status_code == 200
        http.cookies.clear()
        cookies = "; ".join(
            line.split(";", 1)[0] for line in signed_in.headers.get_list("set-cookie")
        )
        browser = {"cookie": cookies, **origin}
        seen = await http.get(f"{one.url}/api/auth/get-session", headers=browser)
        assert seen.json()["user"]["email"] == "ada@example.com"
        revoked = await http.post(
            f"{one.url}/api/auth/revoke-session",
            json={"token": signed_in.json()["token"]},
            headers=bearer,
        )
        assert revoked.json() == {"status": True}
        change = await http.post(
            f"{two.url}/api/auth/update-user", json={"name": "Mallory"}, headers=browser
        )
        assert change.status_code == 401
        fresh = await http.get(
            f"{two.url}/api/auth/get-session?disableCookieCache=true", headers=browser
        )
        assert fresh.json() is None
