"""A search inside one job asks PostgreSQL's planner whether the term is rare (to pick the
job's search keys) once per job and term, and only for a job of the caller's organization."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tests import factories
from tests.fixtures.world import World
from wegotwork.applicants.search_plan import Lru
from wegotwork.models import Job


class Estimates:
    """The planner estimates (EXPLAIN statements) sent on a connection."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection.sync_connection
        self.asked: list[Any] = []

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("EXPLAIN"):
            self.asked.append(parameters)

    def __enter__(self) -> Estimates:
        event.listen(self.connection, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.connection, "before_cursor_execute", self._record)


async def test_the_estimate_is_asked_once_per_job_and_term(
    db: AsyncSession, world: World, job: Job, connection: AsyncConnection, dialect: str
) -> None:
    await factories.make_applicant(db, job, name="Ada Lovelace")
    await factories.make_applicant(db, job, name="Grace Hopper")
    await db.commit()
    api = world.api("member")
    with Estimates(connection) as estimates:
        # The same term, however it is typed, and its next pages: one estimate.
        for q in ("Lovelace", " LOVELACE ", "lovelace"):
            response = await api.get(f"/api/v1/jobs/{job.id}/applicants", params={"q": q})
            assert response.status_code == 200, response.text
            assert [item["name"] for item in response.json()["applicants"]] == ["Ada Lovelace"]
        once = len(estimates.asked)
        # Another term is another estimate; a short one (no job keys) asks nothing.
        response = await api.get(f"/api/v1/jobs/{job.id}/applicants", params={"q": "hopper"})
        assert [item["name"] for item in response.json()["applicants"]] == ["Grace Hopper"]
        response = await api.get(f"/api/v1/jobs/{job.id}/applicants", params={"q": "ho"})
        assert [item["name"] for item in response.json()["applicants"]] == ["Grace Hopper"]
    expected = 1 if dialect == "postgresql" else 0  # SQLite has no job keys: it never asks
    assert once == expected
    assert len(estimates.asked) == 2 * expected


async def test_no_estimate_is_asked_for_another_organizations_job(
    db: AsyncSession, world: World, job: Job, connection: AsyncConnection
) -> None:
    await factories.make_applicant(db, job, name="Private Person")
    await db.commit()
    with Estimates(connection) as estimates:
        response = await world.api("outsider").get(
            f"/api/v1/organizations/{world.other_org.id}/applicants",
            params={"q": "private", "jobId": job.id},
        )
    assert response.status_code == 200
    assert response.json()["applicants"] == []
    assert estimates.asked == []


def test_the_cache_keeps_the_most_recently_used_entries() -> None:
    cache: Lru[str, bool] = Lru(2)
    cache.put("a", True)
    cache.put("b", False)
    assert cache.get("a") is True  # "a" is now the most recent
    cache.put("c", True)
    assert len(cache) == 2
    assert cache.get("b") is None
    assert cache.get("a") is True
    assert cache.get("c") is True
