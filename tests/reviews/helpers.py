"""Arranging team review: an applicant of organization A, and a second plain member."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.models import Applicant, Role


@dataclass(frozen=True)
class Place:
    """Ids and names read before a test commits (committed rows expire)."""

    org_id: str
    slug: str
    applicant_id: str
    applicant_name: str
    stage_id: str
    emails: dict[str, str]
    names: dict[str, str]


async def arrange(db: AsyncSession, world: World) -> tuple[Place, Applicant]:
    job = await factories.make_job(db, world.org)
    applicant = await factories.make_applicant(db, job, name="Grace Hopper")
    await db.commit()
    assert applicant.stage_id is not None
    place = Place(
        org_id=world.org.id,
        slug=world.org.slug,
        applicant_id=applicant.id,
        applicant_name=applicant.name,
        stage_id=applicant.stage_id,
        emails={role: user.email for role, user in world.users.items()},
        names={role: user.name for role, user in world.users.items()},
    )
    return place, applicant


async def teammate(
    db: AsyncSession, world: World, name: str = "Second Member"
) -> httpx.AsyncClient:
    """A second member of organization A, signed in to the API."""
    user = await factories.make_user(db, name=name)
    await factories.add_member(db, world.org, user, Role.MEMBER)
    session = await factories.make_session(db, user)
    token = session.token
    await db.commit()
    return world.clients.bearer(token)
