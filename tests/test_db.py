"""Ids and time: opaque ids of Better Auth's shape, timezone-aware UTC everywhere."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from wegotwork.db import new_id


def test_ids_are_32_alphanumeric_characters() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9]{32}", value) for value in ids)


async def test_datetimes_round_trip_as_aware_utc(db: AsyncSession) -> None:
    user = await factories.make_user(db)
    session = await factories.make_session(db, user)
    plus_two = timezone(timedelta(hours=2))
    session.expires_at = datetime(2030, 1, 1, 14, 0, tzinfo=plus_two)
    await db.flush()
    await db.refresh(session)
    assert session.expires_at.tzinfo is not None
    assert session.expires_at == datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
