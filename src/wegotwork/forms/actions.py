"""Changing forms: a job's question list (questions that were answered are retired, not
deleted), the organization's question library and privacy notice, and recording an
application's answers (with knockouts sending it to the job's REJECTED stage).

Every action flushes and never commits; the face commits once. Actions that serve members
take an OrgContext and check the permission themselves; recording answers serves the public
apply flow and acts for the organization the job belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.content import bump_content_version
from wegotwork.db import new_id, utcnow
from wegotwork.errors import Invalid
from wegotwork.forms import rules
from wegotwork.forms.queries import JOB_NOT_FOUND, QUESTION_NOT_FOUND
from wegotwork.forms.rules import QuestionSpec
from wegotwork.forms.schema import Form
from wegotwork.jobs.actions import on_duplicate
from wegotwork.models import (
    ActivityKind,
    Answer,
    Applicant,
    ApplicantStatus,
    Job,
    LibraryQuestion,
    Organization,
    Question,
    QuestionKind,
)
from wegotwork.pipelines.actions import landing_stage, log_activity, move_applicants
from wegotwork.privacy import registry as privacy_registry
from wegotwork.privacy.registry import ExportFile, Part, Section, Subject
from wegotwork.storage.names import safe_filename
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, in_context, owned_by, scoped

BAD_PRIVACY_URL = "Enter a web address starting with https:// or http://"


@dataclass(frozen=True, slots=True)
class StoredAnswerFile:
    """A file answer already written to storage under ``key``."""

    key: str
    filename: str
    content_type: str
    size: int


def _checked(specs: Sequence[QuestionSpec]) -> list[QuestionSpec]:
    cleaned = [rules.clean_spec(spec) for spec in specs]
    errors = rules.check_questions(cleaned)
    if errors:
        raise Invalid("Invalid input", field_errors=errors)
    return cleaned


def _write(question: Question | LibraryQuestion, spec: QuestionSpec) -> None:
    question.label = spec.label
    question.kind = spec.kind
    question.required = spec.required
    question.help_text = spec.help_text
    question.options = list(spec.options) if spec.kind in rules.CHOICE_KINDS else []
    question.min_value = spec.min_value if spec.kind is QuestionKind.NUMBER else None
    question.max_value = spec.max_value if spec.kind is QuestionKind.NUMBER else None
    question.knockout = rules.normalized_knockout(spec)


async def set_questions(
    db: AsyncSession, ctx: OrgContext, job_id: str, specs: Sequence[QuestionSpec]
) -> list[Question]:
    """Make ``specs`` the job's form, in that order. A spec with the id of one of the job's
    questions updates it; one without an id is new. A question that leaves the form, or whose
    kind changes, is retired when it has answers (its answers keep their label) and deleted
    otherwise; a changed label on an answered question retires it too, so old answers stay
    under the label they were given under.

    Members (MANAGE_JOBS) may call it. Raises NotFound for another organization's job,
    Invalid for a bad list (duplicate or unknown ids, a choice without options, a knockout on
    a free-text kind, ...).
    """
    ctx.require(Permission.MANAGE_JOBS)
    await get_scoped(db, Job, ctx, job_id, message=JOB_NOT_FOUND, for_update=True)
    cleaned = _checked(specs)
    current = {
        question.id: question
        for question in await db.scalars(
            scoped(Question, ctx).where(Question.job_id == job_id, Question.retired.is_(False))
        )
    }
    unknown = {
        f"questions[{index}].id": [QUESTION_NOT_FOUND]
        for index, spec in enumerate(cleaned)
        if spec.id is not None and spec.id not in current
    }
    if unknown:
        raise Invalid("Invalid input", field_errors=unknown)
    answered = set(
        await db.scalars(
            select(Answer.question_id)
            .where(in_context(Answer, ctx), Answer.question_id.in_(list(current)))
            .distinct()
        )
    )
    kept = {spec.id for spec in cleaned if spec.id is not None}
    now = utcnow()
    for question_id, question in current.items():
        if question_id not in kept:
            await _retire_or_delete(db, question, question_id in answered, now)
    result: list[Question] = []
    for position, spec in enumerate(cleaned):
        existing = current.get(spec.id) if spec.id else None
        if (
            existing is not None
            and existing.id in answered
            and (existing.kind is not spec.kind or existing.label != spec.label)
        ):
            await _retire_or_delete(db, existing, True, now)
            existing = None
        if existing is None:
            existing = Question(
                id=new_id(),
                organization_id=ctx.organization.id,
                job_id=job_id,
                retired=False,
                created_at=now,
            )
            db.add(existing)
        _write(existing, spec)
        existing.position = position
        existing.updated_at = now
        result.append(existing)
    await db.flush()
    await bump_content_version(db, ctx.organization.id)  # the job's public page shows the form
    return result


async def _retire_or_delete(db: AsyncSession, question: Question, answered: bool, now: Any) -> None:
    if answered:
        question.retired = True
        question.updated_at = now
    else:
        await db.delete(question)
    await db.flush()


@on_duplicate
async def copy_questions(db: AsyncSession, ctx: OrgContext, original: Job, copy: Job) -> None:
    """A duplicated job asks the original's (current) questions."""
    now = utcnow()
    questions = await db.scalars(
        scoped(Question, ctx)
        .where(Question.job_id == original.id, Question.retired.is_(False))
        .order_by(Question.position, Question.id)
    )
    for position, question in enumerate(questions):
        db.add(
            Question(
                id=new_id(),
                organization_id=ctx.organization.id,
                job_id=copy.id,
                label=question.label,
                kind=question.kind,
                required=question.required,
                help_text=question.help_text,
                options=list(question.options or []),
                min_value=question.min_value,
                max_value=question.max_value,
                knockout=question.knockout,
                position=position,
                retired=False,
                created_at=now,
                updated_at=now,
            )
        )
    await db.flush()


