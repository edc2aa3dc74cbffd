"""The security tests' snapshot: it must see every request that changed a row (or the matrix's
"a refused request changed nothing" would pass for the wrong reason)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tests.fixtures.world import World
from tests.security.targets import Snapshot, writes
from wegotwork.models import User


async def test_the_snapshot_sees_writes_and_only_changes(
    db: AsyncSession, connection: AsyncConnection, world: World
) -> None:
    member = world.users["member"]
    snapshot = await Snapshot.take(db)
    await snapshot.watch()
    await db.execute(select(User))
    assert not await snapshot.changed(), "a read changed nothing"

    attempt = await connection.begin_nested()
    try:
        await db.execute(update(User).where(User.id == member.id).values(name="Someone Else"))
        assert await snapshot.changed(), "a changed row is seen"
    finally:
        await attempt.rollback()
    assert not await snapshot.changed(), "rolled back: every row is as it was"

    counted = await writes(db)
    attempt = await connection.begin_nested()
    try:
        # Every column set to itself (updated_at named, so that its onupdate does not apply).
        await db.execute(
            update(User)
            .where(User.id == member.id)
            .values(name=User.name, updated_at=User.updated_at)
        )
        assert await writes(db) == counted + 1, "a write of the same values is counted"
        assert not await snapshot.changed(), "and compared: nothing changed"
    finally:
        await attempt.rollback()


async def test_a_request_that_writes_is_seen(
    db: AsyncSession, connection: AsyncConnection, world: World
) -> None:
    snapshot = await Snapshot.take(db)
    attempt = await connection.begin_nested()
    await snapshot.watch()
    try:
        response = await world.browser("member").post(
            "/account/profile", data={"name": "Renamed Through The App"}
        )
        assert response.status_code == 303
        assert await snapshot.changed()
    finally:
        await attempt.rollback()
