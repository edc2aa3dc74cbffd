"""Application forms in HTML: the builder and the library (forms that redirect back), the public
job page rendering the questions from the schema, the render-time check, answers kept on a
refusal, and what reviewers see (answers, filters, CSV columns)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.applicants.helpers import Upload, pdf_bytes, stored_files
from tests.fixtures.world import World
from tests.forms.helpers import put_form, send
from wegotwork import clock
from wegotwork.forms.spam import render_token
from wegotwork.models import Applicant, Job, Question

pytestmark = pytest.mark.usefixtures("dialect")


def _apply_url(world: World, job_id: str) -> str:
    return f"/careers/{world.org.slug}/jobs/{job_id}/apply"


async def test_the_builder_adds_edits_moves_and_removes_questions(
    world: World, job: Job, db: AsyncSession
) -> None:
    job_id, slug = job.id, world.org.slug
    browser = world.browser("member")
    base = f"/dashboard/{slug}/jobs/{job_id}/form"
    page = await browser.get(base)
    assert page.status_code == 200
    assert "No questions yet" in page.text

    added = await browser.post(
        f"{base}/questions",
        data={"label": "Years of Python", "kind": "number", "min": "0", "knockoutMin": "2"},
    )
    assert added.status_code == 303
    second = await browser.post(
        f"{base}/questions",
        data={
            "label": "Work mode",
            "kind": "single_choice",
            "options": "Remote\nOffice",
            "required": "true",
            "saveToLibrary": "true",
        },
    )
    assert second.status_code == 303
    bad = await browser.post(
        f"{base}/questions", data={"label": "Pick", "kind": "single_choice", "options": ""}
    )
    assert bad.status_code == 303  # back to the builder with the message
    db.expire_all()
    questions = list(
        await db.scalars(
            select(Question).where(Question.job_id == job_id).order_by(Question.position)
        )
    )
    assert [(q.label, q.knockout) for q in questions] == [
        ("Years of Python", {"min": "2"}),
        ("Work mode", None),
    ]
    first_id, second_id = questions[0].id, questions[1].id

    moved = await browser.post(f"{base}/questions/{second_id}/move", data={"direction": "up"})
    assert moved.status_code == 303
    page = await browser.get(base)
    assert page.text.index("Work mode") < page.text.index("Years of Python")
    assert 'name="answers[' in page.text  # the preview renders from the schema

    reordered = await browser.post(f"{base}/order", data={"order": f"{first_id},{second_id}"})
    assert reordered.status_code == 303
    edited = await browser.post(
        f"{base}/questions/{first_id}",
        data={"label": "Years of Python experience", "kind": "number"},
    )
    assert edited.status_code == 303
    removed = await browser.post(f"{base}/questions/{second_id}/delete")
    assert removed.status_code == 303
    db.expire_all()
    left = list(await db.scalars(select(Question.label).where(Question.job_id == job_id)))
    assert left == ["Years of Python experience"]

    library = await browser.get(f"/dashboard/{slug}/questions")
    assert library.status_code == 200
    assert "Work mode" in library.text


async def test_the_job_page_renders_the_questions_and_consent_from_the_schema(
    world: World, job: Job
) -> None:
    job_id = job.id
    saved = await put_form(world.api("member"), job_id)
    await world.api("admin").put(
        f"/api/v1/organizations/{world.org.id}/privacy-notice",
        json={"privacyNoticeUrl": "https://example.com/privacy"},
    )
    page = await world.anonymous.get(f"/careers/{world.org.slug}/jobs/{job_id}")
    assert page.status_code == 200
    for question in saved:
        assert f'name="answers[{question["id"]}]"' in page.text
    assert 'name="consent"' in page.text
    assert "https://example.com/privacy" in page.text
    assert 'name="renderedAt"' in page.text


async def test_a_form_sent_too_fast_is_refused_and_a_person_is_not(
    world: World, job: Job, db: AsyncSession, files_root: Path
) -> None:
    job_id = job.id
    url = _apply_url(world, job_id)
    fresh = render_token("test-secret-0123456789-abcdefghijklmnopqrstuvwxyz", clock.now())
    fast = await send(world.anonymous, job_id, [], html_url=url, extra=[("renderedAt", fresh)])
    assert fast.status_code == 422
    assert "take a moment" in fast.text
    forged = await send(
        world.anonymous, job_id, [], html_url=url, extra=[("renderedAt", "1.deadbeef")]
    )
    assert forged.status_code == 422
    assert await db.scalar(select(Applicant.id)) is None
    assert stored_files(files_root) == []
    older = render_token(
        "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz", clock.now() - timedelta(seconds=3)
    )
    person = await send(world.anonymous, job_id, [], html_url=url, extra=[("renderedAt", older)])
    assert person.status_code == 303, person.text
    # The API has its rate limit instead.
    api = await send(world.anonymous, job_id, [], email="api@example.com")
    assert api.status_code == 201


async def test_a_refused_form_keeps_the_typed_answers_and_marks_the_wrong_one(
    world: World, job: Job, db: AsyncSession, files_root: Path
) -> None:
    job_id = job.id
    q = [item["id"] for item in await put_form(world.api("member"), job_id)]
    refused = await send(
        world.anonymous,
        job_id,
        [(q[0], "yes"), (q[1], "500"), (q[2], "Hybrid"), (q[3], "https://ada.dev")],
        [(q[4], Upload("sample.pdf", pdf_bytes()))],
        html_url=_apply_url(world, job_id),
    )
    assert refused.status_code == 422
    text = refused.text
    assert "Enter at most 60" in text
    assert 'value="500"' in text
    assert 'value="https://ada.dev"' in text
    assert 'value="Hybrid" checked' in text
    assert await db.scalar(select(Applicant.id)) is None
    assert stored_files(files_root) == []


async def test_reviewers_see_answers_filter_knockouts_and_export_a_column_per_question(
    world: World, job: Job, db: AsyncSession
) -> None:
    job_id, slug = job.id, world.org.slug
    q = [item["id"] for item in await put_form(world.api("member"), job_id)]
    ok = await send(
        world.anonymous,
        job_id,
        [(q[0], "yes"), (q[1], "4"), (q[2], "Remote")],
        email="kept@example.com",
        html_url=_apply_url(world, job_id),
    )
    out = await send(
        world.anonymous,
        job_id,
        [(q[0], "no"), (q[1], "4"), (q[2], "Office")],
        email="out@example.com",
        html_url=_apply_url(world, job_id),
    )
    assert ok.status_code == out.status_code == 303
    assert ok.headers["location"] == out.headers["location"]

    db.expire_all()
    out_id = await db.scalar(select(Applicant.id).where(Applicant.email == "out@example.com"))
    kept_id = await db.scalar(select(Applicant.id).where(Applicant.email == "kept@example.com"))
    browser = world.browser("member")
    knocked = await browser.get(f"/dashboard/{slug}/jobs/{job_id}/applicants?knockedOut=true")
    assert f"/applicants/{out_id}" in knocked.text
    assert f"/applicants/{kept_id}" not in knocked.text
    by_answer = await browser.get(
        f"/dashboard/{slug}/jobs/{job_id}/applicants?answer={q[2]}:Remote"
    )
    assert f"/applicants/{kept_id}" in by_answer.text
    assert f"/applicants/{out_id}" not in by_answer.text

    detail = await browser.get(f"/dashboard/{slug}/applicants/{out_id}")
    assert "Do you have the right to work in Germany?" in detail.text
    assert "Knocked out" in detail.text

    export = await browser.get(f"/dashboard/{slug}/applicants/export.csv?job={job_id}")
    header = export.text.splitlines()[0]
    assert header.endswith("Preferred work mode,Portfolio,Work sample")
    assert any(line.endswith("Office,,") for line in export.text.splitlines())
