"""Application forms through the JSON API: a job's questions, the public schema, applying with
answers (files included), knockouts, consent, the library, duplication and erasure."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.applicants.helpers import Upload, html_bytes, pdf_bytes, stored_files
from tests.fixtures.world import World
from tests.forms.helpers import put_form, send
from wegotwork.models import (
    ActivityKind,
    Answer,
    Applicant,
    ApplicantActivity,
    ApplicantStatus,
    Job,
    Question,
)

pytestmark = pytest.mark.usefixtures("dialect")


async def _count(db: AsyncSession, model: type) -> int:
    db.expire_all()
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_member_sets_the_questions_and_the_public_schema_follows(
    world: World, job: Job
) -> None:
    member = world.api("member")
    saved = await put_form(member, job.id)
    assert [q["kind"] for q in saved] == ["yes_no", "number", "single_choice", "url", "file"]
    assert saved[0]["knockout"] == {"rejectIf": ["no"]}

    listed = await member.get(f"/api/v1/jobs/{job.id}/questions")
    assert [q["id"] for q in listed.json()["questions"]] == [q["id"] for q in saved]

    schema = (await world.anonymous.get(f"/api/v1/public/jobs/{job.id}/form")).json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    answers = schema["properties"]["answers"]
    assert answers["x-order"] == [q["id"] for q in saved]
    assert answers["required"] == [q["id"] for q in saved[:3]]
    assert answers["properties"][saved[1]["id"]]["minimum"] == 0
    assert answers["properties"][saved[2]["id"]]["enum"] == ["Remote", "Hybrid", "Office"]
    assert answers["properties"][saved[0]["id"]]["x-label"] == saved[0]["label"]


@pytest.mark.parametrize(
    ("questions", "key"),
    [
        (
            [
                {"label": "A", "kind": "short_text"},
                {"label": "B", "kind": "short_text"},
            ],
            None,
        ),
        ([{"label": "Pick", "kind": "single_choice", "options": []}], "questions[0].options"),
        (
            [{"label": "Why", "kind": "long_text", "knockout": {"rejectIf": ["x"]}}],
            "questions[0].knockout",
        ),
        (
            [
                {
                    "label": "Pick",
                    "kind": "single_choice",
                    "options": ["a"],
                    "knockout": {"rejectIf": ["b"]},
                }
            ],
            "questions[0].knockout",
        ),
        ([{"label": "N", "kind": "number", "min": 5, "max": 1}], "questions[0].min"),
    ],
)
async def test_a_bad_question_list_is_refused_whole(
    world: World, job: Job, questions: list[dict[str, object]], key: str | None
) -> None:
    member = world.api("member")
    response = await member.put(f"/api/v1/jobs/{job.id}/questions", json={"questions": questions})
    if key is None:
        assert response.status_code == 200
        return
    assert response.status_code == 422, response.text
    assert key in response.json()["fieldErrors"]
    assert (await member.get(f"/api/v1/jobs/{job.id}/questions")).json()["questions"] == []


async def test_duplicate_and_unknown_question_ids_are_refused(world: World, job: Job) -> None:
    member = world.api("member")
    saved = await put_form(member, job.id, [{"label": "A", "kind": "short_text"}])
    same = {"id": saved[0]["id"], "label": "A", "kind": "short_text"}
    twice = await member.put(f"/api/v1/jobs/{job.id}/questions", json={"questions": [same, same]})
    assert twice.status_code == 422
    assert "questions[1].id" in twice.json()["fieldErrors"]
    unknown = await member.put(
        f"/api/v1/jobs/{job.id}/questions",
        json={"questions": [{"id": "nope", "label": "A", "kind": "short_text"}]},
    )
    assert unknown.status_code == 422
    assert "questions[0].id" in unknown.json()["fieldErrors"]


async def test_a_candidate_applies_with_answers_and_a_file_and_the_reviewer_sees_them(
    world: World, job: Job, db: AsyncSession
) -> None:
    member = world.api("member")
    q = [item["id"] for item in await put_form(member, job.id)]
    response = await send(
        world.anonymous,
        job.id,
        [(q[0], "Yes"), (q[1], "7.5"), (q[2], "Hybrid"), (q[3], "https://ada.dev")],
        [(q[4], Upload("sample.pdf", pdf_bytes()))],
    )
    assert response.status_code == 201, response.text
    applicant_id = await db.scalar(select(Applicant.id))
    detail = (await member.get(f"/api/v1/applicants/{applicant_id}")).json()["applicant"]
    values = {a["questionId"]: a["value"] for a in detail["answers"]}
    assert values == {
        q[0]: "yes",
        q[1]: 7.5,
        q[2]: "Hybrid",
        q[3]: "https://ada.dev",
        q[4]: "sample.pdf",
    }
    assert detail["status"] == ApplicantStatus.SUBMITTED.value
    download = await member.get(f"/api/v1/applicants/{applicant_id}/answers/{q[4]}/file")
    assert download.status_code == 200
    assert download.content == pdf_bytes()
    outsider = await world.api("outsider").get(f"/api/v1/applicants/{applicant_id}/answers")
    assert outsider.status_code == 404


async def test_a_failed_knockout_goes_to_rejected_with_the_reason_and_the_filter_finds_it(
    world: World, job: Job, db: AsyncSession
) -> None:
    member = world.api("member")
    job_id = job.id
    q = [item["id"] for item in await put_form(member, job_id)]
    kept = await send(world.anonymous, job.id, [(q[0], "yes"), (q[1], "3"), (q[2], "Remote")])
    out = await send(world.anonymous, job.id, [(q[0], "NO"), (q[1], "3"), (q[2], "Remote")])
    assert kept.status_code == out.status_code == 201
    assert out.json() == kept.json()  # the candidate is told the same

    db.expire_all()
    rows = {a.status: a.id for a in await db.scalars(select(Applicant))}
    assert set(rows) == {ApplicantStatus.SUBMITTED, ApplicantStatus.REJECTED}
    rejected = rows[ApplicantStatus.REJECTED]
    logged = await db.scalars(
        select(ApplicantActivity).where(
            ApplicantActivity.applicant_id == rejected,
            ApplicantActivity.kind == ActivityKind.REJECTED,
        )
    )
    assert [entry.data["reason"] for entry in logged.all()] == ["Did not meet requirements"]

    listed = await member.get(f"/api/v1/jobs/{job_id}/applicants", params={"knockedOut": "true"})
    assert [a["id"] for a in listed.json()["applicants"]] == [rejected]
    chosen = await member.get(f"/api/v1/jobs/{job_id}/applicants", params={"answer": f"{q[0]}:yes"})
    assert [a["id"] for a in chosen.json()["applicants"]] == [rows[ApplicantStatus.SUBMITTED]]


@pytest.mark.parametrize(
    ("index", "value", "problem"),
    [
        (2, "Moon", "Choose one of the options"),
        (1, "99", "Enter at most 60"),
        (1, "lots", "Enter a number"),
        (3, "ftp://example.com", "Enter a web address starting with http:// or https://"),
        (0, "maybe", "Answer yes or no"),
    ],
)
async def test_bad_answers_are_422_under_their_question_and_nothing_is_kept(
    world: World,
    job: Job,
    db: AsyncSession,
    files_root: Path,
    index: int,
    value: str,
    problem: str,
) -> None:
    q = [item["id"] for item in await put_form(world.api("member"), job.id)]
    answers = {q[0]: "yes", q[1]: "3", q[2]: "Remote"}
    answers[q[index]] = value
    response = await send(
        world.anonymous,
        job.id,
        list(answers.items()),
        [(q[4], Upload("sample.pdf", pdf_bytes()))],
    )
    assert response.status_code == 422, response.text
    assert response.json()["fieldErrors"][f"answers[{q[index]}]"] == [problem]
    assert await _count(db, Applicant) == 0
    assert await _count(db, Answer) == 0
    assert stored_files(files_root) == []


async def test_missing_required_unknown_ids_and_wrong_files_are_named(
    world: World, job: Job, db: AsyncSession, files_root: Path
) -> None:
    q = [item["id"] for item in await put_form(world.api("member"), job.id)]
    response = await send(
        world.anonymous,
        job.id,
        [(q[0], "yes"), ("no-such-question", "hi")],
        [(q[4], Upload("sample.pdf", html_bytes(), "application/pdf"))],
    )
    assert response.status_code == 422
    errors = response.json()["fieldErrors"]
    assert errors[f"answers[{q[1]}]"] == ["This question is required"]
    assert errors[f"answers[{q[2]}]"] == ["This question is required"]
    assert errors["answers[no-such-question]"] == ["This question is not part of the form"]
    assert errors[f"answers[{q[4]}]"] == ["The file must be a PDF, DOC or DOCX file"]
    assert await _count(db, Applicant) == 0
    assert stored_files(files_root) == []


async def test_consent_is_required_with_a_privacy_notice_and_kept(
    world: World, job: Job, db: AsyncSession
) -> None:
    admin = world.api("admin")
    notice = await admin.put(
        f"/api/v1/organizations/{world.org.id}/privacy-notice",
        json={"privacyNoticeUrl": "https://example.com/privacy"},
    )
    assert notice.status_code == 200, notice.text
    assert notice.json()["privacyNotice"]["privacyNoticeVersion"] == 1
    member_try = await world.api("member").put(
        f"/api/v1/organizations/{world.org.id}/privacy-notice",
        json={"privacyNoticeUrl": "https://example.com/other"},
    )
    assert member_try.status_code == 403

    missing = await send(world.anonymous, job.id, [])
    assert missing.status_code == 422
    assert "consent" in missing.json()["fieldErrors"]
    given = await send(world.anonymous, job.id, [], extra=[("consent", "true")])
    assert given.status_code == 201, given.text
    db.expire_all()
    applicant = await db.scalar(select(Applicant))
    assert applicant is not None
    assert applicant.consent_notice_url == "https://example.com/privacy"
    assert applicant.consent_notice_version == 1
    assert applicant.consented_at is not None
    detail = (await admin.get(f"/api/v1/applicants/{applicant.id}")).json()["applicant"]
    assert detail["consent"]["noticeUrl"] == "https://example.com/privacy"


async def test_questions_with_answers_are_retired_and_keep_their_label(
    world: World, job: Job, db: AsyncSession
) -> None:
    member = world.api("member")
    job_id = job.id
    saved = await put_form(member, job_id, [{"label": "Old label", "kind": "short_text"}])
    applied = await send(world.anonymous, job_id, [(saved[0]["id"], "hello")])
    assert applied.status_code == 201
    renamed = await put_form(
        member, job_id, [{"id": saved[0]["id"], "label": "New label", "kind": "short_text"}]
    )
    assert renamed[0]["id"] != saved[0]["id"]
    db.expire_all()
    assert await db.scalar(select(Question.retired).where(Question.id == saved[0]["id"])) is True
    applicant_id = await db.scalar(select(Applicant.id))
    detail = (await member.get(f"/api/v1/applicants/{applicant_id}")).json()["applicant"]
    assert [(a["label"], a["value"]) for a in detail["answers"]] == [("Old label", "hello")]
    schema = (await world.anonymous.get(f"/api/v1/public/jobs/{job_id}/form")).json()
    assert list(schema["properties"]["answers"]["properties"]) == [renamed[0]["id"]]


async def test_the_library_keeps_questions_for_reuse(world: World) -> None:
    member = world.api("member")
    created = await member.post(
        f"/api/v1/organizations/{world.org.id}/questions",
        json={"label": "Salary expectation", "kind": "number", "min": 0},
    )
    assert created.status_code == 201, created.text
    question_id = created.json()["question"]["id"]
    listed = await member.get(f"/api/v1/organizations/{world.org.id}/questions")
    assert [q["label"] for q in listed.json()["questions"]] == ["Salary expectation"]
    assert (
        await world.api("outsider").delete(f"/api/v1/questions/{question_id}")
    ).status_code == 404
    assert (await member.delete(f"/api/v1/questions/{question_id}")).status_code == 200
    listed = await member.get(f"/api/v1/organizations/{world.org.id}/questions")
    assert listed.json()["questions"] == []


async def test_duplicating_a_job_copies_its_questions(world: World, job: Job) -> None:
    member = world.api("member")
    saved = await put_form(member, job.id)
    copy = await member.post(f"/api/v1/jobs/{job.id}/duplicate")
    assert copy.status_code == 201, copy.text
    copied = await member.get(f"/api/v1/jobs/{copy.json()['job']['id']}/questions")
    labels = [q["label"] for q in copied.json()["questions"]]
    assert labels == [q["label"] for q in saved]
    assert {q["id"] for q in copied.json()["questions"]}.isdisjoint({q["id"] for q in saved})


async def test_erasing_an_applicant_removes_answers_and_answer_files(
    world: World, job: Job, db: AsyncSession, files_root: Path
) -> None:
    member = world.api("member")
    q = [item["id"] for item in await put_form(member, job.id)]
    response = await send(
        world.anonymous,
        job.id,
        [(q[0], "yes"), (q[1], "3"), (q[2], "Remote")],
        [(q[4], Upload("sample.pdf", pdf_bytes()))],
    )
    assert response.status_code == 201
    assert len(stored_files(files_root)) == 2
    applicant_id = await db.scalar(select(Applicant.id))
    assert (await member.delete(f"/api/v1/applicants/{applicant_id}")).status_code == 200
    assert await _count(db, Answer) == 0
    assert stored_files(files_root) == []
