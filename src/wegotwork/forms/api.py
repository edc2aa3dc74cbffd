"""Application forms as JSON: a job's questions, the organization's question library and
privacy notice, an applicant's answers (and file answers), and the public form schema."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from wegotwork.applicants.downloads import ResumeFile, resume_response
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.forms import actions, queries
from wegotwork.forms.schema import build_schema
from wegotwork.forms.schemas import (
    AnswerOut,
    AnswersEnvelope,
    PrivacyNoticeEnvelope,
    PrivacyNoticeIn,
    PrivacyNoticeOut,
    QuestionEnvelope,
    QuestionIn,
    QuestionOut,
    QuestionsEnvelope,
    QuestionsIn,
)
from wegotwork.schemas import Ok, error_responses
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import (
    APPLICANT_ID,
    JOB_ID,
    QUESTION_ID,
    CanManageJobs,
    CanUpdateOrganization,
    CanViewOrganization,
    require,
)
from wegotwork.tenancy.permissions import Permission

router = APIRouter(prefix="/api/v1", tags=["forms"])

JobViewer = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=JOB_ID))]
FormEditor = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS, via=JOB_ID))]
LibraryEditor = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS, via=QUESTION_ID))]
ApplicantViewer = Annotated[
    OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=APPLICANT_ID))
]


@router.get(
    "/public/jobs/{jobId}/form",
    responses={
        200: {
            "description": "The application as JSON Schema (2020-12)",
            "content": {"application/schema+json": {"schema": {"type": "object"}}},
        },
        **error_responses(404),
    },
    response_class=JSONResponse,
    summary="A published job's application form as JSON Schema (2020-12)",
)
async def public_form(jobId: str, services: ServicesDep) -> Response:
    """Built-in fields and the job's questions, with ``x-`` keywords for labels and kinds.
    The server validates every application with this same schema."""
    form = await queries.public_form(services.db, jobId)
    return JSONResponse(
        build_schema(form),
        media_type="application/schema+json",
        headers={"Cache-Control": "public, max-age=60"},
    )


@router.get(
    "/jobs/{jobId}/questions",
    response_model=QuestionsEnvelope,
    responses=error_responses(401, 404),
    summary="A job's application questions, in order",
)
async def list_questions(jobId: str, ctx: JobViewer, db: DbSession) -> QuestionsEnvelope:
    questions = await queries.job_questions(db, ctx, jobId)
    return QuestionsEnvelope(questions=[QuestionOut.of(q) for q in questions])


@router.put(
    "/jobs/{jobId}/questions",
    response_model=QuestionsEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Replace a job's application questions (the full ordered list)",
)
async def set_questions(
    jobId: str, body: QuestionsIn, ctx: FormEditor, db: DbSession
) -> QuestionsEnvelope:
    """Questions that already have answers are retired, not deleted: old answers keep the
    label they were given under."""
    questions = await actions.set_questions(db, ctx, jobId, [q.spec() for q in body.questions])
    out = [QuestionOut.of(q) for q in questions]
    await db.commit()
    return QuestionsEnvelope(questions=out)


@router.get(
    "/organizations/{orgId}/questions",
    response_model=QuestionsEnvelope,
    responses=error_responses(401, 404),
    summary="The organization's question library",
)
async def list_library(orgId: str, ctx: CanViewOrganization, db: DbSession) -> QuestionsEnvelope:
    questions = await queries.library(db, ctx)
    return QuestionsEnvelope(questions=[QuestionOut.of(q) for q in questions])


@router.post(
    "/organizations/{orgId}/questions",
    status_code=201,
    response_model=QuestionEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Keep a question in the organization's library",
)
async def add_library_question(
    orgId: str, body: QuestionIn, ctx: CanManageJobs, db: DbSession
) -> QuestionEnvelope:
    question = await actions.add_library_question(db, ctx, body.spec())
    out = QuestionOut.of(question)
    await db.commit()
    return QuestionEnvelope(question=out)


@router.delete(
    "/questions/{questionId}",
    response_model=Ok,
    responses=error_responses(401, 403, 404),
    summary="Remove a question from the library",
)
async def delete_library_question(questionId: str, ctx: LibraryEditor, db: DbSession) -> Ok:
    await actions.delete_library_question(db, ctx, questionId)
    await db.commit()
    return Ok(message="Question removed")


@router.put(
    "/organizations/{orgId}/privacy-notice",
    response_model=PrivacyNoticeEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Set the privacy notice the application form asks consent to",
)
async def set_privacy_notice(
    orgId: str, body: PrivacyNoticeIn, ctx: CanUpdateOrganization, db: DbSession
) -> PrivacyNoticeEnvelope:
    organization = await actions.set_privacy_notice(db, ctx, body.privacy_notice_url)
    out = PrivacyNoticeOut(
        privacy_notice_url=organization.privacy_notice_url,
        privacy_notice_version=organization.privacy_notice_version,
    )
    await db.commit()
    return PrivacyNoticeEnvelope(privacy_notice=out)


@router.get(
    "/applicants/{applicantId}/answers",
    response_model=AnswersEnvelope,
    responses=error_responses(401, 404),
    summary="An applicant's answers to the job's questions",
)
async def list_answers(applicantId: str, ctx: ApplicantViewer, db: DbSession) -> AnswersEnvelope:
    views = await queries.answers_of(db, ctx, applicantId)
    return AnswersEnvelope(answers=[AnswerOut.of(view) for view in views])


@router.get(
    "/applicants/{applicantId}/answers/{questionId}/file",
    responses={
        200: {"description": "The file", "content": {"application/octet-stream": {}}},
        303: {"description": "A presigned download link valid for 5 minutes (S3 storage)"},
        **error_responses(401, 404, 503),
    },
    response_class=Response,
    summary="Download a file answer (members of the applicant's organization only)",
)
async def download_answer_file(
    applicantId: str, questionId: str, ctx: ApplicantViewer, db: DbSession, services: ServicesDep
) -> Response:
    answer = await queries.answer_file(db, ctx, applicantId, questionId)
    file = _file(answer)
    await db.rollback()  # nothing to write; free the connection while the file streams
    return await resume_response(services, file)


def _file(answer: Any) -> ResumeFile:
    return ResumeFile(
        key=answer.file_key,
        filename=str(answer.value or "answer"),
        content_type=answer.file_content_type or "application/octet-stream",
        size=answer.file_size,
    )
