"""With rate limits on (as in production), one status link asks for at most a few mailed links
an hour, "download my data" and "delete my data" together: a leaked status link cannot flood
the candidate's inbox."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.world import World
from tests.messages.helpers import arrange
from wegotwork.deps import Services
from wegotwork.messages.ratelimit import MAILS_PER_HOUR
from wegotwork.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("dialect")

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"rate_limit": True}


async def _mails(db: AsyncSession, address: str) -> int:
    db.expire_all()
    query = select(func.count()).select_from(OutboxMessage)
    return int(await db.scalar(query.where(OutboxMessage.to_address == address)) or 0)


async def test_a_status_link_asks_for_a_few_mails_an_hour(
    db: AsyncSession, world: World, services: Services
) -> None:
    place = await arrange(db, world, services.secret, count=2)
    first, second = place.tokens
    for number in range(MAILS_PER_HOUR):
        action = "export" if number % 2 == 0 else "delete"
        asked = await world.anonymous.post(f"/status/{first}/{action}", headers=ORIGIN)
        assert asked.status_code == 303, asked.text
    assert await _mails(db, place.emails[0]) == MAILS_PER_HOUR
    refused = await world.anonymous.post(f"/status/{first}/export", headers=ORIGIN)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Please use the newest one" in refused.text
    assert await _mails(db, place.emails[0]) == MAILS_PER_HOUR
    # The page itself and another candidate's link are not affected.
    assert (await world.anonymous.get(f"/status/{first}")).status_code == 200
    other = await world.anonymous.post(f"/status/{second}/export", headers=ORIGIN)
    assert other.status_code == 303
    assert await _mails(db, place.emails[1]) == 1
