"""The JSON shapes of notes, notifications, interview kits and scorecards."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from wegotwork.models import NotificationKind, Recommendation
from wegotwork.pipelines.queries import KitAttribute
from wegotwork.pipelines.schemas import ActorOut
from wegotwork.reviews import rules
from wegotwork.reviews.queries import (
    NoteView,
    NotificationView,
    ReviewView,
    ScorecardView,
    StageReview,
)
from wegotwork.schemas import CamelModel, InputModel, visible_text

MAX_ID = 64
Rating = Annotated[int, Field(ge=rules.RATING_MIN, le=rules.RATING_MAX)]


class NoteIn(InputModel):
    """``{body}``: Markdown; ``@name`` or ``@email`` of a member mentions them."""

    body: str = Field(json_schema_extra=visible_text(1, rules.NOTE_MAX))


class NoteOut(CamelModel):
    id: str
    applicant_id: str
    author: ActorOut | None
    body: str
    html: str = Field(description="The body rendered from Markdown and sanitized")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: NoteView) -> NoteOut:
        note = view.note
        return cls(
            id=note.id,
            applicant_id=note.applicant_id,
            author=ActorOut.of(view.author),
            body=note.body,
            html=rules.note_html(note.body),
            created_at=note.created_at,
            updated_at=note.updated_at,
        )


class NoteEnvelope(BaseModel):
    error: bool = False
    note: NoteOut


class NotesEnvelope(BaseModel):
    error: bool = False
    notes: list[NoteOut]


class NotificationOut(CamelModel):
    id: str
    kind: NotificationKind
    actor: ActorOut | None
    applicant_id: str | None
    applicant_name: str | None
    note_id: str | None
    organization_id: str
    url: str | None = Field(description="The dashboard page the notification is about")
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, view: NotificationView) -> NotificationOut:
        item = view.notification
        url = (
            f"/dashboard/{view.organization_slug}/applicants/{item.applicant_id}"
            if item.applicant_id
            else None
        )
        return cls(
            id=item.id,
            kind=item.kind,
            actor=ActorOut.of(view.actor),
            applicant_id=item.applicant_id,
            applicant_name=view.applicant_name,
            note_id=item.note_id,
            organization_id=item.organization_id,
            url=url,
            created_at=item.created_at,
            read_at=item.read_at,
        )


class NotificationsEnvelope(BaseModel):
    error: bool = False
    notifications: list[NotificationOut]
    unreadCount: int


class NotificationsRead(InputModel):
    """``{ids?}``: the notifications to mark read; all of them when absent."""

    ids: list[str] | SkipJsonSchema[None] = Field(None, max_length=500)


class ReadEnvelope(BaseModel):
    error: bool = False
    marked: int
    unreadCount: int


class AttributeIn(InputModel):
    name: str = Field(json_schema_extra=visible_text(1, rules.ATTRIBUTE_NAME_MAX))
    description: str | None = Field(None, max_length=rules.ATTRIBUTE_DESCRIPTION_MAX)


class KitIn(InputModel):
    """``{attributes: [{name, description?}]}``: the stage's whole interview kit, in order."""

    attributes: list[AttributeIn] = Field(max_length=rules.MAX_ATTRIBUTES)


class AttributeOut(CamelModel):
    name: str
    description: str | None

    @classmethod
    def of(cls, item: KitAttribute) -> AttributeOut:
        return cls(name=item.name, description=item.description)


class KitOut(CamelModel):
    stage_id: str
    attributes: list[AttributeOut]


class KitEnvelope(BaseModel):
    error: bool = False
    scorecard: KitOut


class ScorecardIn(InputModel):
    """``{ratings: {attribute: 1-4}, recommendation, notes?}``: my scorecard for the stage."""

    ratings: dict[str, Rating] = Field(default_factory=dict, max_length=rules.MAX_ATTRIBUTES)
    recommendation: Recommendation
    notes: str | None = Field(None, max_length=rules.SCORECARD_NOTES_MAX)


class ScorecardOut(CamelModel):
    id: str
    stage_id: str
    author: ActorOut | None
    mine: bool
    ratings: dict[str, int]
    recommendation: Recommendation
    notes: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: ScorecardView) -> ScorecardOut:
        card = view.scorecard
        return cls(
            id=card.id,
            stage_id=card.stage_id,
            author=ActorOut.of(view.author),
            mine=view.mine,
            ratings={name: int(value) for name, value in (card.ratings or {}).items()},
            recommendation=card.recommendation,
            notes=card.notes,
            created_at=card.created_at,
            updated_at=card.updated_at,
        )


class ScorecardEnvelope(BaseModel):
    error: bool = False
    scorecard: ScorecardOut


class StageReviewOut(CamelModel):
    id: str
    name: str
    attributes: list[AttributeOut]
    submitted: bool = Field(description="Whether I submitted my scorecard for this stage")
    hidden_count: int = Field(description="Others' scorecards I see once I submit mine")
    rating: float | None = Field(description="Mean recommendation (-2…2) of those I see")
    ratings: dict[str, float] = Field(description="Mean rating per attribute of those I see")

    @classmethod
    def of(cls, entry: StageReview) -> StageReviewOut:
        return cls(
            id=entry.stage.id,
            name=entry.stage.name,
            attributes=[AttributeOut.of(item) for item in entry.attributes],
            submitted=entry.submitted,
            hidden_count=entry.hidden,
            rating=entry.rating,
            ratings=entry.attribute_means,
        )


class ScorecardsEnvelope(BaseModel):
    error: bool = False
    scorecards: list[ScorecardOut]
    stages: list[StageReviewOut]
    rating: float | None

    @classmethod
    def of(cls, view: ReviewView) -> ScorecardsEnvelope:
        return cls(
            scorecards=[ScorecardOut.of(item) for item in view.scorecards],
            stages=[StageReviewOut.of(entry) for entry in view.stages],
            rating=view.rating,
        )
