"""Members review applicants through /api/v1: lists (newest first, cursor pages, filters,
literal search), one applicant with history, status changes, erasure, résumé downloads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.applicants.helpers import docx_bytes, pdf_bytes, store_resume, stored_files
from tests.fixtures.world import World
from wegotwork.clock import FrozenClock
from wegotwork.deps import Services
from wegotwork.models import Applicant, ApplicantEvent, ApplicantStatus, Job

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def make_applicants(
    db: AsyncSession, job: Job, clock: FrozenClock, count: int, *, step: timedelta
) -> list[Applicant]:
    made = []
    for index in range(count):
        made.append(await factories.make_applicant(db, job, name=f"Person {index:02d}"))
        clock.advance(step)
    await db.commit()
    return made


async def test_the_list_is_newest_first_and_pages_with_an_opaque_cursor(
    db: AsyncSession, world: World, job: Job, frozen_clock: FrozenClock
) -> None:
    # Half of them share a timestamp: the id breaks the tie, so no one is skipped or repeated.
    made = await make_applicants(db, job, frozen_clock, 4, step=timedelta(minutes=1))
    made += await make_applicants(db, job, frozen_clock, 3, step=timedelta(0))
    api = world.api("member")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        response = await api.get(f"/api/v1/organizations/{world.org.id}/applicants", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["error"] is False
        seen += [item["id"] for item in body["applicants"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert pages == 3
    expected = sorted(made, key=lambda a: (a.created_at, a.id), reverse=True)
    assert seen == [applicant.id for applicant in expected]
    first = body["applicants"][0]
    assert set(first) >= {"id", "jobId", "jobTitle", "name", "email", "status", "createdAt"}
    assert first["jobTitle"] == job.title


async def test_lists_filter_by_status_and_job(db: AsyncSession, world: World, job: Job) -> None:
    other = await factories.make_job(db, world.org, title="Other job")
    hired = await factories.make_applicant(db, job, status=ApplicantStatus.HIRED)
    await factories.make_applicant(db, job)
    elsewhere = await factories.make_applicant(db, other, status=ApplicantStatus.HIRED)
    await db.commit()
    api = world.api("member")
    by_status = await api.get(
        f"/api/v1/organizations/{world.org.id}/applicants", params={"status": "HIRED"}
    )
    assert {item["id"] for item in by_status.json()["applicants"]} == {hired.id, elsewhere.id}
    by_both = await api.get(
        f"/api/v1/organizations/{world.org.id}/applicants",
        params={"status": "HIRED", "jobId": job.id},
    )
    assert [item["id"] for item in by_both.json()["applicants"]] == [hired.id]
    per_job = await api.get(f"/api/v1/jobs/{other.id}/applicants")
    assert [item["id"] for item in per_job.json()["applicants"]] == [elsewhere.id]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lovelace", {"Ada Lovelace"}),
        ("BABBAGE.ORG", {"Charles"}),
        ("engines", {"Ada Lovelace", "Charles"}),
        ("%", {"Percent"}),
        ("_", {"Under"}),
        ("\\", {"Backslash"}),
        ("100%", {"Percent"}),
        ("nobody", set()),
        # Inside a word, across words and fields, beyond ASCII: what LIKE finds, and only it.
        ("velac", {"Ada Lovelace"}),
        ("ce ada", set()),
        ("oë li", {"Zoë Lindqvist"}),
        ("STRASSE", set()),
        ("raße", {"Zoë Lindqvist"}),
        ("com i give", {"Percent"}),
        ("ways", {"Percent"}),
    ],
)
async def test_search_is_literal_over_name_email_and_motivation(
    db: AsyncSession, world: World, job: Job, query: str, expected: set[str]
) -> None:
    await factories.make_applicant(db, job, name="Ada Lovelace", motivation="Engines!")
    await factories.make_applicant(
        db, job, name="Charles", email="charles@babbage.org", motivation="difference engines"
    )
    await factories.make_applicant(db, job, name="Percent", motivation="I give 100% always")
    await factories.make_applicant(db, job, name="Under", email="snake_case@example.com")
    await factories.make_applicant(db, job, name="Backslash", motivation="C:\\Users\\me")
    await factories.make_applicant(db, job, name="Plain", motivation="Nothing special here")
    await factories.make_applicant(db, job, name="Zoë Lindqvist", motivation="Straße 1")
    await db.commit()
    response = await world.api("member").get(
        f"/api/v1/jobs/{job.id}/applicants", params={"q": query}
    )
    assert response.status_code == 200
    assert {item["name"] for item in response.json()["applicants"]} == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"status": "MAYBE"}, "status"),
        ({"q": "x" * 201}, "q"),
    ],
)
async def test_bad_list_parameters_are_validation_errors(
    world: World, job: Job, params: dict[str, str], field: str
) -> None:
    response = await world.api("member").get(
        f"/api/v1/organizations/{world.org.id}/applicants", params=params
    )
    assert response.status_code == 422
    assert field in response.json()["fieldErrors"]


async def test_one_applicant_with_a_resume_link_and_history(
    db: AsyncSession, world: World, job: Job, services: Services
) -> None:
    key = await store_resume(services.storage, pdf_bytes())
    applicant = await factories.make_applicant(db, job, name="Mary Somerville", resume_key=key)
    await db.commit()
    api = world.api("admin")
    moved = await api.patch(f"/api/v1/applicants/{applicant.id}", json={"status": "interview"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["applicant"]["status"] == "INTERVIEW"
    response = await world.api("member").get(f"/api/v1/applicants/{applicant.id}")
    assert response.status_code == 200
    body = response.json()["applicant"]
    assert body["name"] == "Mary Somerville"
    assert body["jobTitle"] == job.title
    assert body["resumeUrl"] == f"http://testserver/api/v1/applicants/{applicant.id}/resume"
    [event] = body["events"]
    assert event["fromStatus"] == "SUBMITTED"
    assert event["toStatus"] == "INTERVIEW"
    assert event["actor"] == {"id": world.users["admin"].id, "name": "Admin Person"}
    assert event["createdAt"].endswith("Z") or event["createdAt"].endswith("+00:00")


async def test_each_status_change_is_recorded_with_who_and_when(
    db: AsyncSession, world: World, job: Job, frozen_clock: FrozenClock
) -> None:
    applicant = await factories.make_applicant(db, job)
    await db.commit()
    api = world.api("member")
    for status in ("UNDERREVIEW", "UNDERREVIEW", "OFFER", "HIRED"):
        frozen_clock.advance(timedelta(hours=1))
        response = await api.patch(f"/api/v1/applicants/{applicant.id}", json={"status": status})
        assert response.status_code == 200
    events = (
        (
            await db.execute(
                select(ApplicantEvent)
                .where(ApplicantEvent.applicant_id == applicant.id)
                .order_by(ApplicantEvent.created_at)
            )
        )
        .scalars()
        .all()
    )
    assert [(e.from_status, e.to_status) for e in events] == [
        ("SUBMITTED", "UNDERREVIEW"),
        ("UNDERREVIEW", "OFFER"),
        ("OFFER", "HIRED"),
    ], "setting the same status twice is not a change"
    assert {e.actor_id for e in events} == {world.users["member"].id}
    assert events[-1].created_at == frozen_clock.current


async def test_an_unknown_status_is_refused(db: AsyncSession, world: World, job: Job) -> None:
    applicant = await factories.make_applicant(db, job)
    await db.commit()
    response = await world.api("member").patch(
        f"/api/v1/applicants/{applicant.id}", json={"status": "PROMOTED"}
    )
    assert response.status_code == 422
    assert response.json()["fieldErrors"]["status"] == [
        "Choose a status: SUBMITTED, UNDERREVIEW, INTERVIEW, OFFER, REJECTED, HIRED"
    ]


async def test_erasing_removes_the_row_the_history_and_the_file(
    db: AsyncSession, world: World, job: Job, services: Services, files_root: Path
) -> None:
    key = await store_resume(services.storage, pdf_bytes())
    applicant = await factories.make_applicant(db, job, resume_key=key)
    db.add(
        ApplicantEvent(
            applicant_id=applicant.id,
            actor_id=world.users["owner"].id,
            from_status=ApplicantStatus.SUBMITTED,
            to_status=ApplicantStatus.REJECTED,
        )
    )
    await db.commit()
    response = await world.api("member").delete(f"/api/v1/applicants/{applicant.id}")
    assert response.status_code == 200
    assert response.json() == {"error": False, "message": "Applicant erased"}
    assert await db.scalar(select(func.count()).select_from(Applicant)) == 0
    assert await db.scalar(select(func.count()).select_from(ApplicantEvent)) == 0
    assert stored_files(files_root) == []
    again = await world.api("member").get(f"/api/v1/applicants/{applicant.id}")
    assert again.status_code == 404


async def test_the_resume_downloads_as_an_attachment_with_a_safe_name(
    db: AsyncSession, world: World, job: Job, services: Services
) -> None:
    content = pdf_bytes("Hedy Lamarr")
    key = await store_resume(services.storage, content)
    applicant = await factories.make_applicant(db, job, resume_key=key)
    applicant.resume_filename = 'Hedy "Lamarr"\r\n../CV.pdf'
    applicant.resume_size = len(content)
    await db.commit()
    response = await world.api("member").get(f"/api/v1/applicants/{applicant.id}/resume")
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-disposition"] == (
        'attachment; filename="Hedy _Lamarr_ .._CV.pdf"; '
        "filename*=UTF-8''Hedy%20_Lamarr_%20.._CV.pdf"
    )


async def test_an_applicant_without_a_resume_has_nothing_to_download(
    db: AsyncSession, world: World, job: Job
) -> None:
    applicant = await factories.make_applicant(db, job)
    await db.commit()
    response = await world.api("member").get(f"/api/v1/applicants/{applicant.id}/resume")
    assert response.status_code == 404
    assert response.json()["message"] == "This applicant has no résumé"


async def test_a_missing_file_is_unavailable_not_a_broken_download(
    db: AsyncSession, world: World, job: Job
) -> None:
    applicant = await factories.make_applicant(db, job, resume_key="resumes/gone")
    await db.commit()
    response = await world.api("member").get(f"/api/v1/applicants/{applicant.id}/resume")
    assert response.status_code == 503


async def test_the_inline_viewer_only_shows_pdfs_and_sandboxes_them(
    db: AsyncSession, world: World, job: Job, services: Services
) -> None:
    pdf = await factories.make_applicant(
        db, job, resume_key=await store_resume(services.storage, pdf_bytes())
    )
    word = await factories.make_applicant(
        db, job, resume_key=await store_resume(services.storage, docx_bytes(), DOCX)
    )
    word.resume_content_type = DOCX
    word.resume_filename = "cv.docx"
    word.resume_size = None
    await db.commit()
    browser = world.browser("member")
    base = f"/dashboard/{world.org.slug}/applicants"
    shown = await browser.get(f"{base}/{pdf.id}/resume?inline=1")
    assert shown.status_code == 200
    assert shown.headers["content-disposition"].startswith("inline;")
    assert shown.headers["content-security-policy"].startswith("sandbox;")
    assert shown.headers["x-frame-options"] == "SAMEORIGIN"
    not_shown = await browser.get(f"{base}/{word.id}/resume?inline=1")
    assert not_shown.status_code == 200
    assert not_shown.headers["content-disposition"].startswith("attachment;")
    assert not_shown.headers["x-frame-options"] == "DENY"
    assert "sandbox" not in not_shown.headers["content-security-policy"]


async def test_signed_out_callers_get_401(job: Job, world: World) -> None:
    for path in (
        f"/api/v1/organizations/{world.org.id}/applicants",
        f"/api/v1/jobs/{job.id}/applicants",
        "/api/v1/applicants/anything",
        "/api/v1/applicants/anything/resume",
    ):
        response = await world.anonymous.get(path)
        assert response.status_code == 401, path
