"""get-session against a database of its own, as a server process runs it: on PostgreSQL the
session row comes from the direct pool (Database.read), on SQLite from a session."""

from __future__ import annotations

from datetime import timedelta

import asyncpg  # type: ignore[import-untyped]

from tests import factories
from tests.fixtures.app import Deployment
from wegotwork.db import utcnow


async def terminate_other_connections(url: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()


async def test_get_session_reads_the_row_and_refuses_an_expired_one(
    dialect: str, deployment: Deployment
) -> None:
    async with deployment.sessions() as db:
        user = await factories.make_user(db, name="Dana Direct")
        live = await factories.make_session(db, user)
        expired = await factories.make_session(db, user)
        expired.expires_at = utcnow() - timedelta(minutes=1)
        await db.commit()
    async with deployment.serve(deployment.app()) as client:
        for _ in range(2):  # the second read reuses the prepared statement
            answer = await client.get(
                "/api/auth/get-session?disableCookieCache=true",
                headers={"authorization": f"Bearer {live.token}"},
            )
            assert answer.status_code == 200
            body = answer.json()
            assert body["user"]["name"] == "Dana Direct"
            assert body["session"]["id"] == live.id
        if dialect == "postgresql":
            # The server restarts (every connection of the pool is cut): the next read
            # replaces them and answers as if nothing happened.
            await terminate_other_connections(deployment.url)
            again = await client.get(
                "/api/auth/get-session?disableCookieCache=true",
                headers={"authorization": f"Bearer {live.token}"},
            )
            assert again.status_code == 200
            assert again.json()["user"]["name"] == "Dana Direct"
        gone = await client.get(
            "/api/auth/get-session", headers={"authorization": f"Bearer {expired.token}"}
        )
        assert gone.json() is None
        unknown = await client.get(
            "/api/auth/get-session", headers={"authorization": "Bearer no-such-token"}
        )
        assert unknown.json() is None
