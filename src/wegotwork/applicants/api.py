"""Applicants in the JSON API: the public application endpoint and the review routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from wegotwork.analytics.rules import clean_source
from wegotwork.applicants import actions
from wegotwork.applicants.downloads import ResumeFile, resume_link, resume_response
from wegotwork.applicants.intake import ApplicationIntake
from wegotwork.applicants.ratelimit import client_ip, limiter_for
from wegotwork.applicants.schemas import (
    DEFAULT_PAGE,
    MAX_PAGE,
    MAX_SEARCH,
    ApplicantDetailEnvelope,
    ApplicantDetailOut,
    ApplicantEnvelope,
    ApplicantFilters,
    ApplicantListEnvelope,
    ApplicantOut,
    ApplicantPage,
    ApplicantSort,
    ApplicantStatusUpdate,
)
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.forms import queries as form_queries
from wegotwork.models import ApplicantStatus
from wegotwork.reviews import queries as review_queries
from wegotwork.schemas import Ok, error_responses
from wegotwork.storage.cleanup import discard_files
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import APPLICANT_ID, JOB_ID, CanViewApplicants, require
from wegotwork.tenancy.permissions import Permission

router = APIRouter(prefix="/api/v1", tags=["applicants"])

JobViewer = Annotated[OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=JOB_ID))]
ApplicantViewer = Annotated[
    OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=APPLICANT_ID))
]
ApplicantManager = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=APPLICANT_ID))
]

APPLIED = "Applied to Job Successfully"

_APPLICATION_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["name", "email", "resume"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "maxLength": 120},
                        "email": {"type": "string", "format": "email"},
                        "motivation": {"type": "string", "maxLength": 5000},
                        "linkedIn": {
                            "type": "string",
                            "description": "https://www.linkedin.com/in/...",
                        },
                        "twitter": {
                            "type": "string",
                            "description": "https://x.com/... or https://twitter.com/...",
                        },
                        "github": {"type": "string", "description": "https://github.com/..."},
                        "source": {
                            "type": "string",
                            "maxLength": 120,
                            "description": "Where the candidate came from: a tracked link's "
                            "code (?src=) or a utm_source; stored as the link's name or the text",
                        },
                        "resume": {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF, DOC or DOCX (decided by content), at most 5 MB",
                        },
                        "consent": {
                            "type": "string",
                            "enum": ["true"],
                            "description": "Required when the organization has a privacy "
                            "notice (see the job's form)",
                        },
                    },
                    "description": "Each answer to the job's questions is a part named "
                    "answers[<questionId>]; GET /api/v1/public/jobs/{jobId}/form is the "
                    "application's JSON Schema.",
                }
            }
        },
    }
}


@router.post(
    "/public/jobs/{jobId}/applications",
    status_code=201,
    response_model=Ok,
    responses=error_responses(404, 409, 413, 415, 422, 429, 503),
    openapi_extra=_APPLICATION_FORM,
    summary="Apply to a published job",
)
async def apply(jobId: str, request: Request, services: ServicesDep, db: DbSession) -> Response:
    """Multipart form with the résumé. No sign-in. 201 on success; 404 when the job is not
    published; 409 when this email already applied; 413 / 415 for the file; 422 with
    ``fieldErrors``; 429 with ``Retry-After``; 503 when storage is down."""
    limiter = limiter_for(services)
    if limiter is not None:
        await limiter.hit(client_ip(request))
    intake = ApplicationIntake(services, db)
    await intake.open(jobId)
    await intake.receive(request.stream(), request.headers.get("content-type", ""), strict=True)
    return JSONResponse({"error": False, "message": APPLIED}, status_code=201)


def _filters(
    status: ApplicantStatus | None,
    job_id: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
    source: str | None = None,
    knocked_out: bool | None = None,
    answer: str | None = None,
    min_rating: float | None = None,
    sort: ApplicantSort = ApplicantSort.NEWEST,
) -> ApplicantFilters:
    question_id, _, value = (answer or "").partition(":")
    return ApplicantFilters(
        min_rating=min_rating,
        sort=sort,
        status=status,
        job_id=job_id,
        q=q,
        cursor=cursor,
        limit=limit,
        source=clean_source(source or "") or None,
        knocked_out=bool(knocked_out),
        answer=(question_id, value) if question_id and value else None,
    )


async def _listing(db: AsyncSession, ctx: OrgContext, page: ApplicantPage) -> ApplicantListEnvelope:
    rated = await review_queries.ratings(db, ctx, [row.applicant.id for row in page.rows])
    return ApplicantListEnvelope(
        applicants=[
            ApplicantOut.of(row.applicant, row.job_title, rated.get(row.applicant.id))
            for row in page.rows
        ],
        nextCursor=page.next_cursor,
    )


Search = Annotated[
    str | None, Query(max_length=MAX_SEARCH, description="Text in name, email or motivation")
]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(description="nextCursor of the previous page")]
Source = Annotated[
    str | None,
    Query(max_length=120, description="Only applicants from this source (a tracked link's name)"),
]
MinRating = Annotated[
    float | None,
    Query(
        ge=-2,
        le=2,
        description="Only applicants whose rating (the mean recommendation the caller may see, "
        "-2…2) is at least this; unrated applicants are left out",
    ),
]
Sort = Annotated[
    ApplicantSort,
    Query(description="newest: newest first; rating: best rated first, unrated last"),
]
KnockedOut = Annotated[
    bool | None, Query(description="Only applicants knocked out by an answer (application forms)")
]
AnswerFilter = Annotated[
    str | None,
    Query(
        max_length=300,
        description="questionId:value: only applicants whose answer to that choice or yes/no "
        "question is (or includes) the value",
    ),
]


@router.get(
    "/jobs/{jobId}/applicants",
    response_model=ApplicantListEnvelope,
    responses=error_responses(401, 403, 404),
    summary="A job's applicants, newest first",
)
async def job_applicants(
    jobId: str,
    ctx: JobViewer,
    db: DbSession,
    status: ApplicantStatus | None = None,
    q: Search = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE,
    source: Source = None,
    knockedOut: KnockedOut = None,
    answer: AnswerFilter = None,
    minRating: MinRating = None,
    sort: Sort = ApplicantSort.NEWEST,
) -> ApplicantListEnvelope:
    filters = _filters(status, jobId, q, cursor, limit, source, knockedOut, answer, minRating, sort)
    page = await actions.list_applicants(db, ctx, filters)
    return await _listing(db, ctx, page)


@router.get(
    "/organizations/{orgId}/applicants",
    response_model=ApplicantListEnvelope,
    responses=error_responses(401, 403, 404),
    summary="The organization's applicants, newest first",
)
async def organization_applicants(
    ctx: CanViewApplicants,
    db: DbSession,
    status: ApplicantStatus | None = None,
    jobId: str | None = None,
    q: Search = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_PAGE,
    source: Source = None,
    knockedOut: KnockedOut = None,
    answer: AnswerFilter = None,
    minRating: MinRating = None,
    sort: Sort = ApplicantSort.NEWEST,
) -> ApplicantListEnvelope:
    filters = _filters(status, jobId, q, cursor, limit, source, knockedOut, answer, minRating, sort)
    page = await actions.list_applicants(db, ctx, filters)
    return await _listing(db, ctx, page)


@router.get(
    "/applicants/{applicantId}",
    response_model=ApplicantDetailEnvelope,
    responses=error_responses(401, 403, 404),
    summary="One applicant, with the status history and a link to the résumé",
)
async def get_applicant(
    applicantId: str, ctx: ApplicantViewer, db: DbSession, services: ServicesDep
) -> ApplicantDetailEnvelope:
    detail = await actions.get_applicant(db, ctx, applicantId)
    link = await resume_link(services, detail.applicant)
    rated = await review_queries.ratings(db, ctx, [detail.applicant.id])
    answers = await form_queries.answers_of(db, ctx, detail.applicant.id)
    return ApplicantDetailEnvelope(
        applicant=ApplicantDetailOut.of_detail(
            detail, link, rated.get(detail.applicant.id), answers
        )
    )


@router.patch(
    "/applicants/{applicantId}",
    response_model=ApplicantEnvelope,
    responses=error_responses(401, 403, 404),
    summary="Change an applicant's status (recorded with who and when)",
)
async def change_status(
    applicantId: str, body: ApplicantStatusUpdate, ctx: ApplicantManager, db: DbSession
) -> ApplicantEnvelope:
    applicant = await actions.change_status(db, ctx, applicantId, body)
    await db.commit()
    return ApplicantEnvelope(applicant=ApplicantOut.of(applicant))


@router.delete(
    "/applicants/{applicantId}",
    response_model=Ok,
    responses=error_responses(401, 403, 404),
    summary="Erase an applicant and the résumé (privacy requests)",
)
async def erase_applicant(
    applicantId: str, ctx: ApplicantManager, db: DbSession, services: ServicesDep
) -> Ok:
    keys = await actions.erase_applicant(db, ctx, applicantId)
    await db.commit()
    await discard_files(services.storage, keys)
    return Ok(message="Applicant erased")


@router.get(
    "/applicants/{applicantId}/resume",
    responses={
        200: {"description": "The file", "content": {"application/octet-stream": {}}},
        303: {"description": "A presigned download link valid for 5 minutes (S3 storage)"},
        **error_responses(401, 403, 404, 503),
    },
    response_class=Response,
    summary="Download the résumé (members of the applicant's organization only)",
)
async def download_resume(
    applicantId: str, ctx: ApplicantViewer, db: DbSession, services: ServicesDep
) -> Response:
    file = ResumeFile.of(await actions.resume_of(db, ctx, applicantId))
    await db.rollback()  # nothing to write; free the connection while the file streams
    return await resume_response(services, file)
