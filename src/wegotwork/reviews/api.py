"""Team review as JSON: an applicant's notes (``/api/v1/applicants/{id}/notes``,
``/api/v1/notes/{id}``), one's notifications, a stage's interview kit and an applicant's
scorecards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from wegotwork.deps import DbSession, SettingsDep
from wegotwork.identity.deps import CurrentAuth
from wegotwork.pipelines.queries import KitAttribute
from wegotwork.reviews import actions, queries
from wegotwork.reviews.schemas import (
    AttributeOut,
    KitEnvelope,
    KitIn,
    KitOut,
    NoteEnvelope,
    NoteIn,
    NoteOut,
    NotesEnvelope,
    NotificationOut,
    NotificationsEnvelope,
    NotificationsRead,
    ReadEnvelope,
    ScorecardEnvelope,
    ScorecardIn,
    ScorecardOut,
    ScorecardsEnvelope,
)
from wegotwork.schemas import Ok, error_responses
from wegotwork.tenancy.context import OrgContext
from wegotwork.tenancy.guard import APPLICANT_ID, NOTE_ID, STAGE_ID, require
from wegotwork.tenancy.permissions import Permission

router = APIRouter(prefix="/api/v1", tags=["reviews"])

ApplicantViewer = Annotated[
    OrgContext, Depends(require(Permission.VIEW_APPLICANTS, via=APPLICANT_ID))
]
ApplicantReviewer = Annotated[
    OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=APPLICANT_ID))
]
NoteWriter = Annotated[OrgContext, Depends(require(Permission.MANAGE_APPLICANTS, via=NOTE_ID))]
KitManager = Annotated[OrgContext, Depends(require(Permission.MANAGE_PIPELINES, via=STAGE_ID))]


@router.get(
    "/applicants/{applicantId}/notes",
    response_model=NotesEnvelope,
    responses=error_responses(401, 404),
    summary="An applicant's notes, newest first",
)
async def list_notes(applicantId: str, ctx: ApplicantViewer, db: DbSession) -> NotesEnvelope:
    views = await queries.notes(db, ctx, applicantId)
    return NotesEnvelope(notes=[NoteOut.of(view) for view in views])


@router.post(
    "/applicants/{applicantId}/notes",
    status_code=201,
    response_model=NoteEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Add a note; @name or @email of a member mentions them",
)
async def add_note(
    applicantId: str, body: NoteIn, ctx: ApplicantReviewer, db: DbSession, settings: SettingsDep
) -> NoteEnvelope:
    """Markdown, shown sanitized. Each member mentioned gets a notification, and a mail when
    the author's email is verified and within the hour's budget for mentions."""
    view = await actions.add_note(db, ctx, applicantId, body.body, base_url=settings.base_url)
    await db.commit()
    return NoteEnvelope(note=NoteOut.of(view))


@router.patch(
    "/notes/{noteId}",
    response_model=NoteEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Edit one's own note",
)
async def edit_note(
    noteId: str, body: NoteIn, ctx: NoteWriter, db: DbSession, settings: SettingsDep
) -> NoteEnvelope:
    view = await actions.edit_note(db, ctx, noteId, body.body, base_url=settings.base_url)
    await db.commit()
    return NoteEnvelope(note=NoteOut.of(view))


@router.delete(
    "/notes/{noteId}",
    response_model=Ok,
    responses=error_responses(401, 403, 404),
    summary="Delete a note (its author; admins any note)",
)
async def delete_note(noteId: str, ctx: NoteWriter, db: DbSession) -> Ok:
    await actions.delete_note(db, ctx, noteId)
    await db.commit()
    return Ok(message="Note deleted")


@router.get(
    "/notifications",
    response_model=NotificationsEnvelope,
    responses=error_responses(401, 422),
    summary="My newest notifications",
)
async def list_notifications(
    auth: CurrentAuth,
    db: DbSession,
    unread: Annotated[bool, Query(description="Only the unread ones")] = False,
) -> NotificationsEnvelope:
    views = await queries.notifications(db, auth.user, unread=unread)
    return NotificationsEnvelope(
        notifications=[NotificationOut.of(view) for view in views],
        unreadCount=await queries.unread_count(db, auth.user),
    )


@router.post(
    "/notifications/read",
    response_model=ReadEnvelope,
    responses=error_responses(401, 422),
    summary="Mark my notifications read (all when ids is absent)",
)
async def read_notifications(
    body: NotificationsRead, auth: CurrentAuth, db: DbSession
) -> ReadEnvelope:
    marked = await actions.mark_read(db, auth.user, body.ids)
    await db.commit()
    return ReadEnvelope(marked=marked, unreadCount=await queries.unread_count(db, auth.user))


@router.put(
    "/stages/{stageId}/scorecard",
    response_model=KitEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Replace a stage's interview kit",
)
async def set_kit(stageId: str, body: KitIn, ctx: KitManager, db: DbSession) -> KitEnvelope:
    attributes = [KitAttribute(item.name, item.description) for item in body.attributes]
    saved = await actions.set_kit(db, ctx, stageId, attributes)
    await db.commit()
    return KitEnvelope(
        scorecard=KitOut(stage_id=stageId, attributes=[AttributeOut.of(item) for item in saved])
    )


@router.get(
    "/applicants/{applicantId}/scorecards",
    response_model=ScorecardsEnvelope,
    responses=error_responses(401, 404),
    summary="An applicant's scorecards: mine, and others' once I submitted mine for the stage",
)
async def list_scorecards(
    applicantId: str, ctx: ApplicantViewer, db: DbSession
) -> ScorecardsEnvelope:
    return ScorecardsEnvelope.of(await queries.review(db, ctx, applicantId))


@router.put(
    "/applicants/{applicantId}/scorecards/{stageId}",
    response_model=ScorecardEnvelope,
    responses=error_responses(401, 403, 404, 422),
    summary="Submit (or replace) my scorecard for the applicant at a stage",
)
async def submit_scorecard(
    applicantId: str,
    stageId: str,
    body: ScorecardIn,
    ctx: ApplicantReviewer,
    db: DbSession,
    settings: SettingsDep,
) -> ScorecardEnvelope:
    data = actions.ScorecardInput(
        ratings=body.ratings, recommendation=body.recommendation, notes=body.notes
    )
    view = await actions.submit_scorecard(
        db, ctx, applicantId, stageId, data, base_url=settings.base_url
    )
    await db.commit()
    return ScorecardEnvelope(scorecard=ScorecardOut.of(view))
