"""Reading forms: a published job's form for candidates (one hot-path read), a job's questions
and the library for members, an applicant's answers for reviewers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.db import Database
from wegotwork.errors import NotFound
from wegotwork.forms.schema import Form, FormQuestion
from wegotwork.jobs.rules import PUBLISHED_SQL
from wegotwork.models import Answer, Job, LibraryQuestion, Organization, Question, QuestionKind
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped, joins_organization, scoped

JOB_NOT_FOUND = "Job does not exist"
QUESTION_NOT_FOUND = "Question does not exist"

_PUBLIC_FORM = (
    select(
        Job.id,
        Job.title,
        Organization.privacy_notice_url,
        Organization.privacy_notice_version,
        Question.id,
        Question.label,
        Question.kind,
        Question.required,
        Question.help_text,
        Question.options,
        Question.min_value,
        Question.max_value,
        Question.knockout,
    )
    .join(Organization, joins_organization(Job))
    .outerjoin(Question, (Question.job_id == Job.id) & Question.retired.is_(False))
    .where(Job.id == bindparam("job_id"), PUBLISHED_SQL)
    .order_by(Question.position, Question.id)
)


def form_question(question: Question | LibraryQuestion) -> FormQuestion:
    return FormQuestion(
        id=question.id,
        label=question.label,
        kind=question.kind,
        required=question.required,
        help_text=question.help_text,
        options=list(question.options or []),
        min_value=question.min_value,
        max_value=question.max_value,
        knockout=question.knockout,
    )


async def public_form(database: Database, job_id: str) -> Form:
    """The form of the published job ``job_id`` for anyone (one read-only statement, no
    transaction held). Raises NotFound for drafts, closed and unknown jobs."""
    rows = await database.read(_PUBLIC_FORM, job_id=job_id)
    if not rows:
        raise NotFound(JOB_NOT_FOUND)
    first = rows[0]
    questions = [
        FormQuestion(
            id=row[4],
            label=row[5],
            kind=QuestionKind(row[6]),
            required=bool(row[7]),
            help_text=row[8],
            options=list(_json(row[9]) or []),
            min_value=row[10],
            max_value=row[11],
            knockout=_json(row[12]),
        )
        for row in rows
        if row[4] is not None
    ]
    return Form(
        job_id=first[0],
        job_title=first[1],
        questions=questions,
        privacy_notice_url=first[2],
        privacy_notice_version=first[3],
    )


def _json(value: Any) -> Any:
    # The direct PostgreSQL path hands JSON back as text.
    if isinstance(value, str):
        return json.loads(value)
    return value


async def _own_job(db: AsyncSession, ctx: OrgContext, job_id: str) -> Job:
    return await get_scoped(db, Job, ctx, job_id, message=JOB_NOT_FOUND)


async def job_questions(
    db: AsyncSession, ctx: OrgContext, job_id: str, *, retired: bool = False
) -> list[Question]:
    """A job's questions in order (with the retired ones too when ``retired``). Members
    (VIEW_ORGANIZATION) may call it. Raises NotFound for another organization's job."""
    ctx.require(Permission.VIEW_ORGANIZATION)
    await _own_job(db, ctx, job_id)
    query = scoped(Question, ctx).where(Question.job_id == job_id)
    if not retired:
        query = query.where(Question.retired.is_(False))
    return list(await db.scalars(query.order_by(Question.retired, Question.position, Question.id)))


async def job_form(db: AsyncSession, ctx: OrgContext, job_id: str) -> Form:
    """A job's form as a candidate would see it (drafts too): for the builder's preview."""
    job = await _own_job(db, ctx, job_id)
    questions = await job_questions(db, ctx, job_id)
    return Form(
        job_id=job.id,
        job_title=job.title,
        questions=[form_question(q) for q in questions],
        privacy_notice_url=ctx.organization.privacy_notice_url,
        privacy_notice_version=ctx.organization.privacy_notice_version,
    )


async def library(db: AsyncSession, ctx: OrgContext) -> list[LibraryQuestion]:
    """The organization's reusable questions, by label. Members may call it."""
    ctx.require(Permission.VIEW_ORGANIZATION)
    return list(
        await db.scalars(
            scoped(LibraryQuestion, ctx).order_by(LibraryQuestion.label, LibraryQuestion.id)
        )
    )


@dataclass(frozen=True, slots=True)
class AnswerView:
    question_id: str
    label: str
    kind: QuestionKind
    value: Any
    has_file: bool
    knocked_out: bool


def answer_view(answer: Answer) -> AnswerView:
    return AnswerView(
        question_id=answer.question_id,
        label=answer.label,
        kind=answer.kind,
        value=answer.value,
        has_file=answer.file_key is not None,
        knocked_out=answer.knocked_out,
    )


async def answers_of(db: AsyncSession, ctx: OrgContext, applicant_id: str) -> list[AnswerView]:
    """An applicant's answers in the order of the job's questions (retired ones last).
    Members (VIEW_APPLICANTS) may call it; another organization's applicant has none."""
    ctx.require(Permission.VIEW_APPLICANTS)
    rows = await db.scalars(
        scoped(Answer, ctx)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.applicant_id == applicant_id)
        .order_by(Question.retired, Question.position, Answer.id)
    )
    return [answer_view(row) for row in rows]


async def answers_for(
    db: AsyncSession, ctx: OrgContext, applicant_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """For an export: each applicant's answer values by question id."""
    ctx.require(Permission.VIEW_APPLICANTS)
    found: dict[str, dict[str, Any]] = {}
    if not applicant_ids:
        return found
    rows = await db.execute(
        scoped(Answer, ctx, Answer.applicant_id, Answer.question_id, Answer.value).where(
            Answer.applicant_id.in_(list(applicant_ids))
        )
    )
    for applicant_id, question_id, value in rows:
        found.setdefault(applicant_id, {})[question_id] = value
    return found


async def answer_file(
    db: AsyncSession, ctx: OrgContext, applicant_id: str, question_id: str
) -> Answer:
    """The answer whose file is to be served. Members (VIEW_APPLICANTS) may call it."""
    ctx.require(Permission.VIEW_APPLICANTS)
    answer: Answer | None = (
        await db.scalars(
            scoped(Answer, ctx).where(
                Answer.applicant_id == applicant_id,
                Answer.question_id == question_id,
                Answer.file_key.is_not(None),
            )
        )
    ).first()
    if answer is None:
        raise NotFound("This answer has no file")
    return answer


async def get_question(db: AsyncSession, ctx: OrgContext, question_id: str) -> LibraryQuestion:
    return await get_scoped(db, LibraryQuestion, ctx, question_id, message=QUESTION_NOT_FOUND)
