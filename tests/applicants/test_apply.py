"""A candidate applies to a published job with a résumé: what is accepted, what is refused
(with which status and message), and that a refusal never leaves a row or a file behind."""

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
    apply_url,
    big_docx_bytes,
    body_stream,
    candidate,
    doc_bytes,
    docx_bytes,
    html_bytes,
    multipart,
    pdf_bytes,
    plain_zip_bytes,
    png_bytes,
    stored_files,
)
from tests.fixtures.world import World
from wegotwork.models import Applicant, Job, JobStatus, OutboxMessage

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def applicant_count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Applicant)) or 0)


async def test_a_candidate_applies_with_a_pdf(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job, files_root: Path
) -> None:
    resume = pdf_bytes()
    response = await apply(
        client,
        job.id,
        candidate(email="Ada@Example.com", twitter="@ada_l", motivation="Engines.\r\nAll of them."),
        Upload("Ada Lovelace CV.pdf", resume),
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"error": False, "message": "Applied to Job Successfully"}

    applicant = (await db.execute(select(Applicant))).scalar_one()
    assert applicant.job_id == job.id
    assert applicant.organization_id == world.org.id
    assert applicant.name == "Ada Lovelace"
    assert applicant.email == "Ada@example.com"
    assert applicant.motivation == "Engines.\nAll of them."
    assert applicant.linkedin == "https://www.linkedin.com/in/ada-lovelace"
    assert applicant.twitter == "https://x.com/ada_l"
    assert applicant.github == "https://github.com/ada"
    assert applicant.status == "SUBMITTED"
    assert applicant.resume_filename == "Ada Lovelace CV.pdf"
    assert applicant.resume_content_type == "application/pdf"
    assert applicant.resume_size == len(resume)
    [stored] = stored_files(files_root)
    assert stored.read_bytes() == resume
    assert stored.relative_to(files_root).as_posix() == applicant.resume_key

    mail = (await db.execute(select(OutboxMessage).order_by(OutboxMessage.to_address))).scalars()
    by_address = {message.to_address: message for message in mail}
    confirmation = by_address.pop("Ada@example.com")
    assert confirmation.subject == (
        f"We received your application for Analytical Engineer at {world.org.name}"
    )
    assert "Hello Ada Lovelace" in confirmation.text_body
    members = {world.users[role].email for role in ("owner", "admin", "member")}
    assert set(by_address) == members
    for message in by_address.values():
        assert message.subject == "New applicant for Analytical Engineer: Ada Lovelace"
        assert f"/dashboard/{world.org.slug}/applicants/{applicant.id}" in message.text_body


@pytest.mark.parametrize(
    ("filename", "content", "declared", "stored_type", "stored_name"),
    [
        ("cv.docx", docx_bytes(), DOCX, DOCX, "cv.docx"),
        ("portfolio.docx", big_docx_bytes(), DOCX, DOCX, "portfolio.docx"),
        ("cv.doc", doc_bytes(), "application/msword", "application/msword", "cv.doc"),
        ("resume", pdf_bytes(), "application/octet-stream", "application/pdf", "resume.pdf"),
        ("cv.docx", pdf_bytes(), DOCX, "application/pdf", "cv.pdf"),
    ],
)
async def test_word_documents_are_accepted_and_the_type_comes_from_the_content(
    client: httpx.AsyncClient,
    db: AsyncSession,
    job: Job,
    files_root: Path,
    filename: str,
    content: bytes,
    declared: str,
    stored_type: str,
    stored_name: str,
) -> None:
    response = await apply(client, job.id, resume=Upload(filename, content, declared))
    assert response.status_code == 201, response.text
    applicant = (await db.execute(select(Applicant))).scalar_one()
    assert applicant.resume_content_type == stored_type
    assert applicant.resume_filename == stored_name
    [stored] = stored_files(files_root)
    assert stored.read_bytes() == content


def truncated_body() -> tuple[bytes, str]:
    body, content_type = multipart(candidate(), {"resume": Upload("cv.pdf", pdf_bytes())})
    return body[: len(body) - 200], content_type


