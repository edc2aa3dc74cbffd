"""Applying through the HTML form (no JavaScript needed): success lands on the confirmation
page; a refusal shows the job page again with each error next to its field and what was typed
kept, except the file."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.applicants.helpers import Upload, apply, candidate, pdf_bytes, png_bytes
from tests.fixtures.world import World
from wegotwork.applicants import public
from wegotwork.models import Applicant, Job


@pytest.fixture
def job_page(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What the apply route asks the careers site to render (the careers site draws it)."""
    calls: list[dict[str, Any]] = []

    async def render(*args: Any, **kwargs: Any) -> HTMLResponse:
        calls.append({"slug": args[3], "job_id": args[4], **kwargs})
        return HTMLResponse("job page", status_code=kwargs["status_code"])

    monkeypatch.setattr(public, "_render_job_page", render)
    return calls


def form_url(world: World, job: Job) -> str:
    return f"/careers/{world.org.slug}/jobs/{job.id}/apply"


async def test_invalid_fields_show_the_job_page_again_with_what_was_typed(
    client: httpx.AsyncClient, world: World, job: Job, job_page: list[dict[str, Any]]
) -> None:
    fields = candidate(name="Ada", email="ada-at-example", website="")
    response = await apply(client, job.id, fields, url=form_url(world, job))
    assert response.status_code == 422
    [call] = job_page
    assert call["slug"] == world.org.slug
    assert call["job_id"] == job.id
    assert call["status_code"] == 422
    assert call["form_errors"] == {"email": ["Enter a valid email address, like name@example.com"]}
    assert call["form_values"]["name"] == "Ada"
    assert call["form_values"]["email"] == "ada-at-example"
    assert "website" not in call["form_values"]
    assert "resume" not in call["form_values"]


async def test_a_wrong_file_is_reported_next_to_the_file_field(
    client: httpx.AsyncClient,
    db: AsyncSession,
    world: World,
    job: Job,
    job_page: list[dict[str, Any]],
) -> None:
    response = await apply(
        client, job.id, resume=Upload("cv.pdf", png_bytes()), url=form_url(world, job)
    )
    assert response.status_code == 415
    assert job_page[0]["form_errors"] == {"resume": ["The résumé must be a PDF, DOC or DOCX file"]}
    assert job_page[0]["form_values"]["name"] == "Ada Lovelace"
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 0


async def test_applying_twice_says_so_kindly_at_the_top_of_the_form(
    client: httpx.AsyncClient, world: World, job: Job, job_page: list[dict[str, Any]]
) -> None:
    fields = candidate(email="twice@example.com")
    first = await apply(
        client, job.id, fields, Upload("cv.pdf", pdf_bytes()), url=form_url(world, job)
    )
    assert first.status_code == 303
    again = await apply(
        client, job.id, fields, Upload("cv.pdf", pdf_bytes()), url=form_url(world, job)
    )
    assert again.status_code == 409
    assert job_page[0]["form_errors"] == {
        "__all__": [
            "You have already applied for this job with this email address. "
            "Thank you, the team will be in touch."
        ]
    }


async def test_the_honeypot_lands_on_the_confirmation_like_anyone_else(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job
) -> None:
    response = await apply(
        client, job.id, candidate(website="http://spam"), url=form_url(world, job)
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("/applied")
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 0