# ---------------------------------------------------------------------------------------------
# The library


async def add_library_question(
    db: AsyncSession, ctx: OrgContext, spec: QuestionSpec
) -> LibraryQuestion:
    """Keep a question for reuse. Members (MANAGE_JOBS) may call it. Raises Invalid."""
    ctx.require(Permission.MANAGE_JOBS)
    cleaned = rules.clean_spec(spec)
    problems = rules.Problems()
    rules.check_question(cleaned, "question", problems)
    if problems.errors:
        errors = {key.removeprefix("question."): value for key, value in problems.errors.items()}
        raise Invalid("Invalid input", field_errors=errors)
    now = utcnow()
    question = LibraryQuestion(
        id=new_id(), organization_id=ctx.organization.id, created_at=now, updated_at=now
    )
    _write(question, cleaned)
    db.add(question)
    await db.flush()
    return question


async def delete_library_question(db: AsyncSession, ctx: OrgContext, question_id: str) -> None:
    """Remove a question from the library (jobs that use a copy keep it). Members
    (MANAGE_JOBS) may call it. Raises NotFound for another organization's question."""
    ctx.require(Permission.MANAGE_JOBS)
    question = await get_scoped(db, LibraryQuestion, ctx, question_id, message=QUESTION_NOT_FOUND)
    await db.delete(question)
    await db.flush()


def spec_of(question: Question | LibraryQuestion, *, keep_id: bool = True) -> QuestionSpec:
    return QuestionSpec(
        id=question.id if keep_id else None,
        label=question.label,
        kind=question.kind,
        required=question.required,
        help_text=question.help_text,
        options=list(question.options or []),
        min_value=question.min_value,
        max_value=question.max_value,
        knockout=question.knockout,
    )


async def add_from_library(
    db: AsyncSession, ctx: OrgContext, job_id: str, library_id: str
) -> list[Question]:
    """Append a copy of a library question to a job's form. Members (MANAGE_JOBS)."""
    ctx.require(Permission.MANAGE_JOBS)
    source = await get_scoped(db, LibraryQuestion, ctx, library_id, message=QUESTION_NOT_FOUND)
    current = await db.scalars(
        scoped(Question, ctx)
        .where(Question.job_id == job_id, Question.retired.is_(False))
        .order_by(Question.position, Question.id)
    )
    specs = [spec_of(question) for question in current]
    specs.append(spec_of(source, keep_id=False))
    return await set_questions(db, ctx, job_id, specs)


async def set_privacy_notice(db: AsyncSession, ctx: OrgContext, url: str | None) -> Organization:
    """Set (or clear, with None or "") the privacy notice the form asks consent to; a new URL
    bumps its version. Admins (UPDATE_ORGANIZATION) may call it. Raises Invalid."""
    ctx.require(Permission.UPDATE_ORGANIZATION)
    value = (url or "").strip() or None
    if value is not None and (
        not value.lower().startswith(("https://", "http://")) or len(value) > 2048 or " " in value
    ):
        raise Invalid.field("privacyNoticeUrl", BAD_PRIVACY_URL)
    organization = ctx.organization
    if value != organization.privacy_notice_url:
        await db.execute(
            update(Organization)
            .where(Organization.id == organization.id)
            .values(
                privacy_notice_url=value,
                privacy_notice_version=(organization.privacy_notice_version or 0)
                + (1 if value else 0),
            )
        )
        await db.flush()
        await bump_content_version(db, organization.id)
        await db.refresh(organization)
    return organization


