"""Applying through the form on the public job page, as a browser without JavaScript does:
success lands on the confirmation page; a refusal shows the same job page again with the
refusal's status, each error next to its field and everything typed kept except the file, and
leaves no row and no file behind."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import (
    MB5,
    Upload,
    apply,
    body_stream,
    candidate,
    doc_bytes,
    docx_bytes,
    html_bytes,
    multipart,
    pdf_bytes,
    png_bytes,
    stored_files,
)
from tests.applicants.page_form import ApplyForm, apply_form
from tests.fixtures.world import World
from wegotwork.models import Applicant, ApplicantStatus, Job, JobStatus, OutboxMessage

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def applicant_count(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(Applicant)) or 0


async def outbox_count(db: AsyncSession) -> int:
    return await db.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def job_path(world: World, job: Job) -> str:
    return f"/careers/{world.org.slug}/jobs/{job.id}"


async def open_form(client: httpx.AsyncClient, path: str) -> ApplyForm:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    form = apply_form(page.text)
    assert form is not None, "the job page has no application form"
    return form


def target(form: ApplyForm) -> str:
    """Where the browser posts the form (the fragment stays in the address bar)."""
    return form.action.split("#", 1)[0]


def refused_form(response: httpx.Response) -> ApplyForm:
    form = apply_form(response.text)
    assert form is not None, "a refusal must show the form again"
    return form


async def assert_nothing_kept(db: AsyncSession, files_root: Path) -> None:
    assert await applicant_count(db) == 0
    assert stored_files(files_root) == []
    assert await outbox_count(db) == 0


async def test_a_candidate_applies_from_the_job_page_and_lands_on_the_confirmation(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    form = await open_form(client, job_path(world, job))
    assert form.action == f"/careers/{world.org.slug}/jobs/{job.id}/apply#apply"
    assert form.enctype == "multipart/form-data"

    response = await apply(client, job.id, candidate(email="ada@example.com"), url=target(form))
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == f"/careers/{world.org.slug}/jobs/{job.id}/applied"

    confirmation = await client.get(location)
    assert confirmation.status_code == 200
    assert "Thank you, your application was sent" in confirmation.text
    assert "Analytical Engineer" in confirmation.text
    assert f'href="/careers/{world.org.slug}"' in confirmation.text
    assert confirmation.headers["cache-control"] == "no-store"
    [applicant] = (await db.scalars(select(Applicant))).all()
    assert (applicant.email, applicant.status) == ("ada@example.com", ApplicantStatus.SUBMITTED)
    assert len(stored_files(files_root)) == 1


@pytest.mark.parametrize(
    ("upload", "content_type"),
    [
        (Upload("CV.docx", docx_bytes(), DOCX), DOCX),
        (Upload("CV.doc", doc_bytes(), "application/msword"), "application/msword"),
    ],
    ids=["docx", "doc"],
)
async def test_word_documents_are_welcome_through_the_form(
    client: httpx.AsyncClient,
    db: AsyncSession,
    world: World,
    job: Job,
    upload: Upload,
    content_type: str,
) -> None:
    form = await open_form(client, job_path(world, job))
    response = await apply(client, job.id, resume=upload, url=target(form))
    assert response.status_code == 303
    applicant = await db.scalar(select(Applicant))
    assert applicant is not None
    assert applicant.resume_content_type == content_type


async def test_invalid_fields_come_back_next_to_the_fields_with_what_was_typed(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    form = await open_form(client, job_path(world, job))
    motivation = 'Engines & "poetry" <3\nSecond line.'
    fields = candidate(
        name="Ada",
        email="ada-at-example",
        motivation=motivation,
        linkedIn="https://example.com/in/ada",
        github="https://github.com/ada",
    )
    response = await apply(client, job.id, fields, url=target(form))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert '<h1 id="job-title">Analytical Engineer</h1>' in response.text  # the real job page
    again = refused_form(response)
    assert again.action == form.action
    assert again.invalid == {"email", "linkedIn"}
    assert again.field_errors == {
        "email": "Enter a valid email address, like name@example.com",
        "linkedIn": "Enter your LinkedIn profile link, like https://www.linkedin.com/in/your-name",
    }
    assert again.alerts == ["Please correct the fields marked below."]
    assert again.values["name"] == "Ada"
    assert again.values["email"] == "ada-at-example"
    assert again.values["motivation"] == motivation
    assert again.values["linkedIn"] == "https://example.com/in/ada"
    assert again.values["github"] == "https://github.com/ada"
    assert again.values["website"] == ""  # the honeypot is never echoed
    assert "choose the file again" in again.markup
    await assert_nothing_kept(db, files_root)


RESUME_REFUSALS = {
    "a PNG renamed .pdf": (
        Upload("cv.pdf", png_bytes()),
        415,
        "The résumé must be a PDF, DOC or DOCX file",
    ),
    "an HTML file declared as a PDF": (
        Upload("cv.pdf", html_bytes(), "application/pdf"),
        415,
        "The résumé must be a PDF, DOC or DOCX file",
    ),
    "an empty file": (Upload("cv.pdf", b""), 422, "The résumé file is empty"),
    "a file of 5 MB and one byte": (
        Upload("cv.pdf", b"%PDF-1.4\n" + b"0" * (MB5 + 1 - 9)),
        413,
        "The résumé must be at most 5 MB",
    ),
    "a file name with a path": (
        Upload("../../etc/cv.pdf", pdf_bytes()),
        422,
        "The file name must not contain a path. Rename the file and try again.",
    ),
    "a file name with control characters": (
        Upload("cv\x07\x1b[31m.pdf", pdf_bytes()),
        422,
        "The file name contains characters that are not allowed. Rename the file.",
    ),
    "no résumé chosen": (
        Upload("", b""),
        422,
        "Attach your résumé (PDF, DOC or DOCX, at most 5 MB)",
    ),
}


@pytest.mark.parametrize("case", list(RESUME_REFUSALS))
async def test_a_bad_resume_is_explained_next_to_the_file_field(
    client: httpx.AsyncClient,
    db: AsyncSession,
    world: World,
    job: Job,
    files_root: Path,
    case: str,
) -> None:
    upload, status, message = RESUME_REFUSALS[case]
    form = await open_form(client, job_path(world, job))
    fields = candidate(email="grace@example.com", motivation="Compilers.")
    response = await apply(client, job.id, fields, upload, url=target(form))

    assert response.status_code == status, response.text
    again = refused_form(response)
    assert again.field_errors == {"resume": message}
    assert again.invalid == {"resume"}
    assert again.values["email"] == "grace@example.com"
    assert again.values["motivation"] == "Compilers."
    assert again.values["name"] == "Ada Lovelace"
    await assert_nothing_kept(db, files_root)


async def test_a_wrong_file_and_a_wrong_field_are_both_reported_at_once(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    form = await open_form(client, job_path(world, job))
    fields = candidate(email="grace-at-example", twitter="https://facebook.com/grace")
    response = await apply(client, job.id, fields, Upload("cv.pdf", png_bytes()), url=target(form))
    assert response.status_code == 415
    again = refused_form(response)
    assert again.field_errors == {
        "email": "Enter a valid email address, like name@example.com",
        "twitter": "Enter your X (Twitter) profile link, like https://x.com/yourhandle",
        "resume": "The résumé must be a PDF, DOC or DOCX file",
    }
    assert again.values["twitter"] == "https://facebook.com/grace"
    await assert_nothing_kept(db, files_root)


async def test_a_much_larger_resume_still_gets_the_page_back_and_is_not_read_to_the_end(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    """A scanned résumé of 12 MB sent without JavaScript to warn first: the page explains,
    keeps what was typed, and the server stopped reading right after 5 MB."""
    form = await open_form(client, job_path(world, job))
    head, content_type = multipart(candidate(name="Katherine Johnson"))
    head = head[: -len(b"--\r\n")]
    boundary = content_type.split("boundary=")[1]
    file_head = (
        b'\r\nContent-Disposition: form-data; name="resume"; filename="scan.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    )
    chunk = b"0" * (256 * 1024)
    pieces = [head, file_head] + [chunk] * 48 + [f"\r\n--{boundary}--\r\n".encode()]
    size = sum(len(piece) for piece in pieces)
    pulled: list[int] = []
    response = await client.post(
        target(form),
        content=body_stream(pieces, pulled),
        headers={"content-type": content_type, "content-length": str(size)},
    )
    assert response.status_code == 413
    again = refused_form(response)
    assert again.field_errors == {"resume": "The résumé must be at most 5 MB"}
    assert again.values["name"] == "Katherine Johnson"
    assert sum(pulled) <= MB5 + len(head) + len(file_head) + len(chunk)
    await assert_nothing_kept(db, files_root)


async def test_a_truncated_upload_asks_to_try_again_at_the_top_of_the_form(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    form = await open_form(client, job_path(world, job))
    body, content_type = multipart(
        candidate(name="Hedy Lamarr"), {"resume": Upload("cv.pdf", pdf_bytes())}
    )
    response = await client.post(
        target(form), content=body[:-200], headers={"content-type": content_type}
    )
    assert response.status_code == 400
    again = refused_form(response)
    assert again.alerts == ["The upload was incomplete. Please try again."]
    assert again.values["name"] == "Hedy Lamarr"
    await assert_nothing_kept(db, files_root)


async def test_applying_twice_says_so_kindly_and_keeps_the_first_application(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    form = await open_form(client, job_path(world, job))
    first = await apply(client, job.id, candidate(email="twice@example.com"), url=target(form))
    assert first.status_code == 303
    [kept] = stored_files(files_root)

    again = await apply(
        client, job.id, candidate(email="Twice@Example.com", name="Ada L."), url=target(form)
    )
    assert again.status_code == 409
    shown = refused_form(again)
    assert shown.alerts == [
        "You have already applied for this job with this email address. "
        "Thank you, the team will be in touch."
    ]
    assert shown.field_errors == {}
    assert shown.values["name"] == "Ada L."
    assert await applicant_count(db) == 1
    assert stored_files(files_root) == [kept]


async def test_a_job_closed_while_the_candidate_was_typing_says_it_is_closed(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    form = await open_form(client, job_path(world, job))
    job.status = JobStatus.CLOSED
    await db.commit()

    response = await apply(client, job.id, url=target(form))
    assert response.status_code == 404
    assert "This job is closed." in response.text
    assert apply_form(response.text) is None
    await assert_nothing_kept(db, files_root)


async def test_drafts_unknown_jobs_and_other_organizations_jobs_are_not_found(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    draft = await factories.make_job(db, world.org, status=JobStatus.DRAFT, title="Secret Plan")
    theirs = await factories.make_job(db, world.other_org, title="Their Job")
    await db.commit()
    for url in (
        f"/careers/{world.org.slug}/jobs/{draft.id}/apply",
        f"/careers/{world.org.slug}/jobs/no-such-job/apply",
        f"/careers/{world.org.slug}/jobs/{theirs.id}/apply",
        f"/careers/no-such-org/jobs/{job.id}/apply",
    ):
        response = await apply(client, job.id, url=url)
        assert response.status_code == 404, url
        assert "Secret Plan" not in response.text
        assert apply_form(response.text) is None
    await assert_nothing_kept(db, files_root)


async def test_the_honeypot_lands_on_the_confirmation_like_anyone_else(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    form = await open_form(client, job_path(world, job))
    response = await apply(client, job.id, candidate(website="http://spam"), url=target(form))
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/jobs/{job.id}/applied")
    await assert_nothing_kept(db, files_root)


async def test_the_form_is_the_same_for_every_visitor_and_a_refusal_never_sticks_to_the_page(
    client: httpx.AsyncClient, world: World, job: Job
) -> None:
    """The job page is rendered once per content version and served to everyone: the form in it
    carries nothing of any one visit, and a refused application is shown to its sender only."""
    path = job_path(world, job)
    first = await client.get(path)
    member = await world.browser("member").get(path)
    form = apply_form(first.text)
    assert form is not None
    # The signed render time is the page's (cached with it), not the visitor's.
    assert form.values.pop("renderedAt")
    assert form.values == {
        "name": "",
        "email": "",
        "motivation": "",
        "linkedIn": "",
        "twitter": "",
        "github": "",
        "website": "",
    }
    assert member.text == first.text

    refused = await apply(client, job.id, candidate(name="Eve", email="nope"), url=target(form))
    assert refused.status_code == 422
    assert "etag" not in refused.headers

    after = await client.get(path)
    assert after.status_code == 200
    assert after.text == first.text
    assert "Eve" not in after.text
    revalidated = await client.get(path, headers={"if-none-match": first.headers["etag"]})
    assert revalidated.status_code == 304
