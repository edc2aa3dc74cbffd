"""Applicants in the dashboard: the overview, lists (per organization and per job), one
applicant, the board, bulk changes, CSV export, erasure and the résumé viewer."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from wegotwork.analytics.rules import clean_source
from wegotwork.applicants import actions, rules
from wegotwork.applicants.downloads import ResumeFile, resume_response
from wegotwork.applicants.overview import overview
from wegotwork.applicants.schemas import (
    DEFAULT_PAGE,
    MAX_SEARCH,
    ApplicantFilters,
    ApplicantSort,
    ApplicantStatusUpdate,
)
from wegotwork.db import utcnow
from wegotwork.deps import DbSession, ServicesDep
from wegotwork.errors import Conflict, DomainError, Invalid, NotFound, RateLimited
from wegotwork.forms import queries as form_queries
from wegotwork.messages import actions as messages
from wegotwork.messages.schemas import bulk_of_form
from wegotwork.models import (
    Applicant,
    ApplicantStatus,
    Job,
    PipelineStage,
    QuestionKind,
    TemplateKind,
)
from wegotwork.onboarding.actions import checklist
from wegotwork.pipelines.queries import (
    Column,
    activity,
    board,
    job_pipeline,
    list_pipelines,
    stage_cards,
)
from wegotwork.pipelines.rules import END_STATUSES, STATUS_LABELS
from wegotwork.reviews import queries as reviews
from wegotwork.reviews import rules as review_rules
from wegotwork.storage.cleanup import discard_files
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import SLUG, require
from wegotwork.tenancy.permissions import Permission
from wegotwork.tenancy.scoping import get_scoped
from wegotwork.web.dashboard import render_dashboard
from wegotwork.web.forms import parse_form, redirect

router = APIRouter(include_in_schema=False)

Viewer = Annotated[OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=SLUG))]
Manager = Annotated[OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=SLUG))]
Member = Annotated[OrgContext, Depends(require(Permission.VIEW_ORGANIZATION, via=SLUG))]

PER_COLUMN = 50
# A job's board shows this many cards per stage at first, the rest on demand.
PER_STAGE = 25
STATUSES = list(ApplicantStatus)


def _common() -> dict[str, Any]:
    return {"statuses": STATUSES, "status_labels": STATUS_LABELS}


def _filters_from(params: Mapping[str, str], *, job_id: str | None = None) -> ApplicantFilters:
    """Page filters from the query string; unknown or malformed values are simply ignored."""
    status_value = (params.get("status") or "").strip().upper()
    status = ApplicantStatus(status_value) if status_value in ApplicantStatus.__members__ else None
    q = (params.get("q") or "").strip()[:MAX_SEARCH] or None
    job = job_id or (params.get("job") or params.get("jobId") or "").strip() or None
    return ApplicantFilters(
        status=status,
        job_id=job,
        q=q,
        cursor=params.get("cursor") or None,
        limit=DEFAULT_PAGE,
        source=clean_source(params.get("source") or "") or None,
        knocked_out=(params.get("knockedOut") or "") in {"true", "on", "1"},
        answer=_answer_filter(params.get("answer") or ""),
        stage_id=(params.get("stage") or "").strip()[:64] or None,
        min_rating=RATING_FILTERS.get(params.get("minRating") or ""),
        sort=ApplicantSort.RATING if params.get("sort") == "rating" else ApplicantSort.NEWEST,
    )


# The rating filter's choices: the query value, the least rating it keeps, and its label.
RATING_CHOICES = (
    ("1.5", 1.5, "Strong yes"),
    ("1", 1.0, "Yes or better"),
    ("0", 0.0, "Not against"),
)
RATING_FILTERS = {value: least for value, least, _label in RATING_CHOICES}


def _answer_filter(value: str) -> tuple[str, str] | None:
    """``answer=<questionId>:<value>`` (application forms); anything else is ignored."""
    question_id, _, answer = value.partition(":")
    if not question_id or not answer or len(value) > 300:
        return None
    return question_id, answer


def _query(filters: ApplicantFilters, **extra: str) -> str:
    values = {
        "q": filters.q or "",
        "status": filters.status.value if filters.status else "",
        "job": filters.job_id or "",
        "source": filters.source or "",
        "knockedOut": "true" if filters.knocked_out else "",
        "answer": ":".join(filters.answer) if filters.answer else "",
        "stage": filters.stage_id or "",
        "minRating": next(
            (value for value, least, _ in RATING_CHOICES if least == filters.min_rating), ""
        ),
        "sort": "rating" if filters.sort == ApplicantSort.RATING else "",
        **extra,
    }
    present = {key: value for key, value in values.items() if value}
    return urlencode(present)


@router.get("/dashboard/{slug}", response_class=HTMLResponse)
async def overview_page(
    request: Request, ctx: Member, db: DbSession, services: ServicesDep
) -> Response:
    figures = await overview(db, ctx)
    # Zero ghosting: how many candidates wait longer than promised (a count, not the list).
    waiting = await messages.overdue_count(db, ctx) if ctx.can(Permission.VIEW_APPLICANTS) else 0
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "applicants/overview.html",
        {
            "overview": figures,
            "checklist": await checklist(db, ctx),
            "overdue_count": waiting,
            **_common(),
        },
        section="overview",
    )


def _list_base(slug: str, job_id: str | None) -> str:
    if job_id:
        return f"/dashboard/{slug}/jobs/{quote(job_id, safe='')}/applicants"
    return f"/dashboard/{slug}/applicants"


@dataclass(frozen=True, slots=True)
class BulkForm:
    """The list's bulk bar after a refused change: what was chosen, and why it was refused."""

    action: str = ""
    values: Mapping[str, str] = field(default_factory=dict)
    selected: frozenset[str] = frozenset()
    select_all: bool = False
    message: str | None = None
    errors: Mapping[str, list[str]] = field(default_factory=dict)


