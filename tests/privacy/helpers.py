"""Arranging privacy tests: an applicant of organization A with a stored résumé, a note (with a
mention) and a scorecard written by the team, rejected through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.clock import FrozenClock
from wegotwork.deps import Services
from wegotwork.models import Base, Session


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    email: str
    resume_key: str
    stage_id: str


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def candidate(
    db: AsyncSession, world: World, services: Services, *, name: str = "Grace Hopper"
) -> Candidate:
    job = await factories.make_job(db, world.org)
    key = f"resumes/{factories.unique('cv')}.pdf"
    await services.storage.save(key, _chunks(b"%PDF-1.4 resume"), "application/pdf")
    applicant = await factories.make_applicant(
        db, job, name=name, email=f"{factories.unique('grace')}@example.com", resume_key=key
    )
    await db.commit()
    assert applicant.stage_id is not None
    found = Candidate(applicant.id, applicant.name, applicant.email, key, applicant.stage_id)
    member = world.api("member")
    admin_name = world.users["admin"].name
    note = await member.post(
        f"/api/v1/applicants/{found.id}/notes",
        json={"body": f"Strong systems background, @{admin_name} please review"},
    )
    assert note.status_code == 201, note.text
    card = await member.put(
        f"/api/v1/applicants/{found.id}/scorecards/{found.stage_id}",
        json={"recommendation": "yes", "notes": "Clear thinker"},
    )
    assert card.status_code == 200, card.text
    return found


async def reject(world: World, applicant_id: str) -> None:
    moved = await world.api("member").patch(
        f"/api/v1/applicants/{applicant_id}", json={"status": "REJECTED"}
    )
    assert moved.status_code == 200, moved.text


async def traces(db: AsyncSession, *needles: str, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """How many rows of each table mention any of ``needles`` in any column (``skip``: tables
    allowed to keep an id, such as the audit trail)."""
    db.expire_all()
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name in skip:
            continue
        rows = (await db.execute(select(table))).all()
        hits = sum(
            1 for row in rows if any(needle in _text(value) for value in row for needle in needles)
        )
        if hits:
            found[table.name] = hits
    return found


def _text(value: Any) -> str:
    return str(value) if value is not None else ""


async def keep_signed_in(db: AsyncSession, clock: FrozenClock, delta: timedelta) -> None:
    """Move the clock by ``delta`` and keep every test session valid across it."""
    clock.advance(delta)
    await db.execute(
        update(Session).values(
            expires_at=clock.current + timedelta(days=7), updated_at=clock.current
        )
    )
    await db.commit()
