"""Applying on an organization's own careers host (``{slug}.{careers domain}``), where the job
page lives at ``/jobs/{id}``: the form posts to that host, refusals and the confirmation stay
there, and the browser's Origin (the careers host) is trusted."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.applicants.helpers import Upload, apply, candidate, png_bytes, stored_files
from tests.applicants.page_form import apply_form
from tests.fixtures.world import World
from wegotwork.models import Applicant, Job


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"careers_domain": "jobs.example.com"}


def on_host(client: httpx.AsyncClient, world: World) -> httpx.AsyncClient:
    """The candidate's browser on the careers host: its Host, its Origin, and a cookie of that
    host (so the request is checked like any cookie-carrying form post)."""
    host = f"{world.org.slug}.jobs.example.com"
    client.headers.update({"host": host, "origin": f"http://{host}"})
    client.cookies.set("seen-banner", "1")
    return client


async def test_a_candidate_applies_on_the_careers_host_and_stays_there(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    browser = on_host(client, world)
    page = await browser.get(f"/jobs/{job.id}")
    assert page.status_code == 200
    form = apply_form(page.text)
    assert form is not None
    assert form.action == f"/jobs/{job.id}/apply#apply"

    response = await apply(
        browser, job.id, candidate(email="ada@example.com"), url=form.action.split("#")[0]
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/jobs/{job.id}/applied"
    confirmation = await browser.get(response.headers["location"])
    assert confirmation.status_code == 200
    assert "Thank you, your application was sent" in confirmation.text
    assert 'href="/"' in confirmation.text  # "More jobs" on this host
    assert "/careers/" not in confirmation.text
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 1
    assert len(stored_files(files_root)) == 1


async def test_a_refusal_on_the_careers_host_shows_the_form_posting_to_the_same_host(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    browser = on_host(client, world)
    response = await apply(
        browser,
        job.id,
        candidate(name="Grace Hopper"),
        Upload("cv.pdf", png_bytes()),
        url=f"/jobs/{job.id}/apply",
    )
    assert response.status_code == 415
    form = apply_form(response.text)
    assert form is not None
    assert form.action == f"/jobs/{job.id}/apply#apply"
    assert form.field_errors == {"resume": "The résumé must be a PDF, DOC or DOCX file"}
    assert form.values["name"] == "Grace Hopper"
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 0
    assert stored_files(files_root) == []


async def test_another_organizations_host_does_not_take_this_jobs_applications(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    host = f"{world.other_org.slug}.jobs.example.com"
    client.headers.update({"host": host, "origin": f"http://{host}"})
    response = await apply(client, job.id, url=f"/jobs/{job.id}/apply")
    assert response.status_code == 404
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 0
    assert stored_files(files_root) == []