REFUSALS = {
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
    "a zip that is not a Word document": (
        Upload("cv.docx", plain_zip_bytes(), DOCX),
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
    "no résumé at all": (
        Upload("", b""),
        422,
        "Attach your résumé (PDF, DOC or DOCX, at most 5 MB)",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_a_bad_resume_is_refused_and_leaves_nothing_behind(
    client: httpx.AsyncClient, db: AsyncSession, job: Job, files_root: Path, case: str
) -> None:
    upload, status, message = REFUSALS[case]
    response = await apply(client, job.id, resume=upload)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] is True
    assert body["fieldErrors"]["resume"] == [message]
    assert await applicant_count(db) == 0
    assert stored_files(files_root) == []
    assert (await db.scalar(select(func.count()).select_from(OutboxMessage))) == 0


async def test_a_wrong_file_and_invalid_fields_are_reported_together(
    client: httpx.AsyncClient, db: AsyncSession, job: Job, files_root: Path
) -> None:
    response = await apply(
        client, job.id, candidate(name="", github="https://gitlab.com/ada"), Upload("cv.pdf", b"")
    )
    assert response.status_code == 422
    assert response.json()["fieldErrors"] == {
        "resume": ["The résumé file is empty"],
        "name": ["Name is required"],
        "github": ["Enter your GitHub profile link, like https://github.com/your-name"],
    }
    wrong = await apply(client, job.id, candidate(name=""), Upload("cv.pdf", png_bytes()))
    assert wrong.status_code == 415
    assert wrong.json() == {
        "error": True,
        "message": "The résumé must be a PDF, DOC or DOCX file",
        "fieldErrors": {
            "resume": ["The résumé must be a PDF, DOC or DOCX file"],
            "name": ["Name is required"],
        },
    }
    assert await applicant_count(db) == 0
    assert stored_files(files_root) == []


async def test_an_empty_file_field_with_no_name_counts_as_missing(
    client: httpx.AsyncClient, db: AsyncSession, job: Job, files_root: Path
) -> None:
    body, content_type = multipart(
        candidate(), {"resume": Upload("", b"", "application/octet-stream")}
    )
    response = await client.post(
        apply_url(job.id), content=body, headers={"content-type": content_type}
    )
    assert response.status_code == 422
    assert response.json()["fieldErrors"] == {
        "resume": ["Attach your résumé (PDF, DOC or DOCX, at most 5 MB)"]
    }


async def test_a_truncated_body_is_refused_and_leaves_nothing_behind(
    client: httpx.AsyncClient, db: AsyncSession, job: Job, files_root: Path
) -> None:
    body, content_type = truncated_body()
    response = await client.post(
        apply_url(job.id), content=body, headers={"content-type": content_type}
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "The upload was incomplete. Please try again.",
    }
    assert await applicant_count(db) == 0
    assert stored_files(files_root) == []


async def test_an_oversized_resume_is_refused_as_soon_as_the_limit_is_passed(
    client: httpx.AsyncClient, db: AsyncSession, job: Job, files_root: Path
) -> None:
    head, content_type = multipart(candidate())
    head = head[: -len(b"--\r\n")]  # keep the boundary open for the file part
    boundary = content_type.split("boundary=")[1]
    file_head = (
        b'\r\nContent-Disposition: form-data; name="resume"; filename="big.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    )
    chunk = b"0" * (256 * 1024)
    pieces = [head, file_head] + [chunk] * 40 + [f"\r\n--{boundary}--\r\n".encode()]
    pulled: list[int] = []
    response = await client.post(
        apply_url(job.id),
        content=body_stream(pieces, pulled),
        headers={"content-type": content_type},
    )
    assert response.status_code == 413
    assert response.json()["message"] == "The résumé must be at most 5 MB"
    # The server stopped reading right after the limit, not at the end of the 10 MB body.
    assert sum(pulled) <= MB5 + len(head) + len(file_head) + len(chunk)
    assert await applicant_count(db) == 0
    assert stored_files(files_root) == []


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            candidate(name="", email="not-an-email"),
            {
                "name": ["Name is required"],
                "email": ["Enter a valid email address, like name@example.com"],
            },
        ),
        (
            candidate(motivation="x" * 5001),
            {"motivation": ["Motivation must be at most 5 000 characters (it has 5 001)"]},
        ),
        (
            candidate(linkedIn="https://example.com/in/ada"),
            {
                "linkedIn": [
                    "Enter your LinkedIn profile link, like https://www.linkedin.com/in/your-name"
                ]
            },
        ),
        (
            candidate(twitter="https://facebook.com/ada"),
            {"twitter": ["Enter your X (Twitter) profile link, like https://x.com/yourhandle"]},
        ),
        (
            candidate(github="javascript:alert(1)"),
            {"github": ["Enter your GitHub profile link, like https://github.com/your-name"]},
        ),
    ],
)
async def test_invalid_fields_are_refused_with_field_errors_and_no_file_is_kept(
    client: httpx.AsyncClient,
    db: AsyncSession,
    job: Job,
    files_root: Path,
    fields: dict[str, str],
    errors: dict[str, list[str]],
) -> None:
    response = await apply(client, job.id, fields)
    assert response.status_code == 422
    assert response.json() == {"error": True, "message": "Invalid input", "fieldErrors": errors}
    assert await applicant_count(db) == 0
    assert stored_files(files_root) == []


