"""Two server processes on one SQLite file, as `wegotwork serve --workers 2` runs them: many
applications at once are all stored (none refused with "database is locked"), and a change made
through one process is on the other's careers page at its very next request."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.applicants.helpers import Upload, candidate, multipart
from tests.fixtures.database import FreshDatabase
from tests.fixtures.live import LiveServer, start_server, stop_server
from wegotwork.seed import tiny_pdf

pytestmark = pytest.mark.slow

PASSWORD = "a long enough password"
CONCURRENT = 64


@pytest.fixture
async def processes(
    tmp_path: Path, fresh_databases: FreshDatabase
) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    database_url = await fresh_databases.create_migrated("sqlite")
    shared = {"WEGOTWORK_TRUSTED_ORIGINS": "http://127.0.0.1:*"}
    first = start_server(database_url, tmp_path / "one", env=shared)
    try:
        second = start_server(database_url, tmp_path / "two", env=shared)
        try:
            yield first, second
        finally:
            stop_server(second)
    finally:
        stop_server(first)


async def published_job(
    http: httpx.AsyncClient, server: LiveServer, title: str
) -> tuple[dict[str, str], str, str]:
    """Sign up, create an organization and publish a job through ``server``:
    (bearer header, careers slug, job id)."""
    signed_up = await http.post(
        f"{server.url}/api/auth/sign-up/email",
        json={
            "name": "Ada",
            "email": f"ada.{secrets.token_hex(3)}@example.com",
            "password": PASSWORD,
        },
    )
    assert signed_up.status_code == 200, server.logs()[-2000:]
    bearer = {"authorization": f"Bearer {signed_up.json()['token']}"}
    http.cookies.clear()
    slug = f"acme-{secrets.token_hex(3)}"
    created = await http.post(
        f"{server.url}/api/v1/organizations", json={"name": "Acme", "slug": slug}, headers=bearer
    )
    assert created.status_code == 201, created.text
    org_id = created.json()["organization"]["id"]
    job = await http.post(
        f"{server.url}/api/v1/organizations/{org_id}/jobs",
        json={"title": title, "status": "published"},
        headers=bearer,
    )
    assert job.status_code == 201, job.text
    return bearer, slug, job.json()["job"]["id"]


def sqlite_path(server: LiveServer) -> Path:
    return Path(server.database_url.removeprefix("sqlite+aiosqlite:///"))


async def test_concurrent_applications_through_two_processes_are_all_stored(
    processes: tuple[LiveServer, LiveServer],
) -> None:
    one, two = processes
    resume = tiny_pdf("Ada Lovelace")
    resume += b"%" + b"x" * (200 * 1024 - len(resume)) + b"\n"  # a 200 KB PDF
    limits = httpx.Limits(max_connections=CONCURRENT)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        _bearer, _slug, job_id = await published_job(http, one, "Analytical Engineer")

        async def apply(number: int) -> httpx.Response:
            server = (one, two)[number % 2]
            body, content_type = multipart(
                candidate(email=f"candidate.{number}@example.com"),
                {"resume": Upload("cv.pdf", resume)},
            )
            return await http.post(
                f"{server.url}/api/v1/public/jobs/{job_id}/applications",
                content=body,
                headers={"content-type": content_type},
            )

        responses = await asyncio.gather(*(apply(number) for number in range(CONCURRENT)))

    errors = [(r.status_code, r.text[:200]) for r in responses if r.status_code != 201]
    assert errors == []
    logs = one.logs() + two.logs()
    assert "database is locked" not in logs
    with sqlite3.connect(sqlite_path(one)) as connection:
        (rows,) = connection.execute(
            "SELECT count(*) FROM applicant WHERE job_id = ?", (job_id,)
        ).fetchone()
    assert rows == CONCURRENT


async def test_a_change_through_one_process_is_on_the_others_next_read(
    processes: tuple[LiveServer, LiveServer],
) -> None:
    one, two = processes
    async with httpx.AsyncClient(timeout=20) as http:
        bearer, slug, job_id = await published_job(http, one, "Lighthouse keeper")
        # The second process renders the page, keeps it, and answers from memory or with a 304.
        before = await http.get(f"{two.url}/careers/{slug}")
        assert before.status_code == 200
        assert "Lighthouse keeper" in before.text
        etag = before.headers["etag"]
        again = await http.get(f"{two.url}/careers/{slug}", headers={"if-none-match": etag})
        assert again.status_code == 304

        changed = await http.patch(
            f"{one.url}/api/v1/jobs/{job_id}", json={"title": "Harbour master"}, headers=bearer
        )
        assert changed.status_code == 200, changed.text

        after = await http.get(f"{two.url}/careers/{slug}", headers={"if-none-match": etag})
        assert after.status_code == 200
        assert "Harbour master" in after.text
        assert "Lighthouse keeper" not in after.text
        assert after.headers["etag"] != etag

        # And back through the other process: each sees the other's change at once.
        renamed = await http.patch(
            f"{two.url}/api/v1/jobs/{job_id}", json={"title": "Ferry pilot"}, headers=bearer
        )
        assert renamed.status_code == 200, renamed.text
        seen = await http.get(f"{one.url}/careers/{slug}")
        assert "Ferry pilot" in seen.text
