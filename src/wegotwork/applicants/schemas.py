"""Applicants in and out: the application form, status changes, filters, and what the API
answers. The same input models serve the JSON API and the HTML forms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wegotwork.analytics.rules import clean_source
from wegotwork.applicants import rules
from wegotwork.forms.queries import AnswerView
from wegotwork.forms.schemas import AnswerOut, ConsentOut
from wegotwork.models import Applicant, ApplicantEvent, ApplicantStatus, PipelineStage, User
from wegotwork.schemas import CamelModel

MAX_NAME = 120
MAX_MOTIVATION = 5000
MAX_SEARCH = 200
DEFAULT_PAGE = 25
MAX_PAGE = 100


def _profile(site: rules.Site, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(site.message)
    if not value.strip():
        return None
    return rules.normalize_profile_url(site, value)


class ApplicationInput(BaseModel):
    """What a candidate sends with the résumé (multipart fields ``name``, ``email``,
    ``motivation``, ``linkedIn``, ``twitter``, ``github``)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    name: str
    email: str
    motivation: str | None = None
    linked_in: str | None = Field(default=None, alias="linkedIn")
    twitter: str | None = None
    github: str | None = None
    # A tracked link's code or a utm_source, as the job page passes it on.
    source: str | None = None

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("Source must be text")
        return clean_source(value) or None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("Name is required")
        name = " ".join(value.split())
        if len(name) > MAX_NAME:
            raise ValueError(f"Name must be at most {MAX_NAME} characters")
        if rules.has_control_characters(value, allow_newlines=False):
            raise ValueError("Name contains characters that are not allowed")
        return name

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("Email is required")
        try:
            checked = validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError as exc:
            raise ValueError("Enter a valid email address, like name@example.com") from exc
        if len(checked.normalized) > 320:
            raise ValueError("Email must be at most 320 characters")
        return checked.normalized

    @field_validator("motivation", mode="before")
    @classmethod
    def _motivation(cls, value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("Motivation must be text")
        # Browsers send a textarea's line breaks as CRLF but count them as one character.
        text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if len(text) > MAX_MOTIVATION:
            raise ValueError(
                f"Motivation must be at most {MAX_MOTIVATION:,} characters "
                f"(it has {len(text):,})".replace(",", " ")
            )
        if rules.has_control_characters(text, allow_newlines=True):
            raise ValueError("Motivation contains characters that are not allowed")
        return text or None

    @field_validator("linked_in", mode="before")
    @classmethod
    def _linkedin(cls, value: object) -> str | None:
        return _profile(rules.LINKEDIN, value)

    @field_validator("twitter", mode="before")
    @classmethod
    def _twitter(cls, value: object) -> str | None:
        return _profile(rules.TWITTER, value)

    @field_validator("github", mode="before")
    @classmethod
    def _github(cls, value: object) -> str | None:
        return _profile(rules.GITHUB, value)


class _StatusChoice(BaseModel):
    """A ``status`` given by name, in any case."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("status", mode="before", check_fields=False)
    @classmethod
    def _status(cls, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, str):
            candidate = value.strip().upper().replace(" ", "").replace("_", "")
            if candidate in ApplicantStatus.__members__:
                return ApplicantStatus(candidate)
        raise ValueError(
            "Choose a status: " + ", ".join(status.value for status in ApplicantStatus)
        )


class ApplicantStatusUpdate(_StatusChoice):
    """``{stageId}`` (a stage of the job's pipeline) or ``{status}`` (one of the six statuses,
    any case: the first stage of that status in the job's pipeline)."""

    status: ApplicantStatus | None = None
    stageId: str | None = Field(default=None, max_length=64)

    @property
    def stage_id(self) -> str | None:
        return self.stageId

    @model_validator(mode="after")
    def _one_target(self) -> ApplicantStatusUpdate:
        if (self.status is None) == (self.stageId is None):
            raise ValueError("Send either stageId or status")
        return self


class NotificationChoice(BaseModel):
    """The organizations whose new applicants, mentions of me in notes, and teammates'
    scorecards at stages I reviewed are mailed to me (all others: none)."""

    notify: list[str] = Field(default_factory=list, max_length=500)
    mention: list[str] = Field(default_factory=list, max_length=500)
    scorecard: list[str] = Field(default_factory=list, max_length=500)


class ApplicantSort(StrEnum):
    NEWEST = "newest"
    RATING = "rating"


@dataclass(frozen=True, slots=True)
class ApplicantFilters:
    """Which applicants a list shows: newest first, after ``cursor``."""

    status: ApplicantStatus | None = None
    job_id: str | None = None
    q: str | None = None
    cursor: str | None = None
    limit: int = DEFAULT_PAGE
    # Where applicants came from: a tracked link's name or a utm_source, exactly.
    source: str | None = None
    stage_id: str | None = None
    # Application forms: only applicants knocked out by an answer; only those whose answer to
    # a choice or yes/no question (id) is (or includes) a value.
    knocked_out: bool = False
    answer: tuple[str, str] | None = None
    # Team review: only applicants whose rating (as the caller may see it) is at least this;
    # and the order: newest first, or best rated first (unrated last), newest first among equals.
    min_rating: float | None = None
    sort: ApplicantSort = ApplicantSort.NEWEST


@dataclass(frozen=True, slots=True)
class ApplicantRow:
    applicant: Applicant
    job_title: str


@dataclass(frozen=True, slots=True)
class ApplicantPage:
    rows: list[ApplicantRow]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class EventRow:
    event: ApplicantEvent
    actor: User | None


@dataclass(frozen=True, slots=True)
class ApplicantDetail:
    applicant: Applicant
    job_title: str
    events: list[EventRow]


# ---------------------------------------------------------------------------------------------
# Output


class ActorOut(CamelModel):
    id: str
    name: str


class ApplicantEventOut(CamelModel):
    id: str
    from_status: ApplicantStatus | None
    to_status: ApplicantStatus
    actor: ActorOut | None
    created_at: datetime

    @classmethod
    def of(cls, row: EventRow) -> ApplicantEventOut:
        actor = ActorOut(id=row.actor.id, name=row.actor.name) if row.actor else None
        return cls(
            id=row.event.id,
            from_status=row.event.from_status,
            to_status=row.event.to_status,
            actor=actor,
            created_at=row.event.created_at,
        )


class StageRef(CamelModel):
    """The pipeline stage an applicant is in; its status is the applicant's status."""

    id: str
    name: str
    status: ApplicantStatus

    @classmethod
    def of(cls, stage: PipelineStage) -> StageRef:
        return cls(id=stage.id, name=stage.name, status=stage.status)


class ApplicantOut(CamelModel):
    id: str
    organization_id: str
    job_id: str
    job_title: str | None = None
    name: str
    email: str
    motivation: str | None
    linked_in: str | None
    twitter: str | None
    github: str | None
    status: ApplicantStatus
    stage_id: str | None = None
    stage: StageRef | None = None
    source: str | None = None
    rating: float | None = Field(
        default=None,
        description="The mean recommendation of the scorecards the caller may see (-2…2); "
        "null without any (scorecards stay hidden until one submits one's own for the stage)",
    )
    resume_filename: str | None
    resume_content_type: str | None
    resume_size: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def fields_of(cls, applicant: Applicant, job_title: str | None) -> dict[str, Any]:
        return {
            "id": applicant.id,
            "organization_id": applicant.organization_id,
            "job_id": applicant.job_id,
            "job_title": job_title,
            "name": applicant.name,
            "email": applicant.email,
            "motivation": applicant.motivation,
            "linked_in": applicant.linkedin,
            "twitter": applicant.twitter,
            "github": applicant.github,
            "status": applicant.status,
            "stage_id": applicant.stage_id,
            "stage": StageRef.of(applicant.stage) if applicant.stage else None,
            "source": applicant.source,
            "resume_filename": applicant.resume_filename,
            "resume_content_type": applicant.resume_content_type,
            "resume_size": applicant.resume_size,
            "created_at": applicant.created_at,
            "updated_at": applicant.updated_at,
        }

    @classmethod
    def of(
        cls, applicant: Applicant, job_title: str | None = None, rating: float | None = None
    ) -> ApplicantOut:
        return cls(**cls.fields_of(applicant, job_title), rating=rating)


class ApplicantDetailOut(ApplicantOut):
    resume_url: str | None = Field(
        default=None,
        description="A link to the résumé: this API's download route, or a presigned link "
        "valid for 5 minutes when files live in S3.",
    )
    events: list[ApplicantEventOut] = Field(default_factory=list)
    answers: list[AnswerOut] = Field(
        default_factory=list, description="Answers to the job's questions, in the form's order"
    )
    consent: ConsentOut | None = Field(
        default=None, description="The privacy notice the candidate consented to, if any"
    )

    @classmethod
    def of_detail(
        cls,
        detail: ApplicantDetail,
        resume_url: str | None,
        rating: float | None = None,
        answers: Sequence[AnswerView] = (),
    ) -> ApplicantDetailOut:
        applicant = detail.applicant
        consent = (
            ConsentOut(
                notice_url=applicant.consent_notice_url,
                notice_version=applicant.consent_notice_version,
                consented_at=applicant.consented_at,
            )
            if applicant.consent_notice_url and applicant.consented_at
            else None
        )
        return cls(
            **cls.fields_of(applicant, detail.job_title),
            rating=rating,
            resume_url=resume_url,
            events=[ApplicantEventOut.of(row) for row in detail.events],
            answers=[AnswerOut.of(view) for view in answers],
            consent=consent,
        )


class ApplicantEnvelope(BaseModel):
    error: bool = False
    applicant: ApplicantOut


class ApplicantDetailEnvelope(BaseModel):
    error: bool = False
    applicant: ApplicantDetailOut


class ApplicantListEnvelope(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    error: bool = False
    applicants: list[ApplicantOut]
    nextCursor: str | None = None
