"""The whole app in this process, on a benchmark database, for server-side timings: requests go
through routing, middleware, guard, queries and templates over an ASGI transport (no network),
and actions can be called directly on a session of the same database."""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from wegotwork.db import Database, create_engine
from wegotwork.identity.sessions import create_session
from wegotwork.models import User
from wegotwork.settings import Environment, Settings

SECRET = "bench-inprocess-secret-bench-inprocess"
BASE_URL = "http://127.0.0.1:8000"


def is_quick(config: object) -> bool:
    """Whether the run is a ``--quick`` one (the configuration has a single repetition then)."""
    return bool(getattr(config, "quick", getattr(config, "repetitions", 3) == 1))


@dataclass
class InProcess:
    database: Database
    client: httpx.AsyncClient

    async def bearer(self, email: str) -> dict[str, str]:
        """Headers signing requests in as the user with ``email`` (a new session)."""
        async with self.database.sessionmaker() as db:
            user = (await db.execute(select(User).where(User.email == email))).scalar_one()
            session = await create_session(db, user)
            await db.commit()
        return {"authorization": f"Bearer {session.token}"}


@asynccontextmanager
async def app_on(url: str, *, pool_size: int = 4) -> AsyncIterator[InProcess]:
    """The app (production settings, no background jobs, no rate limit) on the database at
    ``url``, with a client that reaches it in-process."""
    from wegotwork.app import create_app

    database = Database(create_engine(url, pool_size=pool_size))
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(
                env=Environment.PRODUCTION,
                secret=SECRET,
                database_url=url,
                data_dir=data_dir,
                base_url=BASE_URL,
                rate_limit=False,
                log_level="WARNING",
            )
            logging.disable(logging.INFO)
            app = create_app(settings, database=database, background=False)
            transport = httpx.ASGITransport(app=app)
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
            ):
                logging.disable(logging.INFO)  # the start-up configured logging again
                yield InProcess(database, client)
    finally:
        await database.dispose()


async def timed(call: Callable[[], Awaitable[object]], calls: int, warmup: int = 3) -> list[float]:
    """Milliseconds of each of ``calls`` awaits of ``call`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else 0.0


@contextmanager
def database_named(suffix: str) -> Iterator[str]:
    """``BENCH_DATABASE`` set, while inside, to a database of its own for a benchmark that
    creates (and drops) one by that variable: the main benchmark database's name plus
    ``_suffix``, so the generated data is never the one dropped."""
    base = os.environ.get("BENCH_DATABASE", "wegotwork_bench")
    before = os.environ.get("BENCH_DATABASE")
    name = f"{base}_{suffix}"
    os.environ["BENCH_DATABASE"] = name
    try:
        yield name
    finally:
        if before is None:
            os.environ.pop("BENCH_DATABASE", None)
        else:
            os.environ["BENCH_DATABASE"] = before


async def drop_database(server: str, name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
