"""Rate limits shared through the real Redis server: atomic counts across processes, the same
counters seen by two app instances, and what happens while Redis is down (each process limits
on its own count until Redis is back)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import redis
from fastapi import FastAPI

from tests.auth.conftest import PASSWORD
from tests.fixtures.app import BASE_URL
from tests.fixtures.mail import free_port
from wegotwork.app import create_app
from wegotwork.applicants.ratelimit import APPLICATIONS_PER_HOUR, limiter_for
from wegotwork.auth.ratelimit import RedisStore, Rule
from wegotwork.db import Database
from wegotwork.deps import Services
from wegotwork.errors import RateLimited
from wegotwork.settings import Settings

pytestmark = pytest.mark.usefixtures("dialect")


@pytest.fixture
def settings_overrides(redis_url: str) -> dict[str, object]:
    # A secret of its own: the counters' keys are this deployment's alone.
    return {
        "rate_limit": True,
        "rate_limit_storage": redis_url,
        "secret": f"redis-test-{secrets.token_hex(16)}",
    }


def _prefix() -> str:
    return f"wegotwork-test:{secrets.token_hex(6)}:"


async def test_counts_are_atomic_across_processes(redis_url: str) -> None:
    prefix = _prefix()
    # Two stores are two processes' connections to the same counters.
    first = RedisStore(redis_url, prefix=prefix)
    second = RedisStore(redis_url, prefix=prefix)
    rule = Rule(10, 20)
    answers = await asyncio.gather(
        *(
            (first if number % 2 else second).consume("203.0.113.5|/api/auth/sign-in/email", rule)
            for number in range(60)
        )
    )
    assert answers.count(None) == 20
    assert all(wait is not None and 1 <= wait <= 10 for wait in answers if wait is not None)
    client = redis.Redis.from_url(redis_url)
    key = f"{prefix}10:203.0.113.5|/api/auth/sign-in/email"
    assert int(client.get(key) or 0) == 60
    assert 0 < client.ttl(key) <= 10
    client.delete(key)
    client.close()


async def test_two_app_instances_share_the_counters(
    app: FastAPI, settings: Settings, database: Database
) -> None:
    other = create_app(settings, database=database, background=False)
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=instance), base_url=BASE_URL)
        for instance in (app, other)
    ]
    try:
        statuses = []
        for attempt in range(4):
            response = await clients[attempt % 2].post(
                "/api/auth/sign-in/email",
                json={"email": "nobody@example.com", "password": PASSWORD},
            )
            statuses.append(response.status_code)
        assert statuses == [401, 401, 401, 429]
        assert 1 <= int(response.headers["x-retry-after"]) <= 10
    finally:
        for client in clients:
            await client.aclose()


async def test_applications_are_counted_in_redis_too(services: Services) -> None:
    limiter = limiter_for(services)
    assert limiter is not None
    for _ in range(APPLICATIONS_PER_HOUR):
        await limiter.hit("198.51.100.9")
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("198.51.100.9")
    assert 0 < refused.value.retry_after <= 3600


@pytest.fixture
def spare_port() -> int:
    """A loopback port where no Redis listens (yet)."""
    return free_port()


async def test_while_redis_is_down_each_process_limits_on_its_own(
    spare_port: int, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    url = f"redis://127.0.0.1:{spare_port}/0"  # nothing listens there yet
    store = RedisStore(url, prefix=_prefix(), retry_seconds=0)
    rule = Rule(10, 3)
    with caplog.at_level(logging.WARNING, logger="wegotwork.ratelimit"):
        answers = [await store.consume("a|/api/auth/sign-in/email", rule) for _ in range(4)]
    assert answers[:3] == [None, None, None]
    assert answers[3] is not None  # still limited, by this process's own count
    warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1  # said once, not per request

    # Redis comes back: counting moves to it.
    server_binary = shutil.which("redis-server")
    if server_binary is None:
        pytest.skip("redis-server is not installed: cannot show the recovery")
    server = subprocess.Popen(
        [
            server_binary,
            "--port",
            str(spare_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
        assert await store.consume("b|/api/auth/sign-in/email", rule) is None
        assert int(client.get(f"{store.prefix}10:b|/api/auth/sign-in/email") or 0) == 1
        client.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


async def test_the_app_answers_while_redis_is_down(
    settings: Settings, database: Database, spare_port: int
) -> None:
    down = settings.model_copy(update={"rate_limit_storage": f"redis://127.0.0.1:{spare_port}/0"})
    app = create_app(down, database=database, background=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL
    ) as client:
        statuses = [
            (
                await client.post(
                    "/api/auth/sign-in/email",
                    json={"email": "nobody@example.com", "password": PASSWORD},
                )
            ).status_code
            for _ in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
        assert (await client.get("/api/auth/ok")).status_code == 200
