"""Application forms in the dashboard: the form builder of a job (add, edit, delete, reorder by
buttons or by dragging, add from the library, a preview as the candidate sees it), the
organization's question library with its privacy notice, and an applicant's file answers.

Every change posts a small form and redirects back (works without JavaScript); the builder's
script only adds dragging, which posts the new order the same way.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from wegotwork.applicants.downloads import ResumeFile, resume_response
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import DomainError, NotFound
from wegotwork.forms import actions, queries, rules
from wegotwork.forms.rules import QuestionSpec
from wegotwork.forms.schema import build_schema
from wegotwork.models import QuestionKind
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.web.dashboard import render_dashboard

router = APIRouter(include_in_schema=False)

Builder = Annotated[OrgContext, Depends(require(Permission.MANAGE_JOBS, via=SLUG))]
Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=SLUG))]
Admin = Annotated[OrgContext, Depends(require(Permission.UPDATE_ORGANIZATION, via=SLUG))]

KIND_LABELS: dict[QuestionKind, str] = {
    QuestionKind.SHORT_TEXT: "Short text",
    QuestionKind.LONG_TEXT: "Long text",
    QuestionKind.SINGLE_CHOICE: "One choice",
    QuestionKind.MULTIPLE_CHOICE: "Several choices",
    QuestionKind.YES_NO: "Yes / no",
    QuestionKind.NUMBER: "Number",
    QuestionKind.URL: "Web address",
    QuestionKind.FILE: "File",
}
BAD_NUMBER = "Enter a number"


def _builder_url(ctx: OrgContext, job_id: str, anchor: str = "") -> str:
    return f"/dashboard/{ctx.organization.slug}/jobs/{quote(job_id, safe='')}/form{anchor}"


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(form: FormData, name: str) -> Decimal | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise DomainError(BAD_NUMBER) from None
    if not number.is_finite():
        raise DomainError(BAD_NUMBER)
    return number


def spec_from_form(form: FormData, question_id: str | None = None) -> QuestionSpec:
    """A question from the builder's fields: ``label``, ``kind``, ``required``, ``helpText``,
    ``options`` (one a line), ``min``/``max``, and the knockout: ``rejectIf`` (one a line) or
    ``knockoutMin``/``knockoutMax``."""
    try:
        kind = QuestionKind(_text(form, "kind"))
    except ValueError:
        raise DomainError("Choose the kind of question") from None
    options = [line.strip() for line in _text(form, "options").splitlines() if line.strip()]
    knockout: dict[str, Any] | None = None
    if kind is QuestionKind.NUMBER:
        low, high = _number(form, "knockoutMin"), _number(form, "knockoutMax")
        bounds = {"min": low, "max": high}
        knockout = {name: str(value) for name, value in bounds.items() if value is not None}
    else:
        reject = [line.strip() for line in _text(form, "rejectIf").splitlines() if line.strip()]
        if reject:
            knockout = {"rejectIf": reject}
    return QuestionSpec(
        id=question_id,
        label=_text(form, "label"),
        kind=kind,
        required=_text(form, "required") in {"true", "on", "1"},
        help_text=_text(form, "helpText") or None,
        options=options if kind in rules.CHOICE_KINDS else [],
        min_value=_number(form, "min") if kind is QuestionKind.NUMBER else None,
        max_value=_number(form, "max") if kind is QuestionKind.NUMBER else None,
        knockout=knockout or None,
    )


def _message(exc: DomainError) -> str:
    if exc.field_errors:
        first = next(iter(exc.field_errors.values()))
        if first:
            return first[0]
    return exc.message


async def _current(db: DbSession, ctx: OrgContext, job_id: str) -> list[QuestionSpec]:
    return [actions.spec_of(q) for q in await queries.job_questions(db, ctx, job_id)]


async def _change(
    db: DbSession,
    ctx: OrgContext,
    services: ServicesDep,
    job_id: str,
    specs: list[QuestionSpec],
    done: str,
    anchor: str = "",
) -> Response:
    response = RedirectResponse(_builder_url(ctx, job_id, anchor), status_code=303)
    try:
        await actions.set_questions(db, ctx, job_id, specs)
    except NotFound:
        raise
    except DomainError as exc:  # refused before anything was written
        services.templates.flash(response, _message(exc), "error")
        return response
    await db.commit()
    services.templates.flash(response, done)
    return response


@router.get("/dashboard/{slug}/jobs/{jobId}/form", response_class=HTMLResponse)
async def builder_page(
    jobId: str, request: Request, ctx: Builder, db: DbSession, services: ServicesDep
) -> Response:
    form = await queries.job_form(db, ctx, jobId)
    questions = await queries.job_questions(db, ctx, jobId)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "forms/builder.html",
        {
            "job_id": jobId,
            "job_title": form.job_title,
            "questions": questions,
            "library": await queries.library(db, ctx),
            "schema": build_schema(form),
            "kinds": list(KIND_LABELS.items()),
            "kind_labels": KIND_LABELS,
            "base": _builder_url(ctx, jobId),
        },
        section="jobs",
    )


@router.post("/dashboard/{slug}/jobs/{jobId}/form/questions")
async def add_question(
    jobId: str, request: Request, ctx: Builder, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    current = await _current(db, ctx, jobId)
    try:
        spec = spec_from_form(form)
        if _text(form, "saveToLibrary") in {"true", "on"}:
            await actions.add_library_question(db, ctx, spec)
    except DomainError as exc:  # refused before anything was written
        response = RedirectResponse(_builder_url(ctx, jobId, "#add"), status_code=303)
        services.templates.flash(response, _message(exc), "error")
        return response
    return await _change(db, ctx, services, jobId, [*current, spec], "Question added.")


@router.post("/dashboard/{slug}/jobs/{jobId}/form/library")
async def add_from_library(
    jobId: str, request: Request, ctx: Builder, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    response = RedirectResponse(_builder_url(ctx, jobId), status_code=303)
    try:
        await actions.add_from_library(db, ctx, jobId, _text(form, "libraryId"))
    except DomainError as exc:  # refused before anything was written
        if isinstance(exc, NotFound) and exc.message != queries.QUESTION_NOT_FOUND:
            raise
        services.templates.flash(response, _message(exc), "error")
        return response
    await db.commit()
    services.templates.flash(response, "Question added from the library.")
    return response


@router.post("/dashboard/{slug}/jobs/{jobId}/form/questions/{questionId}")
async def edit_question(
    jobId: str,
    questionId: str,
    request: Request,
    ctx: Builder,
    db: DbSession,
    services: ServicesDep,
) -> Response:
    form = await request.form()
    current = await _current(db, ctx, jobId)
    try:
        spec = spec_from_form(form, questionId)
    except DomainError as exc:
        response = RedirectResponse(_builder_url(ctx, jobId), status_code=303)
        services.templates.flash(response, _message(exc), "error")
        return response
    specs = [spec if q.id == questionId else q for q in current]
    return await _change(db, ctx, services, jobId, specs, "Question saved.")


@router.post("/dashboard/{slug}/jobs/{jobId}/form/questions/{questionId}/delete")
async def delete_question(
    jobId: str, questionId: str, ctx: Builder, db: DbSession, services: ServicesDep
) -> Response:
    current = await _current(db, ctx, jobId)
    specs = [q for q in current if q.id != questionId]
    return await _change(db, ctx, services, jobId, specs, "Question removed.")


@router.post("/dashboard/{slug}/jobs/{jobId}/form/questions/{questionId}/move")
async def move_question(
    jobId: str,
    questionId: str,
    request: Request,
    ctx: Builder,
    db: DbSession,
    services: ServicesDep,
) -> Response:
    form = await request.form()
    current = await _current(db, ctx, jobId)
    index = next((i for i, q in enumerate(current) if q.id == questionId), None)
    if index is not None:
        target = index - 1 if _text(form, "direction") == "up" else index + 1
        if 0 <= target < len(current):
            current[index], current[target] = current[target], current[index]
    return await _change(db, ctx, services, jobId, current, "Question moved.", f"#q-{questionId}")


@router.post("/dashboard/{slug}/jobs/{jobId}/form/order")
async def reorder(
    jobId: str, request: Request, ctx: Builder, db: DbSession, services: ServicesDep
) -> Response:
    """The order after dragging: ``order`` lists the question ids, comma-separated."""
    form = await request.form()
    current = await _current(db, ctx, jobId)
    by_id = {q.id: q for q in current}
    wanted = [qid for qid in _text(form, "order").split(",") if qid in by_id]
    ordered = [by_id[qid] for qid in dict.fromkeys(wanted)]
    ordered += [q for q in current if q.id not in set(wanted)]
    return await _change(db, ctx, services, jobId, ordered, "Questions reordered.")


# ---------------------------------------------------------------------------------------------
# The library and the privacy notice


@router.get("/dashboard/{slug}/questions", response_class=HTMLResponse)
async def library_page(
    request: Request, ctx: Builder, db: DbSession, services: ServicesDep
) -> Response:
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "forms/library.html",
        {
            "questions": await queries.library(db, ctx),
            "kinds": list(KIND_LABELS.items()),
            "kind_labels": KIND_LABELS,
            "can_set_notice": ctx.can(Permission.UPDATE_ORGANIZATION),
        },
        section="jobs",
    )


@router.post("/dashboard/{slug}/questions")
async def add_library_question(
    request: Request, ctx: Builder, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/questions", status_code=303)
    try:
        await actions.add_library_question(db, ctx, spec_from_form(form))
    except DomainError as exc:  # refused before anything was written
        services.templates.flash(response, _message(exc), "error")
        return response
    await db.commit()
    services.templates.flash(response, "Question kept in the library.")
    return response


@router.post("/dashboard/{slug}/questions/{questionId}/delete")
async def delete_library_question(
    questionId: str, ctx: Builder, db: DbSession, services: ServicesDep
) -> Response:
    await actions.delete_library_question(db, ctx, questionId)
    await db.commit()
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/questions", status_code=303)
    services.templates.flash(response, "Question removed from the library.")
    return response


@router.post("/dashboard/{slug}/privacy-notice")
async def set_privacy_notice(
    request: Request, ctx: Admin, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/questions", status_code=303)
    try:
        await actions.set_privacy_notice(db, ctx, _text(form, "privacyNoticeUrl"))
    except DomainError as exc:  # refused before anything was written
        services.templates.flash(response, _message(exc), "error")
        return response
    await db.commit()
    services.templates.flash(response, "Privacy notice saved.")
    return response


# ---------------------------------------------------------------------------------------------
# File answers


@router.get("/dashboard/{slug}/applicants/{applicantId}/answers/{questionId}/file")
async def answer_file(
    applicantId: str, questionId: str, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    answer = await queries.answer_file(db, ctx, applicantId, questionId)
    file = ResumeFile(
        key=answer.file_key or "",
        filename=str(answer.value or "answer"),
        content_type=answer.file_content_type or "application/octet-stream",
        size=answer.file_size,
    )
    await db.rollback()
    return await resume_response(services, file)
