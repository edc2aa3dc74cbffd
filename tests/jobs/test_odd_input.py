"""Odd input (NUL bytes, ids that cannot exist) is refused or cleaned, never a server error."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.fixtures.world import World

pytestmark = pytest.mark.usefixtures("dialect")

ODD_IDS = ["%00", "a%00b", "x" * 300, "..%2F..", "%E2%80%AE"]


async def test_ids_that_cannot_exist_are_not_found(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    job = await factories.make_job(db, world.org)
    await db.commit()
    api = world.api("member")
    categories = f"/api/v1/organizations/{world.org.id}/categories"
    for odd in ODD_IDS:
        assert (await api.get(f"/api/v1/jobs/{odd}")).status_code == 404
        assert (await api.patch(f"/api/v1/jobs/{odd}", json={"title": "X"})).status_code == 404
        assert (await api.delete(f"{categories}/{odd}")).status_code == 404
        assert (await client.get(f"/careers/{odd}")).status_code == 404
        assert (await client.get(f"/careers/{world.org.slug}/jobs/{odd}")).status_code == 404
        assert (await client.get(f"/api/v1/public/jobs/{odd}")).status_code == 404
        assert (await client.get(f"/api/v1/public/organizations/{odd}")).status_code == 404
    patched = await api.patch(f"/api/v1/jobs/{job.id}", json={"categoryId": "bad\x00id"})
    assert patched.status_code == 404


async def test_nul_characters_are_dropped_from_text(
    db: AsyncSession, world: World, client: httpx.AsyncClient
) -> None:
    api = world.api("member")

    job = await api.post(
        f"/api/v1/organizations/{world.org.id}/jobs",
        json={"title": "Back\x00end", "city": "Ber\x00lin", "description": "a\x00b"},
    )
    category = await api.post(
        f"/api/v1/organizations/{world.org.id}/categories", json={"name": "De\x00sign"}
    )
    listed = await api.get(
        f"/api/v1/organizations/{world.org.id}/jobs", params={"q": "\x00", "categoryId": "\x00"}
    )
    searched = await client.get(f"/careers/{world.org.slug}", params={"q": "a\x00b"})

    assert job.status_code == 201
    assert job.json()["job"]["title"] == "Backend"
    assert job.json()["job"]["city"] == "Berlin"
    assert job.json()["job"]["description"] == "ab"
    assert category.json()["category"]["name"] == "Design"
    assert listed.status_code == 200
    assert searched.status_code == 200