# ---------------------------------------------------------------------------------------------
# Answers (the apply flow)


async def record_answers(
    db: AsyncSession,
    applicant: Applicant,
    form: Form,
    instance: Mapping[str, Any],
    files: Mapping[str, StoredAnswerFile],
    knocked_out: Sequence[str],
) -> None:
    """Write a new (flushed) applicant's answers, valid against ``form``'s schema, and their
    consent; an answer that failed a knockout moves the applicant to the REJECTED stage of the
    job's pipeline with the reason logged. Anyone may call it (the apply flow)."""
    now = utcnow()
    answers = instance.get("answers") or {}
    for question in form.questions:
        if question.id not in answers:
            continue
        stored = files.get(question.id)
        db.add(
            Answer(
                id=new_id(),
                organization_id=applicant.organization_id,
                applicant_id=applicant.id,
                question_id=question.id,
                label=question.label,
                kind=question.kind,
                value=stored.filename if stored else answers[question.id],
                file_key=stored.key if stored else None,
                file_content_type=stored.content_type if stored else None,
                file_size=stored.size if stored else None,
                knocked_out=question.id in knocked_out,
                created_at=now,
            )
        )
    if form.asks_consent and instance.get("consent") is True:
        applicant.consent_notice_url = form.privacy_notice_url
        applicant.consent_notice_version = form.privacy_notice_version
        applicant.consented_at = now
    await db.flush()
    if knocked_out:
        stage = await landing_stage(db, applicant, ApplicantStatus.REJECTED)
        if stage is not None and stage.status is ApplicantStatus.REJECTED:
            await move_applicants(db, [applicant], stage, actor=None)
        log_activity(
            db,
            applicant,
            ActivityKind.REJECTED,
            {
                "reason": rules.KNOCKOUT_REASON,
                "questions": [
                    question.label for question in form.questions if question.id in knocked_out
                ],
            },
        )
        await db.flush()


def knocked_out_condition() -> Any:
    """Applicants with an answer that failed a knockout, as a condition on ``Applicant``."""
    return (
        select(Answer.id)
        .where(Answer.applicant_id == Applicant.id, Answer.knocked_out.is_(True))
        .exists()
    )


def answer_condition(question_id: str, value: str) -> Any:
    """Applicants whose answer to ``question_id`` is (or, for multiple choice, includes)
    ``value``: compared on the stored JSON's text, as a condition on ``Applicant``."""
    text = cast(Answer.value, String)
    return (
        select(Answer.id)
        .where(
            Answer.applicant_id == Applicant.id,
            Answer.question_id == question_id,
            or_(text == _json_text(value), text.contains(_json_text(value))),
        )
        .exists()
    )


def _json_text(value: str) -> str:
    return json.dumps(value)


async def _erase_answers(db: AsyncSession, subject: Subject) -> list[str]:
    """Delete an applicant's answers (erasure); returns the storage keys of their files, which
    the privacy run deletes once the erasure is committed."""
    mine = (
        owned_by(Answer, subject.organization_id),
        Answer.applicant_id == subject.applicant_id,
    )
    keys = [
        key
        for key in await db.scalars(
            select(Answer.file_key).where(*mine, Answer.file_key.is_not(None))
        )
        if key
    ]
    await db.execute(delete(Answer).where(*mine))
    return keys


async def _export_answers(db: AsyncSession, subject: Subject) -> Part:
    answers = (
        await db.scalars(
            select(Answer)
            .where(
                owned_by(Answer, subject.organization_id),
                Answer.applicant_id == subject.applicant_id,
            )
            .order_by(Answer.created_at, Answer.id)
        )
    ).all()
    files = [
        ExportFile(
            answer.file_key,
            safe_filename(f"{answer.id}-{answer.value or 'file'}", default=answer.id),
            answer.file_content_type or "application/octet-stream",
        )
        for answer in answers
        if answer.file_key
    ]
    names = {file.key: file.name for file in files}
    return Part(
        [
            {
                "question": answer.label,
                "kind": str(answer.kind),
                "value": answer.value,
                "file": f"files/{names[answer.file_key]}" if answer.file_key else None,
                "knockedOut": answer.knocked_out,
                "answeredAt": answer.created_at.isoformat(),
            }
            for answer in answers
        ],
        files,
    )


privacy_registry.register(
    Section("answers", tables=("answer",), erase=_erase_answers, export=_export_answers, order=10)
)
