"""Races decided by the database: two people creating the same address at the same moment get
one 201 and one 409, never a 500; two owners stepping down at once never leave an organization
without an owner — on real connections with real commits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests import factories
from tests.fixtures.app import BASE_URL, make_settings
from tests.fixtures.database import FreshDatabase
from wegotwork.app import create_app
from wegotwork.deps import Services
from wegotwork.models import Member, Organization, Role


@dataclass
class Committed:
    services: Services
    clients: list[httpx.AsyncClient]
    user_ids: list[str]


@pytest.fixture
async def committed(
    fresh_databases: FreshDatabase, dialect: str, tmp_path: Path
) -> AsyncIterator[Committed]:
    """The app on its own migrated database (a pool of connections, real commits) and two
    signed-in API clients."""
    url = await fresh_databases.create_migrated(dialect)
    app = create_app(make_settings(tmp_path, database_url=url), background=False)
    services: Services = app.state.services
    clients: list[httpx.AsyncClient] = []
    try:
        async with services.db.sessionmaker() as session:
            tokens, user_ids = [], []
            for _ in range(2):
                user = await factories.make_user(session)
                user_ids.append(user.id)
                tokens.append((await factories.make_session(session, user)).token)
            await session.commit()
        for token in tokens:
            clients.append(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url=BASE_URL,
                    headers={"authorization": f"Bearer {token}"},
                )
            )
        yield Committed(services, clients, user_ids)
    finally:
        for client in clients:
            await client.aclose()
        await services.db.dispose()


async def test_simultaneous_creation_of_one_slug_gives_one_201_and_one_409(
    committed: Committed,
) -> None:
    for attempt in range(5):
        slug = f"race-{attempt}"
        responses = await asyncio.gather(
            *(
                client.post("/api/v1/organizations", json={"name": f"Racer {n}", "slug": slug})
                for n, client in enumerate(committed.clients)
            )
        )
        assert sorted(response.status_code for response in responses) == [201, 409], [
            response.text for response in responses
        ]
        lost = next(response for response in responses if response.status_code == 409)
        assert lost.json()["error"] is True
        assert lost.json()["fieldErrors"]["slug"]

    async with committed.services.db.sessionmaker() as session:
        slugs = (await session.execute(select(Organization.slug))).scalars().all()
        assert sorted(slugs) == [f"race-{n}" for n in range(5)]
        owners = await session.scalar(
            select(func.count()).select_from(Member).where(Member.role == Role.OWNER)
        )
        assert owners == 5, "each organization has exactly its creator as owner"


async def test_two_owners_stepping_down_at_once_never_leave_the_organization_ownerless(
    committed: Committed,
) -> None:
    first, second = committed.clients
    created = await first.post("/api/v1/organizations", json={"name": "Duo", "slug": "duo"})
    org_id = created.json()["organization"]["id"]
    async with committed.services.db.sessionmaker() as session:
        session.add(Member(organization_id=org_id, user_id=committed.user_ids[1], role=Role.OWNER))
        await session.commit()
        rows = (await session.execute(select(Member.user_id, Member.id))).all()
        member_ids: dict[str, str] = dict(rows)  # type: ignore[arg-type]
    first_member, second_member = (member_ids[user] for user in committed.user_ids)
    members = f"/api/v1/organizations/{org_id}/members"

    # Each owner demotes the other at the same moment: the second to act is no owner any more.
    responses = await asyncio.gather(
        first.patch(f"{members}/{second_member}", json={"role": "admin"}),
        second.patch(f"{members}/{first_member}", json={"role": "admin"}),
    )
    assert sorted(response.status_code for response in responses) == [200, 403]
    # Both try to leave at once: the one who is still owner is the last and must stay.
    responses = await asyncio.gather(
        first.post(f"/api/v1/organizations/{org_id}/leave"),
        second.post(f"/api/v1/organizations/{org_id}/leave"),
    )
    assert sorted(response.status_code for response in responses) == [200, 409]
    async with committed.services.db.sessionmaker() as session:
        roles = (
            (await session.execute(select(Member.role).where(Member.organization_id == org_id)))
            .scalars()
            .all()
        )
        assert roles == [Role.OWNER]