async def _bulk_choices(db: DbSession, ctx: OrgContext, job_id: str | None) -> dict[str, Any]:
    """The bulk bar's choices: the stages to move to (the job's pipeline when the list shows
    one job, else every pipeline's, grouped), the rejection reasons and the mail templates
    (rejection templates first)."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    if job_id:
        try:
            shown = await job_pipeline(db, ctx, job_id)
        except NotFound:  # a hand-edited job filter: offer every pipeline instead
            pass
        else:
            groups = [(shown.pipeline.name, [(c.stage.id, c.stage.name) for c in shown.stages])]
    if not groups:
        groups = [
            (view.pipeline.name, [(stage.id, stage.name) for stage in view.stages])
            for view in await list_pipelines(db, ctx)
        ]
    templates = sorted(
        await messages.list_templates(db, ctx),
        key=lambda template: (template.kind is not TemplateKind.REJECTION, template.name.lower()),
    )
    return {
        "bulk_stages": groups,
        "bulk_reasons": [
            (reason.id, reason.name) for reason in await messages.list_reasons(db, ctx)
        ],
        "bulk_templates": [(template.id, template.name) for template in templates],
    }


async def _list_page(
    request: Request,
    ctx: OrgContext,
    db: DbSession,
    services: ServicesDep,
    *,
    params: Mapping[str, str],
    job_id: str | None = None,
    bulk: BulkForm | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    filters = _filters_from(params, job_id=job_id)
    job_title = await actions.get_job_title(db, ctx, job_id) if job_id else None
    try:
        page = await actions.list_applicants(db, ctx, filters)
    except Invalid:  # a stale or hand-edited cursor: show the first page instead
        filters = replace(filters, cursor=None)
        page = await actions.list_applicants(db, ctx, filters)
    base = _list_base(ctx.organization.slug, job_id)
    manager = ctx.can(Permission.MANAGE_APPLICANTS)
    context = {
        **_common(),
        "filters": filters,
        "page": page,
        "ratings": await reviews.ratings(db, ctx, [row.applicant.id for row in page.rows]),
        "jobs": await actions.job_choices(db, ctx),
        "sources": await actions.source_choices(db, ctx),
        "job_title": job_title,
        "fixed_job": job_id,
        "base": base,
        "walk_query": _query(filters),
        # The bulk bar returns to this very page of the list.
        "back_query": _query(
            filters, cursor=filters.cursor or "", **({"job": ""} if job_id else {})
        ),
        "bulk": bulk or BulkForm(),
        **(await _bulk_choices(db, ctx, filters.job_id) if manager and page.rows else {}),
        "next_url": f"{base}?{_query(filters, cursor=page.next_cursor)}"
        if page.next_cursor
        else None,
        "first_url": f"{base}?{_query(filters)}" if filters.cursor else None,
        "export_url": f"/dashboard/{ctx.organization.slug}/applicants/export.csv?{_query(filters)}",
        # Application forms: filters on the job's choice and yes/no answers.
        "answer_filters": await _answer_choices(db, ctx, job_id),
        # Pipelines: the stages of the job's pipeline, when the list shows one job.
        "stage_filters": await _stage_choices(db, ctx, job_id),
        "rating_filters": [(value, label) for value, _least, label in RATING_CHOICES],
        "filtered": bool(
            filters.q
            or filters.status
            or filters.source
            or (filters.job_id and not job_id)
            or filters.knocked_out
            or filters.answer
            or filters.stage_id
            or filters.min_rating is not None
        ),
    }
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "applicants/list.html",
        context,
        section="applicants",
        status_code=status_code,
        headers=headers,
    )


async def _stage_choices(
    db: DbSession, ctx: OrgContext, job_id: str | None
) -> list[tuple[str, str]]:
    """(id, name) of the stages of the job's pipeline; none for the organization's list."""
    if not job_id:
        return []
    try:
        shown = await job_pipeline(db, ctx, job_id)
    except NotFound:
        return []
    return [(column.stage.id, column.stage.name) for column in shown.stages]


async def _answer_choices(
    db: DbSession, ctx: OrgContext, job_id: str | None
) -> list[tuple[str, str]]:
    """(``questionId:value``, label) for each option of the job's choice and yes/no questions."""
    if not job_id:
        return []
    choices: list[tuple[str, str]] = []
    for question in await form_queries.job_questions(db, ctx, job_id):
        if question.kind is QuestionKind.YES_NO:
            options = ["yes", "no"]
        elif question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE):
            options = list(question.options or [])
        else:
            continue
        choices += [
            (f"{question.id}:{option}", f"{question.label}: {option}") for option in options
        ]
    return choices


