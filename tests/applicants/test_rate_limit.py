"""The per-IP limit on applications: generous for people, then 429 with Retry-After."""

from __future__ import annotations

import httpx
import pytest

from tests.applicants.helpers import apply, candidate
from wegotwork.applicants.ratelimit import APPLICATIONS_PER_HOUR
from wegotwork.models import Job


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
