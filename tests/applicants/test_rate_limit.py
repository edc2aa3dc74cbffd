"""The per-IP limit on applications: generous for people, then 429 with Retry-After, through
the API and through the form on the job page alike."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.applicants.helpers import apply, candidate, stored_files
from tests.applicants.page_form import apply_form
from tests.fixtures.world import World
from wegotwork.applicants.ratelimit import APPLICATIONS_PER_HOUR
from wegotwork.models import Applicant, Job


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"rate_limit": True}


async def test_a_script_is_stopped_after_many_attempts_with_retry_after(
    client: httpx.AsyncClient, job: Job
) -> None:
    assert APPLICATIONS_PER_HOUR >= 20, "people who fix a typo a few times must never see this"
    for attempt in range(APPLICATIONS_PER_HOUR):
        response = await apply(client, job.id, candidate(email=f"p{attempt}@example.com"))
        assert response.status_code == 201, (attempt, response.text)
    blocked = await apply(client, job.id, candidate(email="one-more@example.com"))
    assert blocked.status_code == 429
    assert blocked.json() == {
        "error": True,
        "message": "You have sent many applications in a short time. Please try again later.",
    }
    assert 0 < int(blocked.headers["retry-after"]) <= 3600


async def test_the_form_says_so_too_and_keeps_what_was_typed(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    form_url = f"/careers/{world.org.slug}/jobs/{job.id}/apply"
    for attempt in range(APPLICATIONS_PER_HOUR):
        response = await apply(client, job.id, candidate(email=f"p{attempt}@example.com"))
        assert response.status_code == 201, (attempt, response.text)
    kept = stored_files(files_root)

    blocked = await apply(client, job.id, candidate(name="Late Comer"), url=form_url)
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 3600
    form = apply_form(blocked.text)
    assert form is not None
    assert form.alerts == [
        "You have sent many applications in a short time. Please try again later."
    ]
    assert form.values["name"] == "Late Comer"
    assert await db.scalar(select(func.count()).select_from(Applicant)) == APPLICATIONS_PER_HOUR
    assert stored_files(files_root) == kept