async def test_a_motivation_of_exactly_5000_characters_with_line_breaks_is_fine(
    client: httpx.AsyncClient, db: AsyncSession, job: Job
) -> None:
    text = ("y" * 99 + "\r\n") * 50
    response = await apply(client, job.id, candidate(motivation=text.strip()))
    assert response.status_code == 201, response.text


async def test_one_application_per_email_and_job(
    client: httpx.AsyncClient, db: AsyncSession, job: Job, files_root: Path
) -> None:
    first = await apply(client, job.id, candidate(email="grace@example.com"))
    assert first.status_code == 201
    again = await apply(client, job.id, candidate(email="GRACE@example.com", name="Grace H."))
    assert again.status_code == 409
    assert again.json() == {
        "error": True,
        "message": "You have already applied for this job with this email address. "
        "Thank you, the team will be in touch.",
    }
    assert await applicant_count(db) == 1
    assert len(stored_files(files_root)) == 1


async def test_the_same_person_may_apply_to_another_job(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job
) -> None:
    other = await factories.make_job(db, world.org)
    await db.commit()
    assert (await apply(client, job.id, candidate(email="lin@example.com"))).status_code == 201
    assert (await apply(client, other.id, candidate(email="lin@example.com"))).status_code == 201


@pytest.mark.parametrize("status", [JobStatus.DRAFT, JobStatus.CLOSED])
async def test_only_published_jobs_accept_applications(
    client: httpx.AsyncClient, db: AsyncSession, world: World, files_root: Path, status: JobStatus
) -> None:
    unpublished = await factories.make_job(db, world.org, status=status)
    await db.commit()
    for job_id in (unpublished.id, "no-such-job"):
        response = await apply(client, job_id)
        assert response.status_code == 404
        assert response.json() == {"error": True, "message": "Job does not exist"}
    assert await applicant_count(db) == 0
    assert stored_files(files_root) == []


async def test_a_bot_filling_the_honeypot_is_told_it_succeeded_but_nothing_is_kept(
    client: httpx.AsyncClient, db: AsyncSession, job: Job, files_root: Path
) -> None:
    response = await apply(client, job.id, candidate(website="https://spam.example"))
    assert response.status_code == 201
    assert response.json()["message"] == "Applied to Job Successfully"
    assert await applicant_count(db) == 0
    assert stored_files(files_root) == []
    assert (await db.scalar(select(func.count()).select_from(OutboxMessage))) == 0


async def test_a_request_that_is_not_multipart_is_a_bad_request(
    client: httpx.AsyncClient, job: Job
) -> None:
    response = await client.post(apply_url(job.id), json={"name": "Ada"})
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Send the form as multipart/form-data"}


async def test_members_who_opted_out_are_not_mailed(
    client: httpx.AsyncClient, db: AsyncSession, world: World, job: Job
) -> None:
    from wegotwork.models import Member

    member = (
        await db.execute(select(Member).where(Member.user_id == world.users["admin"].id))
    ).scalar_one()
    member.notify_new_applicants = False
    await db.commit()
    assert (await apply(client, job.id)).status_code == 201
    recipients = set((await db.execute(select(OutboxMessage.to_address))).scalars())
    assert world.users["admin"].email not in recipients
    assert world.users["owner"].email in recipients