@router.get("/dashboard/{slug}/applicants", response_class=HTMLResponse)
async def list_page(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    return await _list_page(request, ctx, db, services, params=request.query_params)


@router.get("/dashboard/{slug}/jobs/{jobId}/applicants", response_class=HTMLResponse)
async def job_list_page(
    jobId: str, request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    return await _list_page(request, ctx, db, services, params=request.query_params, job_id=jobId)


CSV_COLUMNS = (
    "Name",
    "Email",
    "Job",
    "Status",
    "Source",
    "Applied at (UTC)",
    "LinkedIn",
    "X (Twitter)",
    "GitHub",
    "Résumé",
    "Motivation",
)


@router.get("/dashboard/{slug}/applicants/export.csv")
async def export_csv(request: Request, ctx: Viewer, db: DbSession) -> Response:
    """The current filtered list as CSV, every page of it, streamed."""
    filters = _filters_from(request.query_params)

    # Application forms: with a job chosen, one column per question of that job.
    questions = (
        await form_queries.job_questions(db, ctx, filters.job_id, retired=True)
        if filters.job_id
        else []
    )

    def answer_text(value: object) -> str:
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return "" if value is None else str(value)

    async def write_batch(writer: Any, batch: list[Any]) -> None:
        answers = (
            await form_queries.answers_for(db, ctx, [row.applicant.id for row in batch])
            if questions
            else {}
        )
        for row in batch:
            applicant = row.applicant
            given = answers.get(applicant.id, {})
            writer.writerow(
                [
                    rules.csv_cell(value)
                    for value in (
                        applicant.name,
                        applicant.email,
                        row.job_title,
                        STATUS_LABELS[applicant.status],
                        applicant.source,
                        applicant.created_at.strftime("%Y-%m-%d %H:%M"),
                        applicant.linkedin,
                        applicant.twitter,
                        applicant.github,
                        applicant.resume_filename,
                        applicant.motivation,
                        *(answer_text(given.get(question.id)) for question in questions),
                    )
                ]
            )

    async def rows() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # spreadsheets read UTF-8 correctly only with a BOM
        writer.writerow([*CSV_COLUMNS, *(rules.csv_cell(question.label) for question in questions)])
        batch: list[Any] = []
        async for row in actions.iter_applicants(db, ctx, filters):
            batch.append(row)
            if len(batch) == 200:
                await write_batch(writer, batch)
                batch = []
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        await write_batch(writer, batch)
        yield buffer.getvalue()

    stamp = utcnow().strftime("%Y-%m-%d")
    filename = f"applicants-{ctx.organization.slug}-{stamp}.csv"
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


# The fields of the bulk bar an action's error may name, as the form calls them.
BULK_FIELDS = {"stageId", "reasonId", "subject", "body"}


def _bulk_refusal(exc: DomainError, action: str) -> tuple[str, dict[str, list[str]]]:
    """A refused bulk change as the bar shows it: a summary, and errors next to its fields."""
    errors: dict[str, list[str]] = {}
    for name, reasons in (exc.field_errors or {}).items():
        if name == "templateId":
            name = "rejectTemplateId" if action == "reject" else "messageTemplateId"
        if name in BULK_FIELDS or name.endswith("TemplateId"):
            errors[name] = reasons
    return f"Nothing changed. {exc.message}", errors


def _plural(count: int) -> str:
    return f"{count} applicant{'s' if count != 1 else ''}"


async def _bulk_notice(db: DbSession, ctx: OrgContext, change: messages.Bulk, count: int) -> str:
    if change.action is messages.BulkAction.MOVE:
        stage = await get_scoped(db, PipelineStage, ctx, change.stage_id or "")
        return f"{_plural(count)} moved to {stage.name}."
    if change.action is messages.BulkAction.REJECT:
        if change.draft is None or change.draft.template_id is None:
            return f"{_plural(count)} rejected."
        when = "now" if change.send_at is not None else "the next morning"
        return f"{_plural(count)} rejected. Their mail goes out {when}."
    return f"Message sent to {_plural(count)}."


@router.post("/dashboard/{slug}/applicants/bulk")
async def bulk_form(
    request: Request, ctx: Manager, db: DbSession, services: ServicesDep
) -> Response:
    """The list's bulk bar: move, reject or message the selected applicants (or every one of
    the page with "select all"), all or nothing. Done: back to the same list with a notice.
    Refused: the list again with the reason in place and the choices kept; nothing changed."""
    form = await request.form()
    values = {key: value for key in form if isinstance(value := form.get(key), str)}
    selected = [value for value in form.getlist("applicantIds") if isinstance(value, str)]
    select_all = bool(values.get("selectAll"))
    page_ids = [value for value in form.getlist("pageIds") if isinstance(value, str)]
    params = dict(parse_qsl(values.get("back", "")))
    fixed_job = values.get("fixedJob") or None
    # A job's board sends its selection here too, and gets its answer on the board.
    board_job = (values.get("boardJob") or "").strip() or None
    try:
        async with db.begin_nested():
            change = bulk_of_form(values, selected + (page_ids if select_all else []), now=utcnow())
            count = await messages.bulk(
                db, ctx, change, base_url=services.settings.base_url, secret=services.secret
            )
    except DomainError as exc:
        action = values.get("action", "")
        summary, errors = _bulk_refusal(exc, action)
        limited = isinstance(exc, RateLimited)
        retry = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        if board_job:
            return await _board_page(
                request,
                ctx,
                db,
                services,
                job_id=board_job,
                bulk=BulkForm(action, values, frozenset(selected), False, summary, errors),
                status_code=429 if limited else 422,
                headers=retry,
            )
        return await _list_page(
            request,
            ctx,
            db,
            services,
            params=params,
            job_id=fixed_job,
            bulk=BulkForm(action, values, frozenset(selected), select_all, summary, errors),
            status_code=429 if limited else 422,
            headers=retry,
        )
    notice = await _bulk_notice(db, ctx, change, count)
    await db.commit()
    if board_job:
        board_url = f"/dashboard/{ctx.organization.slug}/board?" + urlencode({"job": board_job})
        return redirect(services, board_url, notice)
    filters = _filters_from(params, job_id=fixed_job)
    query = _query(filters, cursor=filters.cursor or "", **({"job": ""} if fixed_job else {}))
    base = _list_base(ctx.organization.slug, fixed_job)
    return redirect(services, f"{base}?{query}" if query else base, notice)


@dataclass(frozen=True, slots=True)
class BoardColumn:
    """A column of the board: a stage of the job's pipeline, or a status across all jobs."""

    key: str
    label: str
    status: ApplicantStatus
    count: int
    cards: list[tuple[Applicant, str]]
    more_url: str | None = None
    more_fragment: str | None = None
    end: bool = False


def _more_fragment(slug: str, job_id: str, stage_id: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = urlencode({"job": job_id, "stage": stage_id, "cursor": cursor})
    return f"/dashboard/{slug}/board/more?{query}"


def _stage_column(slug: str, job: Job, column: Column) -> BoardColumn:
    stage = column.stage
    return BoardColumn(
        key=stage.id,
        label=stage.name,
        status=stage.status,
        count=column.count,
        cards=[(applicant, job.title) for applicant in column.cards],
        more_url=f"/dashboard/{slug}/applicants?"
        + urlencode({"job": job.id, "status": stage.status.value}),
        more_fragment=_more_fragment(slug, job.id, stage.id, column.next_cursor),
        end=stage.status in END_STATUSES,
    )


async def _status_columns(db: DbSession, ctx: OrgContext) -> list[BoardColumn]:
    columns, counts = await actions.board_columns(db, ctx, job_id=None, per_column=PER_COLUMN)
    slug = ctx.organization.slug
    return [
        BoardColumn(
            key=status.value,
            label=STATUS_LABELS[status],
            status=status,
            count=counts[status],
            cards=[(row.applicant, row.job_title) for row in columns[status]],
            more_url=f"/dashboard/{slug}/applicants?status={status.value}",
        )
        for status in STATUSES
    ]


async def _card_ratings(
    db: DbSession, ctx: OrgContext, columns: list[BoardColumn]
) -> dict[str, float]:
    """The ratings the caller may see of the cards shown, in one query."""
    ids = [applicant.id for column in columns for applicant, _title in column.cards]
    return await reviews.ratings(db, ctx, ids)


@router.get("/dashboard/{slug}/board", response_class=HTMLResponse)
async def board_page(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    """Without a job: a column per status across all jobs. With ``?job=``: a column per stage
    of the job's pipeline, each with its count and first cards (more on demand), the end
    states folded away, and for those who may, a bar to move the ticked cards at once."""
    job_id = (request.query_params.get("job") or "").strip() or None
    return await _board_page(request, ctx, db, services, job_id=job_id)


async def _board_page(
    request: Request,
    ctx: OrgContext,
    db: DbSession,
    services: ServicesDep,
    *,
    job_id: str | None,
    bulk: BulkForm | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if job_id:
        overview, stage_columns = await board(db, ctx, job_id, per_column=PER_STAGE)
        columns = [_stage_column(ctx.organization.slug, overview.job, c) for c in stage_columns]
        field = "stageId"
    else:
        columns = await _status_columns(db, ctx)
        field = "status"
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "applicants/board.html",
        {
            **_common(),
            "columns": columns,
            "field": field,
            "jobs": await actions.job_choices(db, ctx),
            "job_id": job_id,
            "ratings": await _card_ratings(db, ctx, columns),
            # A job's board: tick cards, then move them all to one stage (the bulk route).
            "bulk_board": bool(job_id) and ctx.can(Permission.MANAGE_APPLICANTS),
            "bulk": bulk or BulkForm(),
        },
        section="board",
        status_code=status_code,
        headers=headers,
    )


@router.get("/dashboard/{slug}/board/more", response_class=HTMLResponse)
async def board_more(
    request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    """The next cards of one stage of a job's board (an htmx fragment: the cards and the next
    "show more"); empty when the job or stage is not given."""
    params = request.query_params
    job_id, stage_id = params.get("job") or "", params.get("stage") or ""
    if not job_id or not stage_id:
        return HTMLResponse("")
    overview = await job_pipeline(db, ctx, job_id)
    counted = next((entry for entry in overview.stages if entry.stage.id == stage_id), None)
    if counted is None:
        raise NotFound("Stage does not exist")
    cards, cursor = await stage_cards(
        db, ctx, job_id, stage_id, limit=PER_STAGE, cursor=params.get("cursor") or None
    )
    slug = ctx.organization.slug
    column = _stage_column(slug, overview.job, Column(counted.stage, counted.count, cards, cursor))
    columns = [
        BoardColumn(entry.stage.id, entry.stage.name, entry.stage.status, entry.count, [])
        for entry in overview.stages
    ]
    return HTMLResponse(
        services.templates.render_string(
            "applicants/_board_more.html",
            {
                "column": column,
                "columns": columns,
                "field": "stageId",
                "org": ctx.organization,
                "job_id": job_id,
                "can": {"manage_applicants": ctx.can(Permission.MANAGE_APPLICANTS)},
                "ratings": await _card_ratings(db, ctx, [column]),
                "bulk_board": ctx.can(Permission.MANAGE_APPLICANTS),
                "bulk": BulkForm(),
            },
        )
    )


async def _detail_context(
    request: Request, ctx: OrgContext, db: DbSession, applicant_id: str
) -> dict[str, Any]:
    """What the applicant page shows (also its pieces sent after a stage change in place)."""
    detail = await actions.get_applicant(db, ctx, applicant_id)
    # Previous and next within the list the reviewer came from (its filters ride along).
    filters = _filters_from(request.query_params)
    previous, following = await actions.neighbours(db, ctx, filters, detail.applicant)
    walk = _query(filters)
    base = f"/dashboard/{ctx.organization.slug}/applicants"
    review = await reviews.review(db, ctx, applicant_id)
    current = next(
        (entry for entry in review.stages if entry.stage.id == detail.applicant.stage_id), None
    )
    moderator = ctx.can(Permission.MODERATE_NOTES)
    return {
        **_common(),
        "detail": detail,
        "applicant": detail.applicant,
        "base": f"{base}/{quote(applicant_id, safe='')}",
        "stages": review.pipeline,
        "stage_name": next(
            (stage.name for stage in review.pipeline if stage.id == detail.applicant.stage_id),
            None,
        ),
        "timeline": await activity(db, ctx, applicant_id),
        "notes": [
            {
                "view": view,
                "html": review_rules.note_html(view.note.body),
                "deletable": moderator or view.note.author_id == ctx.user.id,
                "editable": view.note.author_id == ctx.user.id,
            }
            for view in await reviews.notes(db, ctx, applicant_id)
        ],
        "teammates": await reviews.teammates(db, ctx),
        "review": review,
        "previous_url": f"{base}/{previous}{'?' + walk if walk else ''}" if previous else None,
        "next_url": f"{base}/{following}{'?' + walk if walk else ''}" if following else None,
        "list_url": f"{base}{'?' + walk if walk else ''}",
        "review_current": current,
        "my_card": next(
            (card.scorecard for card in (current.visible if current else []) if card.mine),
            None,
        ),
        "recommendations": [
            (item.value, label) for item, label in review_rules.RECOMMENDATION_LABEL.items()
        ],
        "recommendation_labels": review_rules.RECOMMENDATION_LABEL,
        # Application forms: the answers to the job's questions.
        "answers": await form_queries.answers_of(db, ctx, applicant_id),
        # The page's pieces that follow the stage render whole here, out of band after a change.
        "oob": False,
        "stage_error": False,
    }


@router.get("/dashboard/{slug}/applicants/{applicantId}", response_class=HTMLResponse)
async def detail_page(
    applicantId: str, request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    context = await _detail_context(request, ctx, db, applicantId)
    return await render_dashboard(
        request, services, db, ctx, "applicants/detail.html", context, section="applicants"
    )


async def _stage_changed(
    request: Request,
    ctx: OrgContext,
    db: DbSession,
    services: ServicesDep,
    applicant_id: str,
    *,
    message: str,
    error: bool = False,
) -> Response:
    """The applicant page's answer to a stage change sent in place (htmx): what happened, for
    #stage-feedback, and the header, stage form, timeline and scorecards as they are now."""
    context = await _detail_context(request, ctx, db, applicant_id)
    return await render_dashboard(
        request,
        services,
        db,
        ctx,
        "applicants/_stage_changed.html",
        {**context, "message": message, "stage_error": error, "oob": True},
        section="applicants",
        status_code=422 if error else 200,
    )


@router.post("/dashboard/{slug}/applicants/{applicantId}/status")
async def status_form(
    applicantId: str, request: Request, ctx: Manager, db: DbSession, services: ServicesDep
) -> Response:
    """Move an applicant to a stage: from the board (back to the board) or the applicant page
    (back to it; sent in place by htmx, the answer is the page's changed pieces)."""
    form = await parse_form(request, ApplicantStatusUpdate)
    slug = ctx.organization.slug
    in_place = request.headers.get("hx-request") == "true" and form.values.get("next") != "board"
    back = f"/dashboard/{slug}/applicants/{quote(applicantId, safe='')}"
    if form.values.get("next") == "board":
        back = f"/dashboard/{slug}/board"
        if form.values.get("job"):
            back += "?" + urlencode({"job": str(form.values["job"])})
    response = RedirectResponse(back, status_code=303)
    if form.data is None or not form.ok:
        refusal = " ".join(form.errors.get("status", ["Choose a status"]))
        if in_place:
            return await _stage_changed(
                request, ctx, db, services, applicantId, message=refusal, error=True
            )
        services.templates.flash(response, refusal, "error")
        return response
    if in_place:
        try:
            async with db.begin_nested():
                applicant = await actions.change_status(db, ctx, applicantId, form.data)
        except (Invalid, Conflict) as exc:
            return await _stage_changed(
                request, ctx, db, services, applicantId, message=exc.message, error=True
            )
    else:
        applicant = await actions.change_status(db, ctx, applicantId, form.data)
    name = applicant.name
    where = applicant.stage.name if applicant.stage else STATUS_LABELS[applicant.status]
    await db.commit()
    if in_place:
        return await _stage_changed(
            request, ctx, db, services, applicantId, message=f"{name} moved to {where}."
        )
    services.templates.flash(response, f"{name} moved to {where}.")
    return response


@router.post("/dashboard/{slug}/applicants/{applicantId}/erase")
async def erase_form(
    applicantId: str, request: Request, ctx: Manager, db: DbSession, services: ServicesDep
) -> Response:
    form = await request.form()
    try:
        keys = await actions.erase_applicant(
            db, ctx, applicantId, confirm_name=str(form.get("confirm") or "")
        )
    except (Invalid, Conflict) as exc:
        back = RedirectResponse(
            f"/dashboard/{ctx.organization.slug}/applicants/{quote(applicantId, safe='')}"
            "#erase-title",
            status_code=303,
        )
        services.templates.flash(back, exc.message, "error")
        return back
    await db.commit()
    await discard_files(services.storage, keys)
    response = RedirectResponse(f"/dashboard/{ctx.organization.slug}/applicants", status_code=303)
    services.templates.flash(response, "The applicant and their résumé were erased.")
    return response


@router.get("/dashboard/{slug}/applicants/{applicantId}/resume")
async def resume_page(
    applicantId: str, request: Request, ctx: Viewer, db: DbSession, services: ServicesDep
) -> Response:
    """The résumé: a download, or with ``?inline=1`` the PDF for the in-page viewer."""
    file = ResumeFile.of(await actions.resume_of(db, ctx, applicantId))
    # Nothing to write: free the connection while the file streams. The signed-in user stays
    # loaded (expunged, not expired), so an error page about the file can still show the header.
    db.expunge_all()
    await db.rollback()
    inline = request.query_params.get("inline") == "1"
    return await resume_response(services, file, inline=inline)
