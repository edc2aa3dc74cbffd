"""A database that goes away (restart, failover, connection killed mid-query) gives clean 503s
with Retry-After, and the pool recovers by itself: no broken connection is handed out again."""

from __future__ import annotations

from types import SimpleNamespace

import asyncpg
import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.fixtures.database import FreshDatabase
from wegotwork.db import Database, create_engine, is_unavailable
from wegotwork.deps import get_db
from wegotwork.web import errors


def app_raising(exc: Exception) -> FastAPI:
    app = FastAPI()
    errors.install(app)

    @app.get("/api/v1/boom")
    async def boom() -> None:
        raise exc

    return app


async def status_of(exc: Exception) -> httpx.Response:
    transport = httpx.ASGITransport(app=app_raising(exc), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/api/v1/boom")


async def test_a_connection_killed_mid_session_is_a_503_and_is_not_reused(
    fresh_databases: FreshDatabase,
) -> None:
    url = await fresh_databases.create_migrated("postgresql")
    engine = create_engine(url, pool_size=1)
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with engine.connect() as connection:
            pid = (await connection.execute(text("select pg_backend_pid()"))).scalar_one()
            await admin.execute("select pg_terminate_backend($1)", pid)
            with pytest.raises(DBAPIError) as caught:
                await connection.execute(text("select 1"))
        assert is_unavailable(caught.value)
        assert caught.value.connection_invalidated
        response = await status_of(caught.value)
        assert response.status_code == 503
        assert response.headers["retry-after"]
        assert response.json()["error"] is True
        # The pool hands out a working connection at once.
        async with engine.connect() as connection:
            assert (await connection.execute(text("select 1"))).scalar_one() == 1
    finally:
        await admin.close()
        await engine.dispose()


@pytest.mark.parametrize(
    "orig",
    [
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
    ],
    ids=lambda error: type(error).__name__,
)
async def test_server_shutting_down_or_starting_up_is_a_503(orig: Exception) -> None:
    exc = DBAPIError("select 1", {}, orig)
    assert is_unavailable(exc)
    response = await status_of(exc)
    assert response.status_code == 503
    assert response.headers["retry-after"]


async def test_a_connection_left_mid_operation_on_the_direct_read_path_is_a_503() -> None:
    """The hot reads use asyncpg directly; a pooled connection that a restart left
    mid-operation raised InternalClientError, which was a 500."""
    exc = asyncpg.exceptions.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    )
    assert is_unavailable(exc)
    response = await status_of(exc)
    assert response.status_code == 503
    assert response.headers["retry-after"]


async def test_other_database_errors_stay_500() -> None:
    exc = IntegrityError("insert", {}, Exception("duplicate key"))
    assert not is_unavailable(exc)
    response = await status_of(exc)
    assert response.status_code == 500
    assert response.json() == {"error": True, "message": "Internal Server Error"}


async def test_a_connection_lost_after_the_response_does_not_break_the_request(
    fresh_databases: FreshDatabase,
) -> None:
    """The request's session is closed after the response went out; a restart in between
    made that close fail, which cut the finished response's connection."""
    url = await fresh_databases.create_migrated("postgresql")
    engine = create_engine(url, pool_size=1)
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    app = FastAPI()
    app.state.services = SimpleNamespace(db=Database(engine))
    request = Request({"type": "http", "app": app, "headers": []})
    try:
        session_of_request = get_db(request)
        session = await anext(session_of_request)
        pid = (await session.execute(text("select pg_backend_pid()"))).scalar_one()
        await admin.execute("select pg_terminate_backend($1)", pid)
        with pytest.raises(StopAsyncIteration):
            await anext(session_of_request)  # the route returned: the session closes quietly
        async with engine.connect() as connection:
            assert (await connection.execute(text("select 1"))).scalar_one() == 1
    finally:
        await admin.close()
        await engine.dispose()
